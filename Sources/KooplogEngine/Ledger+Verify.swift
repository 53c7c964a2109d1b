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
    /// Events read from their decoded forms, which agree with their payloads byte for byte; the
    /// others' payloads were decoded.
    public var eventsFromForms = 0
    /// Organisations replayed a second time, each form compared with its payload byte for byte,
    /// because the digest of the payloads their forms write was not the log's (a changed form,
    /// or a replay cut short by a discrepancy).
    public var organisationsRechecked = 0
    /// Replay groups whose forms were read from a `FormSpool` (0 when the forms were looked up).
    public var spooledGroups = 0
    public var discrepancies: [Discrepancy] = []
    public var ok: Bool { discrepancies.isEmpty }
}

extension Ledger {
    /// Replays the whole log: recomputes the chain, decodes every event, re-applies the append
    /// rules to each against the state before it, and compares the recomputed rule state and read
    /// models with the stored ones. The chain is one sequential pass on a thread of its own; the
    /// replay goes organisation by organisation on a few threads, in step. Every thread reads one
    /// and the same snapshot, so appends and rebuilds may go on meanwhile. `progress` hears the
    /// number of events replayed.
    ///
    /// With `formsByDigest` (the default where the CPU hashes SHA-256 in hardware) the replay
    /// reads each event from its decoded form alone, and the chain pass proves the forms: it
    /// digests each organisation's stored payloads (`PayloadDigest`), the replay the payloads its
    /// forms write, and the two must be equal. So the workers never read the log's records, which
    /// lie all over the file (at 10^7 events that halved the page faults), for two more SHA-256
    /// passes over each payload. An organisation whose digests differ is replayed again with each
    /// form compared byte for byte with its payload as it is read, which names the first that
    /// differs. Without, every organisation is replayed that way from the start: where SHA-256 runs
    /// in software, two more passes cost more than the reads they spare.
    public func verify(progress: ((UInt64) -> Void)? = nil, formsByDigest: Bool = Hardware.hashesSHA256) throws -> VerifyReport {
        let workers = Workers.count
        // One snapshot per worker and one for the chain; while they are held this process begins
        // no other transaction (a map resize would wait for them).
        let held = try environment.sharedSnapshots(workers + 1)
        let chainHeld = held[workers]
        let snapshot = try log.snapshot(chainHeld.txn)
        let checkpoints = try checkpoints(chainHeld.txn).filter { $0.value.version == ModelSet.version(of: $0.key) }
        let jobs = try organisationJobs(chainHeld.txn)
        let last = max(snapshot.head.seq, snapshot.lastSeq)
        let shared = SharedProgress(progress, release: environment.releaseMappedPagesOverBudget)
        // The chain pass reads the log once, in order, on a thread of its own; the workers replay
        // the groups in step with each other (`Pacer`), so their reads share the pages they map.
        let chainPass = Background {
            // The chain pass also counts each organisation's events, to check the org: index, and
            // digests their payloads, to prove the decoded forms.
            var tallies: [OrganisationBytes: OrganisationTally] = [:]
            let chain = try self.log.checkChain(chainHeld.txn, snapshot: snapshot, release: self.environment.releaseMappedPagesOverBudget) { view in
                let org = OrganisationBytes(payload: view.payload)
                let tally = tallies[org] ?? OrganisationTally()
                if tally.events == 0 { tallies[org] = tally }
                tally.events += 1
                if formsByDigest { tally.payloads.add(seq: view.seq, payload: view.payload) }
            }
            // Then the entries of the stream and ids indexes, for the replay's to equal.
            let streams = try self.log.streamFingerprint(chainHeld.txn, release: self.environment.releaseMappedPagesOverBudget)
            let ids = try self.log.idFingerprint(chainHeld.txn, release: self.environment.releaseMappedPagesOverBudget)
            return (chain, Dictionary(tallies.map { ($0.key.text, $0.value) }) { first, _ in first }, streams, ids)
        }
        // Replays organisations by groups on the workers, in step; reads events as `source` says.
        // The replayed records keyed by seq are compared at the end, all at once (`CrossRecordSpool`).
        let crossRecords = CrossRecordSpool()
        func replay(
            _ groups: [[OrganisationJob]], source: EventSource, seqs: [String: [UInt64]]? = nil, spool: FormSpool? = nil, pass: UInt8 = 2
        ) throws -> [OrganisationCheck] {
            let pacer = Pacer(workers: workers, window: Limits.replayWindowSeqs)
            return Array(
                try Workers.map(Array(groups.indices), workers: workers) { index, worker in
                    let group = groups[index]
                    return try pacer.job(worker, events: group.reduce(0) { $0 + $1.events }) { reached in
                        let given = seqs.map { seqs in group.map { seqs[$0.org] ?? [] } }
                        return try verifyOrganisations(
                            group.map(\.org), upTo: last, checkpoints: checkpoints, held: held[worker], seqs: given, source: source,
                            spooled: spool?.reader(index), cross: crossRecords.map { ($0, pass) }, progress: shared, reached: reached)
                    }
                }
                .joined())
        }
        func replay(_ jobs: [OrganisationJob], source: EventSource, seqs: [String: [UInt64]]? = nil) throws -> [OrganisationCheck] {
            try replay(organisationGroups(jobs), source: source, seqs: seqs)
        }
        var report = VerifyReport()
        var checks: [OrganisationCheck]
        var replayedAgain: Set<String> = []
        do {
            // Proven by digest, the forms of more than one group are first spooled by group
            // (`FormSpool`), while the chain pass runs.
            let groups = organisationGroups(jobs)
            var spool: FormSpool?
            if formsByDigest && groups.count > 1, let forms = decodedDatabase {
                spool = FormSpool.make(groups: groups.map { $0.map(\.org) }, forms: forms, held[0].txn, release: environment.releaseMappedPagesOverBudget)
            }
            checks = try replay(groups, source: formsByDigest ? .digestedForms : .agreeingForms, spool: spool, pass: 1)
            report.spooledGroups = spool == nil ? 0 : groups.count
        } catch {
            _ = try? chainPass.result()  // its snapshot must outlive it
            throw error
        }
        let (chain, logged, indexedStreams, indexedIDs) = try chainPass.result()
        let counts = logged.mapValues(\.events)
        report.head = chain.head
        let chainIntact = chain.firstBad == nil
        if let bad = chain.firstBad { report.discrepancies.append(Discrepancy(seq: bad.seq, what: bad.problem)) }
        // An org: index that disagrees with the log (an event written around Kooplog): that
        // organisation is replayed again from the log itself, and the index named.
        let indexed = Dictionary(jobs.map { ($0.org, $0.events) }, uniquingKeysWith: +)
        let disagreeing = chainIntact ? counts.filter { indexed[$0.key] != $0.value } : [:]
        for (org, count) in disagreeing.sorted(by: { $0.key < $1.key }) {
            report.discrepancies.append(
                Discrepancy(seq: nil, what: "the org:\(org) index holds \(indexed[org] ?? 0) events; the log holds \(count) of \(org)"))
        }
        if disagreeing.keys.contains(where: { $0 != "?" }) {
            // One more pass over the log collects those organisations' seqs.
            var seqs: [String: [UInt64]] = [:]
            try log.scan(from: 1, to: last, chainHeld.txn) { view in
                if let org = Self.organisation(of: view), disagreeing[org] != nil { seqs[org, default: []].append(view.seq) }
                return true
            }
            checks.removeAll { seqs[$0.org] != nil }
            replayedAgain.formUnion(seqs.keys)
            let again = seqs.sorted(by: { $0.key < $1.key }).map { OrganisationJob(org: $0.key, events: $0.value.count) }
            checks += try replay(again, source: .agreeingForms, seqs: seqs)
        }
        // An organisation replayed from its forms alone whose forms' payloads are not the log's
        // (a form changed behind the log's back, or a replay cut short) is replayed again with
        // each form compared byte for byte, which names what differs.
        let unproven = Set(checks.filter { check in check.payloadDigest.map { $0 != logged[check.org]?.payloads.finalize() } ?? false }.map(\.org))
        if !unproven.isEmpty {
            report.organisationsRechecked = unproven.count
            checks.removeAll { unproven.contains($0.org) }
            replayedAgain.formUnion(unproven)
            checks += try replay(jobs.filter { unproven.contains($0.org) }, source: .agreeingForms)
        }
        if let crossRecords { try compareCrossRecords(crossRecords, replayedAgain: replayedAgain, into: &checks, chainHeld.txn) }
        report.events = checks.reduce(0) { $0 + $1.events }
        report.verifikations = checks.reduce(0) { $0 + $1.verifikations }
        report.stateRecords = checks.reduce(0) { $0 + $1.stateRecords }
        report.eventsFromForms = checks.reduce(0) { $0 + $1.eventsFromForms }
        report.orgs = Set(checks.map(\.org))
        report.discrepancies += checks.flatMap(\.discrepancies)
        report.discrepancies += try compareTotals(checks, events: last, checkpoints: checkpoints, chainHeld.txn)
        // The stream and ids indexes against the streams and ids the events name, when every
        // event was decoded (an org: index found to disagree above is named there already).
        // What differs is named from one more reading of the log.
        if chainIntact && checks.reduce(0, { $0 + $1.streamsNamed }) == last {
            let skipping: Set<String> = disagreeing.isEmpty ? [] : ["org"]
            let kinds = checks.reduce(StreamFingerprint()) { $0 + $1.streams }.differingKinds(indexedStreams).filter { !skipping.contains($0.kind) }
            let idsDiffer = checks.reduce(StreamFingerprint(), { $0 + $1.ids }) != indexedIDs
            if !kinds.isEmpty || idsDiffer {
                let logged = try loggedIndexEntries(kinds: kinds.map { StreamFingerprint.kind(named: $0.kind) }, ids: idsDiffer, upTo: last, chainHeld.txn)
                report.discrepancies += try compareStreams(kinds, logged: logged.streams, upTo: last, chainHeld.txn)
                if idsDiffer { report.discrepancies += try compareIDs(logged: logged.ids, chainHeld.txn) }
            }
        }
        for (name, checkpoint) in checkpoints where checkpoint.seq > last {
            report.discrepancies.append(Discrepancy(seq: checkpoint.seq, what: "read model \(name) claims seq \(checkpoint.seq), beyond the log's head"))
        }
        report.discrepancies.sort { ($0.seq ?? .max, $0.what) < ($1.seq ?? .max, $1.what) }
        return report
    }

