import ArgumentParser

@main
struct Kooplog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kooplog",
        abstract: "An event-sourced ledger for Swedish social cooperatives, kept in an append-only, hash-chained log.",
        discussion: """
            Example:
              kooplog init --ledger ~/kooplog
              kooplog record invoice.paid --org 769629-1231 --date 2025-03-14 --invoice 2025-017 --amount "12 500"
              kooplog report trial-balance --org 769629-1231

            Exit codes: 0 success, 1 verification found a discrepancy, 64 wrong usage, 65 input refused (nothing
            appended), 66 no such ledger or file, 74 storage or I/O error, 75 the ledger is busy (try again).
            """,
        version: KooplogVersion.text,
        subcommands: [
            Init.self, Append.self, Record.self, Log.self, Head.self, Report.self, Rebuild.self, Verify.self,
            Export.self, Import.self, BackupCommand.self, Restore.self, Keys.self, Orgs.self, SIE.self,
        ]
    )
}

enum KooplogVersion {
    static let text = "0.1.0"
}
