import Foundation
public import KooplogDomain
import KooplogProjections
public import KooplogStore

extension EventLog {
    /// Event `seq` of the log, decoded where LMDB holds its payload (no copy of the record); nil
    /// when the log has no such record. With `forms`, read from its decoded form when that agrees
    /// with the payload (`Ledger.agreeingForm`): the same event, without parsing JSON.
    func event(_ seq: UInt64, _ txn: borrowing Transaction, forms: Database? = nil) throws -> RecordedEvent? {
        try withRecord(seq, txn) { view in
            if let forms, let recorded = Ledger.agreeingForm(seq, payload: view.payload, in: forms, txn) { return recorded }
            return try RecordedEvent.decode(seq: seq, payload: view.payload)
        }
    }
}

extension Ledger {
    /// The event of a stored decoded form that agrees with the log: the form reads, is of the
    /// type's current schema version, and the canonical payload written from it is, byte for
    /// byte, `payload`. Canonical JSON has one text per event, so that event is the one the
    /// payload decodes to, got without parsing JSON (docs/FORMAT.md "decoded"). The form is then
    /// also, byte for byte, the one written from that event: binary records read strictly (bytes
    /// that read are the bytes their value writes, BinaryRecord.swift), as verify's
    /// `checkDecodedForm` requires. A form is only ever written from an event that decoding
    /// accepted, so it holds no event today's decoding would refuse: a Kooplog whose decoding
    /// refuses more raises `RecordedEvent.decodedFormat`, and older forms are not read. Nil
    /// otherwise: the caller decodes the payload.
    static func agreeingForm(_ seq: UInt64, payload: UnsafeRawBufferPointer, in forms: Database, _ txn: borrowing Transaction) -> RecordedEvent? {
        let read = try? txn.withValue(forms, BigEndian.bytes(seq)) { raw in agreeingForm(seq, payload: payload, form: raw) }
        return read ?? nil
    }

    /// `agreeingForm` of the stored form `raw`.
    static func agreeingForm(_ seq: UInt64, payload: UnsafeRawBufferPointer, form raw: UnsafeRawBufferPointer) -> RecordedEvent? {
        guard let recorded = currentForm(seq, raw), recorded.hasPayload(payload) else { return nil }
        return recorded
    }

    /// The event of the stored form `raw` when it reads and is of its type's current schema
    /// version (older forms are not read), whether or not it agrees with the log.
    static func currentForm(_ seq: UInt64, _ raw: UnsafeRawBufferPointer) -> RecordedEvent? {
        guard let recorded = try? RecordedEvent.decode(seq: seq, decoded: raw), recorded.version == Upcaster.standard.currentVersion(of: recorded.event.type)
        else { return nil }
        return recorded
    }
}

/// Reads earlier events for the folds (the original of a reversal). Every projection asks for the
/// same original in turn, so the last few are kept.
final class LedgerFoldContext: FoldContext {
    private let read: (UInt64) throws -> RecordedEvent?
    private var recent: [(UInt64, RecordedEvent)] = []

    /// Each event in a read transaction of its own.
    init(ledger: Ledger) { read = { seq in try ledger.environment.read { txn in try ledger.log.event(seq, txn) } } }

    /// Events in the transaction a worker holds (which must not begin others).
    init(log: EventLog, held: SharedReadTransaction) { read = { seq in try log.event(seq, held.txn) } }

    /// Events' decoded forms in the transaction a worker holds (a rebuild from decoded forms);
    /// from the group's spool first when given and it passed the form already (the same bytes,
    /// read without a lookup across the file).
    init(ledger: Ledger, decodedIn held: SharedReadTransaction, spooled: SpooledForms? = nil) {
        read = { seq in
            if let spooled, let raw = try? spooled.earlier(seq), let form = try? Ledger.readDecoded(seq, raw) { return form }
            return try ledger.decodedEvent(seq, held.txn)
        }
    }

