import Foundation
import KooplogDomain
import KooplogStore

/// The rule state kept in the `state` database, read and written inside the append's write
/// transaction, so two writers can never both pass a check only one may pass. Records read or
/// written are kept for the batch (the organisation's record is read by every event); writes are
/// buffered and flushed before commit.
struct StoredRuleState: RuleState {
    /// A record as the batch sees it (nil: absent), and whether the batch changed it.
    private struct Slot {
        var record: RuleRecord?
        var changed: Bool
    }

    /// The batch's records by key (a class: `load` does not mutate the state it reads). One
    /// dictionary serves the reads and the writes: a store hashes its key once.
    private final class Slots {
        var byKey: [RuleKey: Slot] = [:]
    }

    private let txn: UnsafeMutablePointer<Transaction>
    private let database: Database
    private let log: EventLog
    private let forms: Database?
    private let slots = Slots()

    /// The events of this batch stored so far: a rule reading one of them (a reversal's original,
    /// a credited invoice) takes it from memory, since its form is written only at the batch's end
    /// and decoding its payload cost ~16 000 instructions (twice per reversal). In an import (whose
    /// reversals mostly undo an event a few seqs before) reading them from the log had been ~14 %
    /// of the writer's time.
    private enum BatchEvents {
        case none
        /// An append's input, by seq from `first` (indexes into `events`: duplicates are skipped).
        case appended(events: [Event], stamp: (recorded: String, by: String), first: UInt64, indexes: [Int32])
        /// An import's lines, the first `stored` of them stored from `first` on.
        case imported(lines: [ExportedLine], first: UInt64, stored: Int)
    }
    private var batch = BatchEvents.none

    /// `forms`: the decoded forms, read for earlier events where they agree with the log.
    init(txn: UnsafeMutablePointer<Transaction>, database: Database, log: EventLog, forms: Database?) {
        self.txn = txn
        self.database = database
        self.log = log
        self.forms = forms
    }

    func load<T: RuleValue>(_ key: RuleKey, as type: T.Type) throws -> T? {
        if let slot = slots.byKey[key] { return slot.record.flatMap(T.init) }
        // The closure takes the two values it needs: capturing `self` copied the whole state
        // (a retain and a release of each of its references) at every read.
        let (txn, database) = (self.txn, self.database)
        guard let bytes = try key.withBytes({ k in try txn.pointee.withValue(database, rawKey: k) { Array($0) } }) else {
            slots.byKey[key] = Slot(record: nil, changed: false)
            return nil
        }
        let value = try StateCodec.decode(T.self, from: bytes, key: key.text)
        slots.byKey[key] = Slot(record: value.ruleRecord, changed: false)
        return value
    }

    mutating func store<T: RuleValue>(_ key: RuleKey, _ value: T?) throws {
        slots.byKey[key] = Slot(record: value?.ruleRecord, changed: true)
    }

    func recordedEvent(_ seq: UInt64) throws -> RecordedEvent? {
        switch batch {
        case .appended(let events, let stamp, let first, let indexes) where seq >= first && seq - first < UInt64(indexes.count):
            return RecordedEvent(seq: seq, recorded: stamp.recorded, by: stamp.by, event: events[Int(indexes[Int(seq - first)])])
        case .imported(let lines, let first, let stored) where seq >= first && seq - first < UInt64(stored):
            return lines[Int(seq - first)].recorded
        default:
            return try log.event(seq, txn.pointee, forms: forms)
        }
    }

    /// Starts a batch of `events`, recorded at `recorded` by `by`, the first stored as `first`.
    mutating func beginBatch(_ events: [Event], recorded: String, by: String, first: UInt64) {
        var indexes: [Int32] = []
        indexes.reserveCapacity(events.count)
        batch = .appended(events: events, stamp: (recorded, by), first: first, indexes: indexes)
    }

    /// Starts a batch of an import's `lines`, the first stored as `first`.
    mutating func beginBatch(_ lines: [ExportedLine], first: UInt64) {
        batch = .imported(lines: lines, first: first, stored: 0)
    }