    /// The organisation a stored record names, read from its payload without decoding it.
    private static func organisation(of view: RecordView) -> String? {
        view.payload.withUnsafeBytes { RecordedEvent.organisation(ofPayload: $0) }
    }

    /// Replays a group of organisations (their events in one seq order, see
    /// `organisationGroups`): each one's rules against the state before each event, its read
    /// models compared at their checkpoints, its rule state compared at the end. A rule broken,
    /// an undecodable event or an index problem stops that organisation's replay only.
    private func verifyOrganisations(
        _ orgs: [String], upTo last: UInt64, checkpoints: [String: Checkpoint], held: SharedReadTransaction, seqs: [[UInt64]]?,
        source: EventSource, spooled: SpooledForms? = nil, cross: (spool: CrossRecordSpool, pass: UInt8)? = nil, progress: SharedProgress,
        reached: (UInt64) -> Void
    ) throws -> [OrganisationCheck] {
        let context = LedgerFoldContext(verifying: self, held: held, spooled: spooled)
        let replays = orgs.map { OrganisationReplay(org: $0, checkpoints: checkpoints, context: context, digesting: source == .digestedForms) }
        var written: [UInt8] = []  // the payload a form writes, digested
        written.reserveCapacity(1_024)
        // Compares the models of `replay` whose checkpoint lies before `seq` (all of them at the end).
        func compareDue(_ replay: OrganisationReplay, before seq: UInt64) throws {
            while let (name, checkpoint) = replay.due.first, checkpoint.seq < seq {
                replay.due.removeFirst()
                let replayed = replay.models.encoded(name, org: replay.check.org)
                replay.check.discrepancies += try compareModel(name, org: replay.check.org, replayed: replayed, checkpoint: checkpoint, held.txn)
                if replayed != nil { replay.check.modelStates[name, default: 0] += 1 }
            }
        }
        var replayed: UInt64 = 0
        let indexProblem = { (index: Int, error: StoreError) in
            replays[index].check.discrepancies.append(Discrepancy(seq: nil, what: error.description))
            replays[index].broken = true
        }
        try forEachEvent(of: orgs, upTo: last, in: held, seqs: seqs, source: source, spooled: spooled, indexProblem: indexProblem) {
            index, seq, decoded, origin in
            let replay = replays[index]
            try compareDue(replay, before: seq)
            replay.check.events += 1
            replayed += 1
            if replayed % SharedProgress.step == 0 {
                progress.add(SharedProgress.step)
                reached(seq)
            }
            let recorded: RecordedEvent
            switch consume decoded {
            case .success(let event): recorded = event
            case .failure(let refusal):
                replay.check.discrepancies.append(Discrepancy(seq: seq, what: "the stored event does not decode: \(refusal.description)"))
                replay.broken = true
                return false
            }
            recorded.event.forEachStream { kind, first, second in replay.check.streams.add(kind: kind, first, second, seq: seq) }
            if let id = recorded.event.id { replay.check.ids.add(id, seq: seq) }
            replay.check.streamsNamed += 1
            switch origin {
            case .agreeingForm, .form:
                // From its form: checked byte for byte by `agreeingForm`, or (a form alone) the
                // payload it writes goes into the digest the log's must equal.
                replay.check.eventsFromForms += 1
                replay.check.decodedForms += 1
                if case .form = origin {
                    written.removeAll(keepingCapacity: true)
                    recorded.appendPayload(to: &written)
                    written.withUnsafeBytes { replay.payloads?.add(seq: seq, payload: $0) }
                }
            case .payload(let bytes):
                replay.payloads?.add(seq: seq, payload: bytes)
                try checkDecodedForm(recorded, replay, held.txn)
            }
            do {
                if try RuleBook.apply(recorded.event, seq: seq, to: &replay.state) != nil { replay.check.verifikations += 1 }
            } catch let refusal as Refusal {
                let what = "the event breaks a rule and could never have been accepted: \(refusal.description)"
                replay.check.discrepancies.append(Discrepancy(seq: seq, what: what))
                replay.broken = true
                return false
            }
            try replay.models.apply(recorded, context: context)
            return true
        }
        progress.add(replayed % SharedProgress.step)
        for replay in replays where replay.check.decodedFormIssues > 1 {
            let what = "\(replay.check.decodedFormIssues) decoded forms of \(replay.check.org) differ from the log (the first is named above)"
            replay.check.discrepancies.append(Discrepancy(seq: nil, what: what))
        }
        for replay in replays {
            replay.check.payloadDigest = replay.payloads?.finalize()
        }
        for replay in replays where !replay.broken {
            environment.releaseMappedPagesOverBudget()  // between organisations' comparisons
            try compareDue(replay, before: .max)
            replay.check.stateRecords = replay.state.count
            try compareRuleState(replay.state, org: replay.check.org, into: &replay.check, cross: cross, held.txn)
        }
        return replays.map(\.check)
    }

