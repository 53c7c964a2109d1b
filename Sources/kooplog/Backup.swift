import ArgumentParser
import Foundation
import KooplogEngine
import KooplogStore

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take a consistent, compacted copy of the ledger while others keep appending, with a manifest of its head.",
        discussion: "DEST must be a new or empty directory. Example: kooplog backup /mnt/backup/kooplog-2026-11-23")

    @OptionGroup var ledger: LedgerOption
    @Argument(help: "The directory for the copy.") var destination: String

    func run() throws {
        try runMapped {
            let opened = try ledger.open()
            let progress = Progress(label: "copying \(opened.environment.usedBytes / 1_048_576) MiB")
            if opened.environment.usedBytes > 64 << 20 { progress.update(try opened.head().seq) }  // only for large ledgers
            let manifest = try opened.backup(to: destination, version: KooplogVersion.text)
            progress.done()
            print("backup of seq \(manifest.seq) (\(manifest.hash)) in \(destination), \(manifest.dataBytes) bytes, SHA-256 \(manifest.dataSHA256)")
        }
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a backup in place after checking its manifest and verifying it in full.",
        discussion: """
            Never overwrites a live ledger unless --replace is given; the replaced ledger is kept aside.
            Example: kooplog restore /mnt/backup/kooplog-2026-11-23 --ledger ~/kooplog
            """)

    @OptionGroup var ledger: LedgerOption
    @Argument(help: "The backup directory.") var backup: String
    @Flag(help: "Replace an existing ledger (kept aside as DIR.replaced-TIME).") var replace = false

    func run() throws {
        try runMapped {
            let result = try Ledger.restore(from: backup, to: ledger.path, replace: replace)
            print("restored seq \(result.manifest.seq) (\(result.manifest.hash)) to \(ledger.path); verify: everything agrees (\(result.report.events) events)")
            if let aside = result.keptAside { print("the replaced ledger is kept at \(aside)") }
        }
    }
}

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the board's signing keys.",
        discussion: """
            Example:
              kooplog keys generate --output styrelsen
              kooplog report income --year 2025 --format json --sign styrelsen > income-2025.json
              kooplog verify --report income-2025.json --public-key styrelsen.pub
            """,
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an Ed25519 key pair: NAME (private, mode 0600) and NAME.pub.",
            discussion: "Example: kooplog keys generate --output styrelsen")

        @Option(help: "The private key file; the public key goes to NAME.pub.") var output: String

        func run() throws {
            try runMapped {
                let publicKey = try ReportSignature.generateKeyPair(at: output)
                print("private key: \(output) (keep it secret; mode 0600)\npublic key:  \(output).pub  \(publicKey)")
            }
        }
    }
}
