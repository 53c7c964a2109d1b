import Foundation
import KooplogDomain
public import KooplogStore

/// One discrepancy found by verify: the first seq concerned and what differs.
public struct Discrepancy: Sendable, Equatable, CustomStringConvertible {
    public var seq: UInt64?
    public var what: String
    public var description: String { (seq.map { "seq \($0): " } ?? "") + what }
}

/// What verify checked and found.
public struct VerifyReport: Sendable {
    public var events: UInt64 = 0
    public var orgs: Set<String> = []
    public var verifikations: UInt64 = 0
    public var head: LogHead = .empty
    public var stateRecords = 0
    public var discrepancies: [Discrepancy] = []
    public var ok: Bool { discrepancies.isEmpty }
}

extension Ledger {
    /// Replays the whole log: recomputes the chain, decodes every event, re-applies the append
    /// rules to each against the state before it, and compares the recomputed rule state with the
    /// stored one. `progress` is called now and then with the seq reached.
    public func verify(progress: ((UInt64) -> Void)? = nil) throws -> VerifyReport {
        var report = VerifyReport()
        let context = LedgerFoldContext(ledger: self)
        var state = MemoryRuleState { seq in try context.event(seq) }
        var firstRuleBreak: Discrepancy?
        // Read models: recomputed alongside, compared with the stored ones at their checkpoints.
        let models = ModelSet()
        // One snapshot of everything stored, so appends and rebuilds may go on meanwhile.
        let stored = try environment.read { txn in try StoredSnapshot(self, txn) }
        let checkpoints = stored.checkpoints
        var modelDiscrepancies: [Discrepancy] = []
        let compareModels = { (seq: UInt64) throws in
            for name in ModelSet.names where (checkpoints[name]?.seq ?? 0) == seq {
                modelDiscrepancies += try self.compareModel(
                    name, stored: stored.models[name] ?? [:], orgs: models.organisations(name),
                    encode: { org in try models.encoded(name, org: org) }, at: seq)
            }
        }
        try compareModels(0)
        let chain = try log.checkChain(in: environment, snapshot: stored.log) { view in
            report.events += 1
            if report.events % 65_536 == 0 { progress?(view.seq) }
            guard firstRuleBreak == nil else { return }
            let recorded: RecordedEvent
            do {
                recorded = try RecordedEvent.decode(seq: view.seq, payload: view.payload)
            } catch let refusal as Refusal {
                firstRuleBreak = Discrepancy(seq: view.seq, what: "the stored event does not decode: \(refusal.description)")
                return
            }
            report.orgs.insert(recorded.event.org.text)
            do {
                if try RuleBook.apply(recorded.event, seq: view.seq, to: &state) != nil { report.verifikations += 1 }
            } catch let refusal as Refusal {
                firstRuleBreak = Discrepancy(seq: view.seq, what: "the event breaks a rule and could never have been accepted: \(refusal.description)")
                return
            }
            try models.apply(recorded, context: context)
            try compareModels(view.seq)
        }
        report.head = chain.head
        if let bad = chain.firstBad {
            report.discrepancies.append(Discrepancy(seq: bad.seq, what: bad.problem))
        }
        if let firstRuleBreak { report.discrepancies.append(firstRuleBreak) }
        if report.ok {
            report.stateRecords = state.count
            report.discrepancies += try compareRuleState(state, stored: stored.ruleState)
            report.discrepancies += modelDiscrepancies
            for (name, checkpoint) in checkpoints where checkpoint.seq > report.head.seq {
                report.discrepancies.append(Discrepancy(seq: checkpoint.seq, what: "read model \(name) claims seq \(checkpoint.seq), beyond the log's head"))
            }
        }
        return report
    }

    /// A stored read model must equal the one recomputed from the log at its checkpoint.
    func compareModel(_ name: String, stored: [String: Digest], orgs: Set<String>, encode: (String) throws -> [UInt8]?, at seq: UInt64) throws -> [Discrepancy]
    {
        var found: [Discrepancy] = []
        for org in Set(stored.keys).union(orgs).sorted() {
            switch (stored[org], try encode(org)) {
            case (let s?, let e?) where e.withUnsafeBytes({ Digest.sha256($0) }) != s:
                let now = (try? environment.read { txn in try txn.get(modelsDatabase, Array("\(name)/\(org)".utf8)) }) ?? nil  // for the message only
                found.append(
                    Discrepancy(
                        seq: seq,
                        what: "stored read model \(name) of \(org) differs from the replay at seq \(seq)\(now.map { Self.firstDifference($0, e) } ?? "")"))
            case (nil, .some):
                found.append(Discrepancy(seq: seq, what: "stored read model \(name) lacks \(org)"))
            case (.some, nil):
                found.append(Discrepancy(seq: seq, what: "stored read model \(name) has \(org), which the replay does not produce"))
            default:
                break
            }
        }
        return found
    }

    private static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        let index = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        let from = max(0, index - 30)
        return
            ": stored …\(String(decoding: a[from..<min(a.count, index + 30)], as: UTF8.self))…, replay …\(String(decoding: b[from..<min(b.count, index + 30)], as: UTF8.self))…"
    }

    /// The stored rule state must equal the recomputed one, record for record.
    private func compareRuleState(_ state: MemoryRuleState, stored: [(String, Digest)]) throws -> [Discrepancy] {
        // One record at a time: encoding the whole replayed state at once would double its memory.
        var expected = Set(state.values.keys)
        var found: [Discrepancy] = []
        for (key, storedDigest) in stored where found.count < 20 {
            if let value = state.values[key] {
                expected.remove(key)
                let want = StateCodec.encode(value)
                if want.withUnsafeBytes({ Digest.sha256($0) }) != storedDigest {
                    let now = (try? environment.read { txn in try txn.get(stateDatabase, Array(key.utf8)) }) ?? nil  // for the message only
                    found.append(
                        Discrepancy(
                            seq: nil,
                            what:
                                "stored rule state \(key) differs from the replay: stored \(now.map { String(decoding: $0, as: UTF8.self) } ?? "?"), replay \(String(decoding: want, as: UTF8.self))"
                        ))
                }
            } else {
                found.append(Discrepancy(seq: nil, what: "stored rule state has \(key), which the replay does not produce"))
            }
        }
        for key in expected.sorted().prefix(20) {
            found.append(Discrepancy(seq: nil, what: "stored rule state lacks \(key), which the replay produces"))
        }
        return found
    }
}

/// Everything verify compares against, read in one transaction. Stored records are kept as
/// SHA-256 digests (32 bytes each, whatever their size); a mismatch is then shown from the store.
struct StoredSnapshot {
    var log: LogSnapshot
    var checkpoints: [String: Checkpoint] = [:]
    var models: [String: [String: Digest]] = [:]
    var ruleState: [(String, Digest)] = []

    init(_ ledger: Ledger, _ txn: borrowing Transaction) throws {
        log = try ledger.log.snapshot(txn)
        checkpoints = try ledger.checkpoints(txn)
        for name in ModelSet.names {
            var states: [String: Digest] = [:]
            let prefix = Array("\(name)/".utf8)
            try txn.scan(ledger.modelsDatabase, from: prefix) { key, value in
                guard key.starts(with: prefix) else { return false }
                states[String(decoding: key[prefix.count...], as: UTF8.self)] = Digest.sha256(value)
                return true
            }
            models[name] = states
        }
        var rules: [(String, Digest)] = []
        try txn.scan(ledger.stateDatabase) { key, value in
            rules.append((String(decoding: key, as: UTF8.self), Digest.sha256(value)))
            return true
        }
        ruleState = rules
    }
}