    /// An event's stored decoded form must be, byte for byte, the form of the event its canonical
    /// payload decodes to (what `rebuild --full` folds is then what verify replays). The first
    /// form of an organisation that differs is named; the count comes at the end. A missing form
    /// is not a discrepancy: like a read model behind the head, it is derived data not made yet
    /// (events appended by an older Kooplog have none), and a rebuild never folds forms with a
    /// gap; it derives them first.
    private func checkDecodedForm(_ recorded: RecordedEvent, _ replay: OrganisationReplay, _ txn: borrowing Transaction) throws {
        guard let decodedDatabase else { return }
        let differs =
            try txn.withValue(decodedDatabase, BigEndian.bytes(recorded.seq)) { stored in
                replay.check.decodedForms += 1
                return !recorded.hasDecodedForm(stored)
            } ?? false
        guard differs else { return }
        replay.check.decodedFormIssues += 1
        if replay.check.decodedFormIssues == 1 {
            let what = "its decoded form differs from the event its payload decodes to; run kooplog rebuild --full --from-log"
            replay.check.discrepancies.append(Discrepancy(seq: recorded.seq, what: what))
        }
    }

    /// A stored read model of one organisation must equal the replay at its checkpoint.
    private func compareModel(_ name: String, org: String, replayed: [UInt8]?, checkpoint: Checkpoint, _ txn: borrowing Transaction) throws
        -> [Discrepancy]
    {
        let seq = checkpoint.seq
        let stored = try txn.get(modelsDatabase, ModelKeys.state(name, generation: checkpoint.generation, org: org))
        switch (stored, replayed) {
        case (let s?, let r?) where s != r:
            let offset = zip(s, r).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(s.count, r.count)
            let what = "stored read model \(name) of \(org) differs from the replay at seq \(seq) (first at byte \(offset))"
            return [Discrepancy(seq: seq, what: what)]
        case (nil, .some): return [Discrepancy(seq: seq, what: "stored read model \(name) lacks \(org)")]
        case (.some, nil): return [Discrepancy(seq: seq, what: "stored read model \(name) has \(org), which the replay does not produce")]
        default: return []
        }
    }