    /// For verify's replay: an event's decoded form where there is one that reads, else its
    /// payload (decoding it again was four fifths of a reversal's cost in verify). Verify looks up
    /// only earlier events (originals of reversals, invoices of payments), whose forms are checked
    /// against their payloads by their organisation's replay: by its payload digest, and when that
    /// differs, byte for byte in a second replay, which reads earlier forms only after checking
    /// them. A form that differs is named either way, so a ledger with one never passes; at most,
    /// later comparisons of the same organisation disagree as well.
    init(verifying ledger: Ledger, held: SharedReadTransaction, spooled: SpooledForms? = nil) {
        read = { seq in
            // From the group's spool when it passed that form already (no lookup across the file:
            // at 10^7 events the originals' lookups were two fifths of verify's page faults).
            if let spooled, let raw = try? spooled.earlier(seq), let form = try? Ledger.readDecoded(seq, raw) { return form }
            if let form = try? ledger.decodedEvent(seq, held.txn) { return form }
            return try ledger.log.event(seq, held.txn)
        }
    }

    func event(_ seq: UInt64) throws -> RecordedEvent? {
        if let hit = recent.first(where: { $0.0 == seq }) { return hit.1 }
        guard let recorded = try read(seq) else { return nil }
        if recent.count >= 8 { recent.removeFirst() }
        recent.append((seq, recorded))
        return recorded
    }
}

/// The position a stored read model reflects, the version of the fold that made it, and the
/// generation of its stored states (a full rebuild writes a new generation beside the one readers
/// use, and switches to it in one transaction: docs/PROJECTIONS.md).
public struct Checkpoint: Sendable, Equatable {
    public var version: Int
    public var seq: UInt64
    public var hash: String
    public var generation: UInt64
}

extension Checkpoint: BinaryRecord {
    public func write(to writer: inout BinaryWriter) {
        writer.put(version)
        writer.put(seq)
        writer.put(hash)
        writer.put(generation)
    }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        self.init(version: try reader.get(), seq: try reader.get(), hash: try reader.get(), generation: try reader.get())
    }
}

/// One projection's states for every organisation, with the checkpoint they reflect.
final class ModelRunner<P: Projection>: @unchecked Sendable {
    /// The organisation folded last and its state, kept out of the dictionary: events come in runs
    /// of one organisation (a rebuild folds each on its own), and a run then costs no hashing.
    private var currentOrg: String?
    private var current: P.State?
    private var others: [String: P.State] = [:]
    /// Organisations whose state a fold changed.
    private(set) var dirty: Set<String> = []
    /// The first seq this runner must still apply (events before it are in the loaded states).
    var nextSeq: UInt64 = 1
    var loadedCheckpoint: Checkpoint?
    /// Reads one organisation's stored state on first use (nil for a fresh build).
    var loader: ((String) throws -> P.State?)?

    /// The states in memory, by organisation.
    var states: [String: P.State] {
        var all = others
        if let currentOrg, let current { all[currentOrg] = current }
        return all
    }

    /// One organisation's state in memory, or nil.
    func stateInMemory(_ org: String) -> P.State? { org == currentOrg ? current : others[org] }

    /// The state of one organisation: in memory, else loaded from the store, else initial.
    func state(_ org: String) throws -> P.State {
        if let state = stateInMemory(org) { return state }
        let loaded = try loader?(org) ?? P.initial()
        others[org] = loaded
        return loaded
    }

    func apply(_ recorded: RecordedEvent, context: some FoldContext) throws {
        guard recorded.seq >= nextSeq else { return }
        let org = recorded.event.org.text
        if org != currentOrg {
            if let currentOrg, let current { others[currentOrg] = current }
            // Taken out of the dictionary while folded, so its storage is uniquely referenced and
            // changed in place.
            current = try others.removeValue(forKey: org) ?? loader?(org) ?? P.initial()
            currentOrg = org
            dirty.insert(org)
        }
        try P.apply(recorded, to: &current!, context: context)
    }
}

/// All projections, run side by side in one pass over the log.
final class ModelSet: @unchecked Sendable {
    let finance = ModelRunner<FinanceProjection>()
    let headcount = ModelRunner<HeadcountProjection>()
    let members = ModelRunner<MembersProjection>()
    let grants = ModelRunner<GrantsProjection>()

    static let names = [FinanceProjection.name, HeadcountProjection.name, MembersProjection.name, GrantsProjection.name]

    static func version(of name: String) -> Int {
        switch name {
        case FinanceProjection.name: FinanceProjection.version
        case HeadcountProjection.name: HeadcountProjection.version
        case MembersProjection.name: MembersProjection.version
        default: GrantsProjection.version
        }
    }

