import ArgumentParser
import Foundation
import KooplogEngine
import KooplogStore

struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring every read model up to the head (incremental; --full rebuilds from the first event).",
        discussion: "Safe while others append: the log is read in chunks; the result is stored in one short transaction. Example: kooplog rebuild --full")

    @OptionGroup var ledger: LedgerOption
    @Flag(help: "Rebuild from the first event.") var full = false
    @Flag(
        name: .customLong("from-log"),
        help: "Derive every event's decoded form from the log again, then rebuild from the first event (when verify names a decoded form that differs).")
    var fromLog = false
    @Flag(
        help:
            "Derive the stream and ids indexes from the log again (when verify names an index entry that differs); with --full or --from-log, then rebuild the read models too."
    )
    var indexes = false

    func run() throws {
        try runMapped {
            let opened = try ledger.open()
            if indexes {
                let start = Date()
                let progress = Progress(label: "indexing", total: try opened.head().seq)
                let report = try opened.rebuildIndexes(progress: progress.update)
                progress.done()
                let seconds = String(format: "%.2f", Date().timeIntervalSince(start))
                print("indexed \(report.events) events: \(report.streamEntries) stream entries, \(report.ids) ids, in \(seconds) s")
                if !full && !fromLog {
                    print("head: seq \(report.head.seq) \(report.head.hash.hex)")
                    return
                }
            }
            let start = Date()
            let progress = Progress(label: "rebuilding", total: try opened.head().seq)
            let report = try opened.rebuild(full: full, fromLog: fromLog, progress: progress.update)
            progress.done()
            let seconds = Date().timeIntervalSince(start)
            if report.events == 0 {
                print("read models are current at seq \(report.head.seq)")
            } else {
                let rebuilt = report.rebuiltModels.isEmpty ? "" : " (from the first event: \(report.rebuiltModels.joined(separator: ", ")))"
                print("applied \(report.events) events, seq \(report.fromSeq)…\(report.head.seq)\(rebuilt), in \(String(format: "%.2f", seconds)) s")
            }
            print("head: seq \(report.head.seq) \(report.head.hash.hex)")
        }
    }
}
