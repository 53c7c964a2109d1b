import ArgumentParser
import KooplogEngine

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an empty ledger; never touches an existing one.",
        discussion: "Example: kooplog init --ledger ~/kooplog")

    @OptionGroup var ledger: LedgerOption

    func run() throws {
        try runMapped {
            let created = try Ledger.create(at: ledger.path)
            print("created an empty ledger at \(created.directory)")
        }
    }
}
