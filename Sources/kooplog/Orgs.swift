import ArgumentParser
import KooplogDomain
import KooplogEngine

struct Orgs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the organisations of the ledger, one per line.",
        discussion: "Example (in scripts): for org in $(kooplog orgs); do kooplog report income --org $org; done")

    @OptionGroup var ledger: LedgerOption

    func run() throws {
        try runMapped {
            for org in try ledger.open().organisations() { print(org.text) }
        }
    }
}
