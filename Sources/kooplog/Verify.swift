import ArgumentParser
import Foundation
import KooplogDomain
import KooplogEngine
import KooplogStore

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay the whole log: check the chain, decode and re-validate every event, compare the stored state.",
        discussion: "Exit 0 only when everything agrees; 1 when a discrepancy is found. Example: kooplog verify --ledger ~/kooplog")

    @OptionGroup var ledger: LedgerOption
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Option(help: "Also check a saved JSON report against the log (recomputed at its asOf).") var report: String?
    @Option(name: .customLong("public-key"), help: "Check the report's signature with this public key.") var publicKey: String?
    @Option(help: "SEQ:HASH that the log must still hold (repeatable).") var checkpoint: [String] = []

    func validate() throws {
        for c in checkpoint {
            let parts = c.split(separator: ":")
            guard parts.count == 2, UInt64(parts[0]) != nil, Digest(hex: parts[1]) != nil else {
                throw ValidationError("--checkpoint \(c) is not SEQ:HASH (a number, a colon, 64 hex digits)")
            }
        }
        if publicKey != nil && report == nil { throw ValidationError("--public-key checks a report's signature: add --report FILE") }
    }

    func run() throws {
        var ok = true
        try runMapped(format: format) {
            let opened = try ledger.open(checkHead: false)
            // Without a total (an unreadable head), the bar shows no percentage.
            let progress = Progress(label: "verifying", total: try? opened.environment.read { txn in try opened.log.head(txn).seq })
            let report = try opened.verify(progress: progress.update)
            progress.done()
            var extra: [String] = []
            var checked: [String] = []
            for c in checkpoint {
                let parts = c.split(separator: ":")
                if let problem = try opened.checkCheckpoint(seq: UInt64(parts[0])!, hash: Digest(hex: parts[1])!) {
                    extra.append(problem.description)
                } else {
                    checked.append("checkpoint \(parts[0]): the log still holds this history")
                }
            }
            if let file = self.report {
                let bytes = try readInput(file)
                let saved: JSON
                do { saved = try JSONParser.parse(bytes) } catch { throw Refusal(.malformedJSON, "\(file): \(error)") }
                let key = try publicKey.map(ReportSignature.loadPublicKey)
                let check = try opened.checkReport(saved, publicKey: key)
                if check.matches {
                    checked.append("report \(file): matches the log at its asOf")
                } else {
                    extra += check.differences.map { "report \(file) differs: \($0)" }
                }
                if let valid = check.signatureValid {
                    if valid {
                        checked.append("report \(file): signature valid")
                    } else {
                        extra.append("report \(file): \(check.signatureProblem ?? "signature invalid")")
                    }
                }
            }
            ok = report.ok && extra.isEmpty
            if format == .json {
                let json: JSON = [
                    "ok": .bool(report.ok), "events": .number(String(report.events)), "orgs": .number(String(report.orgs.count)),
                    "verifikations": .number(String(report.verifikations)),
                    "head": ["seq": .number(String(report.head.seq)), "hash": .string(report.head.hash.hex)],
                    "discrepancies": .array(
                        report.discrepancies.map { d in
                            ["seq": d.seq.map { .number(String($0)) } ?? .null, "what": .string(d.what)]
                        } + extra.map { ["seq": .null, "what": .string($0)] }),
                    "checked": .array(checked.map { .string($0) }),
                ]
                _ = ok
                print(JSONWriter.canonicalString(json))
            } else {
                print(
                    "checked \(report.events) events of \(report.orgs.count) organisation(s), \(report.verifikations) verifikations, \(report.stateRecords) state records"
                )
                print("head: seq \(report.head.seq) \(report.head.hash.hex)")
                for line in checked { print(line) }
                for discrepancy in report.discrepancies { print("DISCREPANCY \(discrepancy)") }
                for line in extra { print("DISCREPANCY \(line)") }
                print(ok ? "verify: everything agrees" : "verify: FAILED (\(report.discrepancies.count + extra.count) discrepancies)")
            }
        }
        if !ok { throw ExitCode(Exit.discrepancy) }
    }
}
