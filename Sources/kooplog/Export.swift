import ArgumentParser
import Foundation
import KooplogDomain
import KooplogEngine
import KooplogStore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the ledger: ndjson (every stored event, a lossless copy), ledger or beancount (the postings as a plain-text journal).",
        discussion: """
            Examples:
              kooplog export --format ndjson --output ledger-2025.ndjson
              kooplog export --format ledger --org 556677-8899 | ledger -f - balance
              kooplog export --format beancount --output books.beancount && bean-check books.beancount
            """)

    @OptionGroup var ledger: LedgerOption
    @Option(help: "ndjson, ledger, beancount or sie4.") var format: String = "ndjson"
    @Option(help: "The file to write (default: stdout).") var output: String?
    @Option(help: "Only this organisation (ledger, beancount; required for sie4).") var org: String?
    @Option(help: "The fiscal year by its start year (sie4).") var year: Int?

    func validate() throws {
        guard ["ndjson", "ledger", "beancount", "sie4"].contains(format) else {
            throw ValidationError("--format \(format) is not supported; use ndjson, ledger, beancount or sie4")
        }
        if format == "sie4" && (org == nil || year == nil) { throw ValidationError("--format sie4 needs --org ORGNR and --year YYYY") }
        if let org, case .failure = OrgNumber.parse(org) { throw ValidationError("--org \(org) is not an organisation number") }
        if org != nil && format == "ndjson" { throw ValidationError("--org goes with --format ledger or beancount; ndjson exports the whole log") }
    }

    func run() throws {
        try runMapped {
            let opened = try ledger.open()
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil) else {
                    throw StoreError.ioError.with("cannot create \(output)")
                }
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            } else {
                handle = FileHandle.standardOutput
            }
            if format == "sie4" {
                let bytes = try opened.exportSIE(org: try OrgNumber.parse(org!).get(), year: year!, version: KooplogVersion.text)
                try handle.write(contentsOf: bytes)
                if output != nil {
                    try handle.synchronize()
                    try handle.close()
                }
                return
            }
            if let plain = PlainTextFormat(rawValue: format) {
                try opened.exportPlainText(plain, org: try org.map { try OrgNumber.parse($0).get() }) { bytes in try handle.write(contentsOf: bytes) }
                if output != nil {
                    try handle.synchronize()
                    try handle.close()
                }
                return
            }
            let progress = Progress(label: "exporting", total: try opened.head().seq)
            let head = try opened.exportNDJSON({ bytes in try handle.write(contentsOf: bytes) }, progress: progress.update)
            progress.done()
            if let output {
                try handle.synchronize()
                try handle.close()
                printError("exported \(head.seq) events to \(output); head \(head.hash.hex)")
            }
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a new, empty ledger from an export file; refuse unless its head equals the exported one.",
        discussion: """
            Examples:
            ndjson: a new ledger from an export; every event is re-validated and re-chained.
              kooplog import ledger-2025.ndjson --ledger ~/kooplog-restored
            sie4: another program's SIE 4E/4I file as journal entries of --org, in one atomic append (the ledger is
            created when missing; importing the same file again stores nothing new).
              kooplog import --format sie4 bokslut-2024.se --org 556677-8899
            """)

    @OptionGroup var ledger: LedgerOption
    @Argument(help: "The file to import.") var file: String
    @Option(help: "ndjson or sie4.") var format: String = "ndjson"
    @Option(help: "The organisation the SIE file's books belong to (sie4).") var org: String?
    @Option(help: "Who records (sie4; default: $KOOPLOG_ACTOR, else the login name).") var actor: String?

    func validate() throws {
        guard format == "ndjson" || format == "sie4" else { throw ValidationError("--format \(format) is not supported; use ndjson or sie4") }
        if format == "sie4" {
            guard let org else { throw ValidationError("--format sie4 needs --org ORGNR") }
            if case .failure = OrgNumber.parse(org) { throw ValidationError("--org \(org) is not an organisation number") }
        }
    }

    func run() throws {
        try runMapped {
            if format == "sie4" {
                let bytes = try readInput(file)
                let opened = FileManager.default.fileExists(atPath: ledger.path + "/data.mdb") ? try ledger.open() : try Ledger.create(at: ledger.path)
                let results = try opened.importSIE(bytes, org: try OrgNumber.parse(org!).get(), actor: resolveActor(actor))
                let stored = results.filter { !$0.duplicate }.count
                print("imported \(file): \(stored) events stored, \(results.count - stored) already there; head seq \(try opened.head().seq)")
                return
            }
            // Read as it is imported, a block of lines at a time: memory does not grow with the file.
            let descriptor = try openInput(file)
            defer { if descriptor != STDIN_FILENO { close(descriptor) } }
            let progress = Progress(label: "importing")
            let report = try Ledger.importNDJSON(from: descriptor, into: ledger.path, progress: progress.update)
            progress.done()
            print(
                "imported \(report.events) events into \(ledger.path); head {\"seq\": \(report.head.seq), \"hash\": \"\(report.head.hash.hex)\"} equals the export's"
            )
        }
    }
}