    /// The stored rule state of one organisation must equal the replay's, record for record.
    private func compareRuleState(
        _ state: MemoryRuleState, org: String, into check: inout OrganisationCheck, cross spool: (spool: CrossRecordSpool, pass: UInt8)?,
        _ txn: borrowing Transaction
    ) throws {
        var matched = 0
        var found: [Discrepancy] = []
        func compare(_ key: @autoclosure () -> String, replayed: RuleRecord?, stored: UnsafeRawBufferPointer?) {
            guard found.count < 20 else { return }
            if let discrepancy = ruleStateDiscrepancy(key(), want: replayed.map(StateCodec.encode), stored: stored) { found.append(discrepancy) }
        }
        // The organisation's own records, by their key prefixes. A stored key that is not exactly
        // the text of a key matches no replayed record.
        let number = try? OrgNumber.parse(org).get()
        /// A record of this organisation (the scans below cover them), not one keyed by seq.
        func isOwn(_ key: RuleKey) -> Bool { key.orgDigits != nil && key.orgDigits == number?.digits }
        // Each organisation's records lie on leaf pages all over a large file: memory is checked
        // every `checkEvery` records read (at 10^7 events one organisation's lookups had mapped
        // up to 90 MiB between two checks).
        let checkEvery = 64
        var read = 0
        func counted() {
            read += 1
            if read % checkEvery == 0 { environment.releaseMappedPagesOverBudget() }
        }
        for (kind, prefix) in zip(RuleKey.ownKinds, RuleKey.prefixes(org)) {
            let start = Array(prefix.utf8)
            try txn.scan(stateDatabase, from: start) { key, value in
                guard key.starts(with: start) else { return false }
                counted()
                check.storedStateRecords += 1
                let tail = UnsafeRawBufferPointer(rebasing: key[start.count...])
                let replayed = number.flatMap { RuleKey(stored: tail, kind: kind, org: $0) }.flatMap { state.values[$0] }
                if replayed != nil { matched += 1 }
                compare(String(decoding: key, as: UTF8.self), replayed: replayed, stored: value)
                return true
            }
        }
        // The records keyed by seq, looked up by kind and seq through one cursor (so lookups that
        // follow each other share leaf pages: seqs of as many digits are in the store's order;
        // the order is made once per key, not per comparison); and the own ones the store lacks.
        var own = 0
        var cross: [(order: (UInt8, UInt64), key: RuleKey)] = []
        for key in state.values.keys {
            if isOwn(key) {
                own += 1
            } else {
                cross.append(((key.kind.rawValue, key.seq ?? 0), key))
            }
        }
        cross.sort { $0.order < $1.order }
        check.crossRecords += cross.count
        let spooled = spool.map { spool in spool.spool.add(pass: spool.pass, org: org, cross.map { ($0.key, StateCodec.encode(state.values[$0.key]!)) }) }
        if spooled != true {
            try txn.withCursor(stateDatabase) { cursor in
                for (_, key) in cross {
                    counted()
                    let stored = try key.withBytes { try cursor.value(at: $0) }
                    compare(key.text, replayed: state.values[key], stored: stored)
                }
            }
        }
        if matched != own {
            for (key, record) in state.values where isOwn(key) {
                if try key.withBytes({ k in try txn.withValue(stateDatabase, rawKey: k) { _ in true } }) == nil {
                    compare(key.text, replayed: record, stored: nil)
                }
            }
        }
        check.discrepancies += found
    }

