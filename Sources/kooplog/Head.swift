import ArgumentParser
import KooplogEngine
import KooplogStore

struct Head: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the head {\"seq\": N, \"hash\": \"hex\"}: it identifies the whole history.",
        discussion: "Example: kooplog head --ledger ~/kooplog")

    @OptionGroup var ledger: LedgerOption
    @Option(help: "text or json (both print the same JSON object).") var format: OutputFormat = .text

    func run() throws {
        try runMapped(format: format) {
            let head = try ledger.open().head()
            print("{\"seq\": \(head.seq), \"hash\": \"\(head.hash.hex)\"}")
        }
    }
}