    func apply(_ recorded: RecordedEvent, context: some FoldContext) throws {
        try finance.apply(recorded, context: context)
        try headcount.apply(recorded, context: context)
        try members.apply(recorded, context: context)
        try grants.apply(recorded, context: context)
    }

    var nextSeq: UInt64 { min(finance.nextSeq, headcount.nextSeq, members.nextSeq, grants.nextSeq) }

    /// One organisation's encoded state in one model, or nil.
    func encoded(_ name: String, org: String) -> [UInt8]? {
        switch name {
        case FinanceProjection.name: finance.stateInMemory(org).map(StateCodec.encode)
        case HeadcountProjection.name: headcount.stateInMemory(org).map(StateCodec.encode)
        case MembersProjection.name: members.stateInMemory(org).map(StateCodec.encode)
        default: grants.stateInMemory(org).map(StateCodec.encode)
        }
    }
}

/// What a rebuild did.
public struct RebuildReport: Sendable {
    public var fromSeq: UInt64
    public var head: LogHead
    public var events: UInt64
    public var rebuiltModels: [String]
}

extension Ledger {
    /// Loads a runner's stored checkpoint and states (all organisations) when its version matches.
    private func load<P: Projection>(_ runner: ModelRunner<P>, full: Bool, _ txn: borrowing Transaction) throws -> Bool {
        guard !full, let checkpoint = try checkpoint(P.name, txn), checkpoint.version == P.version else { return false }
        // Read-side check: the checkpoint must still name a record of this log.
        if checkpoint.seq > 0 {
            guard let record = try log.record(checkpoint.seq, txn), record.hash.hex == checkpoint.hash else {
                throw StoreError.integrity.with("read model \(P.name) reflects seq \(checkpoint.seq) \(checkpoint.hash), which the log does not hold")
            }
        }
        // States are read per organisation when first needed (a report needs one).
        runner.loader = { [environment, modelsDatabase] org in
            try environment.read { txn in
                let key = ModelKeys.state(P.name, generation: checkpoint.generation, org: org)
                return try txn.get(modelsDatabase, key).map { try StateCodec.decode(P.State.self, from: $0, key: String(decoding: key, as: UTF8.self)) }
            }
        }
        runner.nextSeq = checkpoint.seq + 1
        runner.loadedCheckpoint = checkpoint
        return true
    }

    /// Writes the changed states of an incrementally caught-up runner into its generation, and
    /// moves its checkpoint, unless another process moved it meanwhile (never backwards, never
    /// over a newer generation).
    private func store<P: Projection>(_ runner: ModelRunner<P>, head: LogHead, _ txn: inout Transaction) throws {
        guard let loaded = runner.loadedCheckpoint else { return }  // built from nothing in memory: a full rebuild stores
        guard let stored = try checkpoint(P.name, txn), stored.version == P.version, stored.generation == loaded.generation,
            stored.seq < head.seq
        else { return }
        for org in runner.dirty.sorted() {
            try txn.put(modelsDatabase, ModelKeys.state(P.name, generation: loaded.generation, org: org), StateCodec.encode(runner.stateInMemory(org)!))
        }
        let checkpoint = Checkpoint(version: P.version, seq: head.seq, hash: head.hash.hex, generation: loaded.generation)
        try txn.put(modelsDatabase, ModelKeys.checkpoint(P.name), StateCodec.encode(checkpoint))
    }