    /// What differs between a stored rule-state record and the replay's (`want`, encoded), if
    /// anything.
    private func ruleStateDiscrepancy(_ key: @autoclosure () -> String, want: [UInt8]?, stored: UnsafeRawBufferPointer?) -> Discrepancy? {
        switch (stored, want) {
        case (let s?, let want?):
            guard !s.elementsEqual(want) && !legacyEqual(key(), stored: Array(s), want: want) else { return nil }
            return Discrepancy(seq: nil, what: "stored rule state \(key()) differs from the replay")
        case (.some, nil): return Discrepancy(seq: nil, what: "stored rule state has \(key()), which the replay does not produce")
        case (nil, .some): return Discrepancy(seq: nil, what: "stored rule state lacks \(key()), which the replay produces")
        case (nil, nil): return nil
        }
    }

    /// The replayed records keyed by seq of every organisation (but the first pass of those
    /// replayed again) against the stored ones, in key order a chunk at a time; what differs goes
    /// to its organisation's check (at most 20 each), as `compareRuleState` would have put it.
    private func compareCrossRecords(
        _ spool: CrossRecordSpool, replayedAgain: Set<String>, into checks: inout [OrganisationCheck], _ txn: borrowing Transaction
    ) throws {
        let index = Dictionary(checks.indices.map { (checks[$0].org, $0) }) { first, _ in first }
        var found: [String: Int] = [:]
        var read = 0
        try txn.withCursor(stateDatabase) { cursor in
            try spool.forEach(skippingFirstPassOf: replayedAgain) { org, key, want in
                read += 1
                if read % 64 == 0 { environment.releaseMappedPagesOverBudget() }
                guard let at = index[org], found[org, default: 0] < 20 else { return }
                let stored = try key.withBytes { try cursor.value(at: $0) }
                if let discrepancy = ruleStateDiscrepancy(key.text, want: want, stored: stored) {
                    checks[at].discrepancies.append(discrepancy)
                    found[org, default: 0] += 1
                }
            }
        }
    }