    /// The batch's event at `index` (of an append's input) was stored as the next seq.
    mutating func stored(batchIndex index: Int) {
        guard case .appended(let events, let stamp, let first, var indexes) = batch else { return }
        batch = .none  // the array is not shared while it grows
        indexes.append(Int32(index))
        batch = .appended(events: events, stamp: stamp, first: first, indexes: indexes)
    }

    /// The import's next line was stored as the next seq.
    mutating func storedLine() {
        guard case .imported(let lines, let first, let stored) = batch else { return }
        batch = .imported(lines: lines, first: first, stored: stored + 1)
    }

    /// Writes the buffered changes into the transaction: the records in the byte order of their
    /// stored keys through one cursor (each put starts from the page the one before left it on),
    /// then the removals. `release` is called every `Limits.writesBetweenMemoryChecks` puts: the
    /// puts read pages all over the file, and mapped pages stay resident until they are dropped.
    mutating func flush(release: () -> Void) throws {
        var changes: [(key: [UInt8], record: RuleRecord?)] = []
        for (key, slot) in slots.byKey where slot.changed { changes.append((key.bytes, slot.record)) }
        guard !changes.isEmpty else { return }
        // `KeyOrder`'s order, by the domain's own byte comparison: a call into the store per
        // comparison made the flush 15 % dearer.
        changes.sort { a, b in a.key.withUnsafeBufferPointer { x in b.key.withUnsafeBufferPointer { x.byteOrder($0) < 0 } } }
        try txn.pointee.withPuts(database) { cursor in
            for (index, (key, record)) in changes.enumerated() {
                if Limits.memoryCheckDue(afterWrite: index) { release() }
                guard let record else { continue }
                try key.withUnsafeBytes { k in try record.encoded.withUnsafeBytes { try cursor.put(k, $0) } }
            }
        }
        for (key, record) in changes where record == nil { try txn.pointee.delete(database, key) }
        slots.byKey.removeAll()  // the transaction holds them now; read again from it if asked for
    }
}

/// The derived records (rule state, read models, checkpoints) in their binary form
/// (docs/FORMAT.md, "State records"). Ledgers written before it hold JSON; those records still read.
enum StateCodec {
    static func encode(_ value: some BinaryRecord) -> [UInt8] { BinaryWriter.encode(value) }
    static func encode(_ record: RuleRecord) -> [UInt8] { record.encoded }

    /// A read-model state (always binary: older models carry an older version and are rebuilt).
    static func decode<T: BinaryRecord>(_ type: T.Type, from bytes: [UInt8], key: @autoclosure () -> String) throws -> T {
        try binary(T.self, from: bytes, key: key)
    }

    /// A rule-state record (binary, or the JSON of an older ledger), by the kind its key names.
    static func decodeRule(_ key: String, _ bytes: [UInt8]) throws -> RuleRecord {
        switch key.prefix(while: { $0 != "/" }) {
        case "org": .org(try decode(OrgRecord.self, from: bytes, key: key))
        case "year": .year(try decode(YearRecord.self, from: bytes, key: key))
        case "invoice": .invoice(try decode(InvoiceRecord.self, from: bytes, key: key))
        case "bill": .bill(try decode(BillRecord.self, from: bytes, key: key))
        case "member": .member(try decode(MemberRecord.self, from: bytes, key: key))
        case "person": .person(try decode(PersonRecord.self, from: bytes, key: key))
        case "grant": .grant(try decode(GrantRecord.self, from: bytes, key: key))
        case "reversed": .reversal(try decode(UInt64.self, from: bytes, key: key))
        default: .postings(try decode([Posting].self, from: bytes, key: key))
        }
    }

    /// A rule-state record: binary, or the JSON of a ledger written before.
    static func decode<T: BinaryRecord & Decodable>(_ type: T.Type, from bytes: [UInt8], key: @autoclosure () -> String) throws -> T {
        guard bytes.first != BinaryWriter.tag else { return try binary(T.self, from: bytes, key: key) }
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw StoreError.integrity.with("stored record \(key()) does not read: \(error)")
        }
    }

    private static func binary<T: BinaryRecord>(_ type: T.Type, from bytes: [UInt8], key: () -> String) throws -> T {
        do { return try BinaryReader.decode(T.self, from: bytes) } catch {
            throw StoreError.integrity.with("stored record \(key()) does not read: \(error)")
        }
    }
}
