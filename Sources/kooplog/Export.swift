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
    @Option(help: "ndjson, ledger or beancount.") var format: String = "ndjson"
    @Option(help: "The file to write (default: stdout).") var output: String?
    @Option(help: "Only this organisation (ledger, beancount).") var org: String?

    func validate() throws {
        guard ["ndjson", "ledger", "beancount"].contains(format) else {
            throw ValidationError("--format \(format) is not supported; use ndjson, ledger or beancount")
        }
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
            if let plain = PlainTextFormat(rawValue: format) {
                try opened.exportPlainText(plain, org: try org.map { try OrgNumber.parse($0).get() }) { bytes in try handle.write(contentsOf: bytes) }
                if output != nil { try handle.synchronize(); try handle.close() }
                return
            }
            let progress = Progress(label: "exporting")
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
        discussion: "Every event is re-validated and re-chained. Example: kooplog import ledger-2025.ndjson --ledger ~/kooplog-restored")

    @OptionGroup var ledger: LedgerOption
    @Argument(help: "The export file (NDJSON).") var file: String
    @Option(help: "ndjson.") var format: String = "ndjson"

    func validate() throws {
        guard format == "ndjson" else { throw ValidationError("--format \(format) is not supported; use ndjson") }
    }

    func run() throws {
        try runMapped {
            let bytes = try readInput(file)
            let progress = Progress(label: "importing")
            let report = try Ledger.importNDJSON(bytes, into: ledger.path, progress: progress.update)
            progress.done()
            print("imported \(report.events) events into \(ledger.path); head {\"seq\": \(report.head.seq), \"hash\": \"\(report.head.hash.hex)\"} equals the export's")
        }
    }
}

/// A progress line on a terminal (stderr), nothing otherwise.
final class Progress {
    let label: String
    let terminal = isatty(2) == 1
    init(label: String) { self.label = label }
    func update(_ seq: UInt64) {
        if terminal { FileHandle.standardError.write(Data("\r\(label)… seq \(seq)".utf8)) }
    }
    func done() {
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