    /// The stream index must hold exactly the entries the log's events name. The kinds of stream
    /// whose fingerprints differ are compared entry by entry, with the names the log's events give
    /// (`loggedIndexEntries`) and each kind's streams read from the index, and the first entries
    /// that differ named.
    private func compareStreams(
        _ differing: [(kind: String, entries: Int, otherEntries: Int)], logged: [UInt64: [String: [UInt64]]], upTo last: UInt64,
        _ txn: borrowing Transaction
    ) throws -> [Discrepancy] {
        var found: [Discrepancy] = []
        for kind in differing {
            let packed = StreamFingerprint.kind(named: kind.kind)
            let wanted = logged[packed] ?? [:]
            let stored = Dictionary(try log.streamEntries(ofKind: packed, txn).map { ($0.name, $0.seqs) }) { first, _ in first }
            var differences: [Discrepancy] = []
            for name in Set(wanted.keys).union(stored.keys).sorted() {
                // Both lists ascend: walked side by side.
                let want = wanted[name] ?? []
                let have = stored[name] ?? []
                var (w, h) = (0, 0)
                while w < want.count || h < have.count {
                    if h == have.count || (w < want.count && want[w] < have[h]) {
                        let what = "the stream index lacks seq \(want[w]) under \(name), a stream the event names"
                        differences.append(Discrepancy(seq: want[w], what: what))
                        w += 1
                    } else if w == want.count || have[h] < want[w] {
                        if have[h] == 0 {
                            differences.append(Discrepancy(seq: nil, what: "the stream index holds under \(name) a value that is not a seq"))
                        } else {
                            let why = have[h] <= last ? "that event is not of the stream" : "the log ends at seq \(last)"
                            differences.append(Discrepancy(seq: have[h], what: "the stream index lists seq \(have[h]) under \(name), but \(why)"))
                        }
                        h += 1
                    } else {
                        (w, h) = (w + 1, h + 1)
                    }
                }
            }
            let label = kind.kind.isEmpty ? "stream names without a known kind" : "\(kind.kind): streams"
            if differences.isEmpty {
                let what = "the \(label) of the index hold \(kind.otherEntries) entries that do not add up to the \(kind.entries) the log's events name"
                found.append(Discrepancy(seq: nil, what: what))
            }
            found += Self.firstNamed(differences, of: "the \(label)")
        }
        return found
    }