    /// Brings every read model up to the head: loads the stored states, applies the events appended
    /// since their checkpoints (all of them with `full`, or when a projection's version changed),
    /// and stores the result in one short write transaction. Reading happens outside it, in chunks,
    /// so appends are never blocked for long.
    @discardableResult
    func catchUp(full: Bool = false, persist: Bool = true, progress: ((UInt64) -> Void)? = nil) throws -> (ModelSet, RebuildReport) {
        var rebuilt: [String] = []
        let models = ModelSet()
        // From nothing (asked, or a model without a usable checkpoint): by organisation, in parallel,
        // stored as a new generation. Then the stored models are loaded as after any catch-up.
        let stale = try full ? ModelSet.names : environment.read { txn in try ModelSet.names.filter { try !hasCurrentCheckpoint($0, txn) } }
        if persist, !environment.readOnly, !stale.isEmpty {
            do {
                let report = try rebuildByOrganisation(stale, progress: progress)
                return (try catchUp(persist: persist).0, report)
            } catch let error as StoreError where error == .readOnlyFileSystem || error == .permissionDenied {
                // Cannot store here (an auditor's read-only copy): fold in memory below.
            }
        }
        let head: LogHead = try environment.read { txn in
            if !(try load(models.finance, full: full, txn)) { rebuilt.append(FinanceProjection.name) }
            if !(try load(models.headcount, full: full, txn)) { rebuilt.append(HeadcountProjection.name) }
            if !(try load(models.members, full: full, txn)) { rebuilt.append(MembersProjection.name) }
            if !(try load(models.grants, full: full, txn)) { rebuilt.append(GrantsProjection.name) }
            return try log.checkedHead(txn)
        }
        let from = models.nextSeq
        var applied: UInt64 = 0
        if from <= head.seq || full {
            let context = LedgerFoldContext(ledger: self)
            try log.forEach(in: environment, from: from, to: head.seq) { view in
                let recorded = try RecordedEvent.decode(seq: view.seq, payload: view.payload)
                try models.apply(recorded, context: context)
                applied += 1
                if applied % 65_536 == 0 { progress?(view.seq) }
                return true
            }
            if persist {
                do {
                    try environment.write { txn in
                        try store(models.finance, head: head, &txn)
                        try store(models.headcount, head: head, &txn)
                        try store(models.members, head: head, &txn)
                        try store(models.grants, head: head, &txn)
                    }
                } catch let error as StoreError where error == .readOnlyFileSystem || error == .permissionDenied {
                    // A read-only copy (an auditor's): the models are current in memory; nothing to store.
                }
            }
        }
        return (models, RebuildReport(fromSeq: from, head: head, events: applied, rebuiltModels: rebuilt))
    }

    /// `kooplog rebuild`: incremental, or from the first event with `full`; `fromLog` first derives
    /// every event's decoded form from the log again (and rebuilds from the first event).
    /// `progress` hears the seq reached now and then.
    public func rebuild(full: Bool, fromLog: Bool = false, progress: ((UInt64) -> Void)? = nil) throws -> RebuildReport {
        if fromLog { try deriveDecodedForms() }
        return try catchUp(full: full || fromLog, progress: progress).1
    }

    /// The stored checkpoints, by model name, as `txn` sees them.
    func checkpoints(_ txn: borrowing Transaction) throws -> [String: Checkpoint] {
        var result: [String: Checkpoint] = [:]
        for name in ModelSet.names { result[name] = try checkpoint(name, txn) }
        return result
    }

    /// One model's checkpoint; nil when absent or unreadable (one of an older Kooplog): the model
    /// is then rebuilt, never read.
    func checkpoint(_ name: String, _ txn: borrowing Transaction) throws -> Checkpoint? {
        guard let bytes = try txn.get(modelsDatabase, ModelKeys.checkpoint(name)) else { return nil }
        return try? BinaryReader.decode(Checkpoint.self, from: bytes)
    }

    /// Whether a model has a checkpoint of its projection's current version.
    private func hasCurrentCheckpoint(_ name: String, _ txn: borrowing Transaction) throws -> Bool {
        try checkpoint(name, txn)?.version == ModelSet.version(of: name)
    }

    /// The organisations of the ledger (registered ones), sorted.
    public func organisations() throws -> [OrgNumber] {
        try environment.read { txn in
            var result: [OrgNumber] = []
            let prefix = Array("org/".utf8)
            try txn.scan(stateDatabase, from: prefix) { key, _ in
                guard key.starts(with: prefix) else { return false }
                if case .success(let org) = OrgNumber.parse(String(decoding: key[prefix.count...], as: UTF8.self)) { result.append(org) }
                return true
            }
            return result
        }
    }
}

/// Keys of the `models` database (docs/FORMAT.md): `checkpoint/<model>`, the states
/// `<model>@<generation>/<org>`, and `generation` (the last generation handed out).
enum ModelKeys {
    static func checkpoint(_ model: String) -> [UInt8] { Array("checkpoint/\(model)".utf8) }
    static func state(_ model: String, generation: UInt64, org: String) -> [UInt8] { Array("\(model)@\(generation)/\(org)".utf8) }
    static func generationPrefix(_ model: String, _ generation: UInt64) -> [UInt8] { Array("\(model)@\(generation)/".utf8) }
    static let lastGeneration = Array("generation".utf8)
}
