import ArgumentParser
import KooplogStore
import Foundation
import KooplogDomain
import KooplogEngine

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay the whole log: check the chain, decode and re-validate every event, compare the stored state.",
        discussion: "Exit 0 only when everything agrees; 1 when a discrepancy is found. Example: kooplog verify --ledger ~/kooplog")

    @OptionGroup var ledger: LedgerOption
    @Option(help: "text or json.") var format: OutputFormat = .text

    func run() throws {
        var ok = true
        try runMapped(format: format) {
            let opened = try ledger.open()
            let terminal = isatty(2) == 1
            let report = try opened.verify { seq in
                if terminal { FileHandle.standardError.write(Data("\rverifying… seq \(seq)".utf8)) }
            }
            if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            ok = report.ok
            if format == .json {
                let json: JSON = [
                    "ok": .bool(report.ok), "events": .number(String(report.events)), "orgs": .number(String(report.orgs.count)),
                    "verifikations": .number(String(report.verifikations)),
                    "head": ["seq": .number(String(report.head.seq)), "hash": .string(report.head.hash.hex)],
                    "discrepancies": .array(report.discrepancies.map { d in
                        ["seq": d.seq.map { .number(String($0)) } ?? .null, "what": .string(d.what)]
                    }),
                ]
                print(JSONWriter.canonicalString(json))
            } else {
                print("checked \(report.events) events of \(report.orgs.count) organisation(s), \(report.verifikations) verifikations, \(report.stateRecords) state records")
                print("head: seq \(report.head.seq) \(report.head.hash.hex)")
                for discrepancy in report.discrepancies { print("DISCREPANCY \(discrepancy)") }
                print(report.ok ? "verify: everything agrees" : "verify: FAILED (\(report.discrepancies.count) discrepancies)")
            }
        }
        if !ok { throw ExitCode(Exit.discrepancy) }
    }
}