    /// The `ids` index must map exactly the idempotency keys the log's events carry
    /// (`loggedIndexEntries`), each to its event's seq. Called when the fingerprints differ: the
    /// index read whole, and the first entries that differ named.
    private func compareIDs(logged carried: [String: [UInt64]], _ txn: borrowing Transaction) throws -> [Discrepancy] {
        let stored = Dictionary(try log.idEntries(txn).map { ($0.id, $0.seq) }) { first, _ in first }
        var differences: [Discrepancy] = []
        for id in Set(carried.keys).union(stored.keys).sorted() {
            let seqs = carried[id] ?? []
            let mapped = stored[id]
            if seqs.count > 1 {
                let what = "the id \(id) is carried by seqs \(seqs.map(String.init).joined(separator: ", ")): an id names one event"
                differences.append(Discrepancy(seq: seqs[1], what: what))
            } else if mapped == 0 {
                differences.append(Discrepancy(seq: nil, what: "the ids index maps \(id) to a value that is not a seq"))
            } else if let mapped, seqs.first != mapped {
                let event = seqs.first.map { "the event with that id is seq \($0)" } ?? "no event carries that id"
                differences.append(Discrepancy(seq: mapped, what: "the ids index maps \(id) to seq \(mapped), but \(event)"))
            } else if mapped == nil, let seq = seqs.first {
                differences.append(Discrepancy(seq: seq, what: "the ids index lacks \(id), the id of seq \(seq)"))
            }
        }
        if differences.isEmpty {
            return [Discrepancy(seq: nil, what: "the ids index's entries do not add up to the ids the log's events carry")]
        }
        return Self.firstNamed(differences, of: "the ids index")
    }

    /// The entries the log's events up to `last` give the indexes that differ, from one more
    /// reading of the log (each payload decoded, the pages read dropped over the budget as it
    /// goes): the names of stream `kinds` with their seqs in order, and (with `ids`) each
    /// idempotency key with the seqs that carry it.
    private func loggedIndexEntries(kinds: [UInt64], ids: Bool, upTo last: UInt64, _ txn: borrowing Transaction) throws -> (
        streams: [UInt64: [String: [UInt64]]], ids: [String: [UInt64]]
    ) {
        let kinds = Set(kinds)
        var streams: [UInt64: [String: [UInt64]]] = [:]
        var carried: [String: [UInt64]] = [:]
        var read = 0
        try log.scan(from: 1, to: last, txn) { view in
            read += 1
            if Limits.memoryCheckDue(afterWrite: read) { environment.releaseMappedPagesOverBudget() }
            let event = try Self.storedEvent(view).event
            if !kinds.isEmpty {
                for name in event.streams {
                    let kind = name.withUTF8Bytes { StreamFingerprint.kind(of: UnsafeRawBufferPointer($0)) }
                    if kinds.contains(kind) { streams[kind, default: [:]][name, default: []].append(view.seq) }
                }
            }
            if ids, let id = event.id { carried[id, default: []].append(view.seq) }
            return true
        }
        return (streams, carried)
    }

    /// The first `Limits.streamDifferencesNamed` differences by seq, and a count of all when
    /// there are more.
    private static func firstNamed(_ differences: [Discrepancy], of what: String) -> [Discrepancy] {
        let sorted = differences.sorted { ($0.seq ?? 0, $0.what) < ($1.seq ?? 0, $1.what) }
        var named = Array(sorted.prefix(Limits.streamDifferencesNamed))
        if sorted.count > Limits.streamDifferencesNamed {
            let all = "\(sorted.count) entries of \(what) differ from the log in all (the first \(Limits.streamDifferencesNamed) are named)"
            named.append(Discrepancy(seq: nil, what: all))
        }
        return named
    }

    /// A rule-state record of an older ledger (JSON) equals the replay when it decodes to it.
    private func legacyEqual(_ key: String, stored: [UInt8], want: [UInt8]) -> Bool {
        guard stored.first != BinaryWriter.tag, let value = try? StateCodec.decodeRule(key, stored) else { return false }
        return StateCodec.encode(value) == want
    }

