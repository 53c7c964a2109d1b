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
        var state = MemoryRuleState { [self] seq in try self.event(seq)?.recorded }
        var firstRuleBreak: Discrepancy?
        let chain = try log.checkChain(in: environment) { view in
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
            }
        }
        report.head = chain.head
        if let bad = chain.firstBad {
            report.discrepancies.append(Discrepancy(seq: bad.seq, what: bad.problem))
        }
        if let firstRuleBreak { report.discrepancies.append(firstRuleBreak) }
        if report.ok {
            report.stateRecords = state.count
            report.discrepancies += try compareRuleState(state)
        }
        return report
    }

    /// The stored rule state must equal the recomputed one, record for record.
    private func compareRuleState(_ state: MemoryRuleState) throws -> [Discrepancy] {
        var expected: [String: [UInt8]] = [:]
        for (key, value) in state.values { expected[key] = try StateCodec.encode(value) }
        var found: [Discrepancy] = []
        try environment.read { txn in
            try txn.scan(stateDatabase) { keyBytes, valueBytes in
                let key = String(decoding: keyBytes, as: UTF8.self)
                if let want = expected.removeValue(forKey: key) {
                    if !want.elementsEqual(valueBytes) {
                        found.append(Discrepancy(seq: nil, what: "stored rule state \(key) differs from the replay: stored \(String(decoding: valueBytes, as: UTF8.self)), replay \(String(decoding: want, as: UTF8.self))"))
                    }
                } else {
                    found.append(Discrepancy(seq: nil, what: "stored rule state has \(key), which the replay does not produce"))
                }
                return found.count < 20
            }
        }
        for key in expected.keys.sorted().prefix(20) {
            found.append(Discrepancy(seq: nil, what: "stored rule state lacks \(key), which the replay produces"))
        }
        return found
    }
}
