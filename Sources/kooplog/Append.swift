import ArgumentParser
import KooplogDomain
import KooplogEngine
import KooplogStore

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append events from FILE or stdin: one JSON object, a JSON array, or one object per line.",
        discussion: """
            The append is atomic: all events are stored or none. An event whose id already exists is not stored
            again; its existing seq is reported. Example:
              echo '{"type":"invoice.paid","org":"769629-1231","date":"2025-03-14","id":"bank-0007","data":{"invoice":"2025-017","amount":"12500.00"}}' | kooplog append
            """)

    @OptionGroup var ledger: LedgerOption
    @Argument(help: "The file to read (stdin when absent or -).") var file: String?
    @Option(help: "Who records (default: $KOOPLOG_ACTOR, else the login name).") var actor: String?
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Option(name: .customLong("expect-head"), help: "Refuse unless the head is at this seq (optimistic concurrency).")
    var expectHead: UInt64?
    @Flag(name: .customLong("dry-run"), help: "Check the events and show what would be stored; store nothing.")
    var dryRun = false

    func run() throws {
        try runMapped(format: format) {
            // The input is handed on, not kept here: `append` lets it go once decoded.
            let items = try Ledger.parseInput(try readInput(file))
            let opened = try ledger.open()
            let options = AppendOptions(actor: resolveActor(actor), expectedHead: expectHead, dryRun: dryRun)
            let results = try opened.append(items, options: options)
            printResults(results, format: format, dryRun: dryRun)
        }
    }
}

func printResults(_ results: [AppendResult], format: OutputFormat, dryRun: Bool) {
    var out = Output()
    for result in results {
        if format == .json {
            if dryRun, case .object(var object) = result.json {
                object["dryRun"] = .bool(true)
                out.bytes(JSONWriter.canonical(.object(object)))
            } else {
                out.json(result)
            }
        } else {
            out.text(result, note: result.duplicate ? "  (already recorded; not stored again)" : (dryRun ? "  (dry run: would be stored)" : ""))
        }
    }
    if dryRun && format != .json { out.line("dry run: nothing was stored") }
    out.flush()
}