    /// What no single organisation can see: every event replayed once, no stored record of an
    /// organisation the log lacks.
    private func compareTotals(_ checks: [OrganisationCheck], events: UInt64, checkpoints: [String: Checkpoint], _ txn: borrowing Transaction) throws
        -> [Discrepancy]
    {
        var found: [Discrepancy] = []
        let replayed = checks.reduce(0) { $0 + $1.events }
        let broken = checks.contains { !$0.discrepancies.isEmpty }
        if replayed != events && !broken {
            found.append(Discrepancy(seq: nil, what: "the org: indexes hold \(replayed) events; the log holds \(events)"))
        }
        guard !broken else { return found }
        var cross = 0
        for prefix in RuleKey.crossPrefixes {
            let start = Array(prefix.utf8)
            try txn.scan(stateDatabase, from: start) { key, _ in
                guard key.starts(with: start) else { return false }
                cross += 1
                // Millions of records at 10^7 events: keep the pages read from growing resident memory.
                if cross % 1_024 == 0 { environment.releaseMappedPagesOverBudget() }
                return true
            }
        }
        let storedTotal = try txn.entries(stateDatabase)
        let ownTotal = checks.reduce(0) { $0 + $1.storedStateRecords }
        if cross != checks.reduce(0, { $0 + $1.crossRecords }) {
            let produced = checks.reduce(0) { $0 + $1.crossRecords }
            found.append(Discrepancy(seq: nil, what: "stored rule state has \(cross) reversal/postings records; the replay produces \(produced)"))
        }
        if storedTotal != ownTotal + cross {
            found.append(Discrepancy(seq: nil, what: "stored rule state has \(storedTotal - ownTotal - cross) records of no organisation in the log"))
        }
        if let decodedDatabase {
            let extra = try txn.entries(decodedDatabase) - checks.reduce(0) { $0 + $1.decodedForms }
            if extra > 0 {
                let what = "the decoded forms hold \(extra) entries for no event of the log; run kooplog rebuild --full --from-log"
                found.append(Discrepancy(seq: nil, what: what))
            }
        }
        for (name, checkpoint) in checkpoints {
            var stored = 0
            let start = ModelKeys.generationPrefix(name, checkpoint.generation)
            try txn.scan(modelsDatabase, from: start) { key, _ in
                guard key.starts(with: start) else { return false }
                stored += 1
                return true
            }
            let replayed = checks.reduce(0) { $0 + ($1.modelStates[name] ?? 0) }
            if stored != replayed {
                found.append(Discrepancy(seq: checkpoint.seq, what: "stored read model \(name) has \(stored) organisations; the replay produces \(replayed)"))
            }
        }
        return found
    }
}

/// One organisation's replay in verify: its rule state, its models and what was found so far.
private final class OrganisationReplay {
    var check: OrganisationCheck
    var state: MemoryRuleState
    let models = ModelSet()
    /// Models still to compare, by checkpoint seq.
    var due: [(key: String, value: Checkpoint)]
    /// A rule broken or an event unreadable: the rest of this organisation is not replayed.
    var broken = false
    /// The payloads of the events replayed (from forms: the payloads they write), when the
    /// replay reads forms alone (`EventSource.digestedForms`).
    var payloads: PayloadDigest?

    init(org: String, checkpoints: [String: Checkpoint], context: LedgerFoldContext, digesting: Bool) {
        check = OrganisationCheck(org: org)
        payloads = digesting ? PayloadDigest() : nil
        state = MemoryRuleState { seq in try context.event(seq) }
        due = checkpoints.sorted { $0.value.seq < $1.value.seq }
    }
}

/// What verify's chain pass found of one organisation: its events counted, their stored payloads
/// digested (when the forms are proven by digest).
private final class OrganisationTally {
    var events = 0
    var payloads = PayloadDigest()
}

/// What replaying one organisation found.
struct OrganisationCheck: Sendable {
    var org: String
    var events: UInt64 = 0
    var verifikations: UInt64 = 0
    var stateRecords = 0
    var storedStateRecords = 0
    /// Rule-state records not under the organisation's key prefixes (reversals, postings).
    var crossRecords = 0
    /// Models (by name) that have a state for the organisation at their checkpoint.
    var modelStates: [String: Int] = [:]
    /// Decoded forms found for its events, and how many of them differ.
    var decodedForms = 0
    var decodedFormIssues = 0
    /// Events read from a decoded form (checked byte for byte, or by `payloadDigest`).
    var eventsFromForms = 0
    /// The digest of the payloads of the events replayed, when they were read from forms alone:
    /// it must equal the log's for the organisation.
    var payloadDigest: Digest?
    /// The stream entries the replayed events name, and how many events named theirs (every
    /// event decoded).
    var streams = StreamFingerprint()
    var streamsNamed: UInt64 = 0
    /// The idempotency keys the replayed events carry, each with its seq.
    var ids = StreamFingerprint()
    var discrepancies: [Discrepancy] = []
}
