/// The append-only, hash-chained log of records, with its idempotency and stream indexes.
///
/// It knows bytes and sequences, never what a record means. Databases (docs/FORMAT.md):
/// `events` (seq → record), `ids` (idempotency key → seq), `streams` (stream name → seqs, sorted
/// duplicates), `meta` (`format`, `head`). Invariants, checked when writing and when reading:
/// sequences are 1, 2, 3 … without gaps; each record's `prev` is the previous record's hash; each
/// `hash` is SHA-256(prev ‖ record); `meta.head` is the last record's `(seq, hash)`.
public struct EventLog: Sendable {
    public static let formatVersion: UInt32 = 1
    public static let databases: [DatabaseSpec] = [
        DatabaseSpec("events"), DatabaseSpec("ids"), DatabaseSpec("streams", duplicatesFixed: true), DatabaseSpec("meta"),
    ]
    static let headKey = Array("head".utf8)
    static let formatKey = Array("format".utf8)

    public let events: Database
    public let ids: Database
    public let streams: Database
    public let meta: Database

    public init(environment: Environment) {
        events = environment.database("events")
        ids = environment.database("ids")
        streams = environment.database("streams")
        meta = environment.database("meta")
    }

    // MARK: set-up

    /// Writes the format version into a new ledger, or checks it in an existing one.
    public func prepare(_ txn: inout Transaction) throws {
        if let stored = try txn.get(meta, EventLog.formatKey) {
            guard stored.count == 4 else { throw StoreError.integrity.with("meta.format has \(stored.count) bytes") }
            let version = stored.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if version != EventLog.formatVersion {
                throw StoreError.unknownFormat.with("storage format \(version); this Kooplog reads format \(EventLog.formatVersion)")
            }
        } else {
            let v = EventLog.formatVersion
            try txn.put(meta, EventLog.formatKey, [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)])
        }
    }

    /// The read-side check of `meta.format`: present and known.
    public func checkFormat(_ txn: borrowing Transaction) throws {
        guard let stored = try txn.get(meta, EventLog.formatKey) else {
            throw StoreError.integrity.with("meta.format is missing: this is not a Kooplog ledger, or it is damaged")
        }
        let version = stored.count == 4 ? stored.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } : 0
        if version != EventLog.formatVersion {
            throw StoreError.unknownFormat.with("storage format \(version); this Kooplog reads format \(EventLog.formatVersion)")
        }
    }

    // MARK: reading

    /// The head recorded in `meta` (empty log: seq 0, zero hash).
    public func head(_ txn: borrowing Transaction) throws -> LogHead {
        guard let stored = try txn.get(meta, EventLog.headKey) else { return .empty }
        guard stored.count == 40 else { throw StoreError.integrity.with("meta.head has \(stored.count) bytes, not 40") }
        return LogHead(seq: BigEndian.uint64(stored), hash: Digest(bytes: stored[8..<40])!)
    }

    /// The head, checked against the last stored record (the read-side check of the head invariant).
    public func checkedHead(_ txn: borrowing Transaction) throws -> LogHead {
        let head = try head(txn)
        guard let last = try txn.last(events) else {
            if head.seq != 0 { throw StoreError.integrity.with("meta.head says seq \(head.seq) but the log is empty") }
            return head
        }
        let lastSeq = BigEndian.uint64(last.key)
        let lastHash = Digest(bytes: last.value[RecordFormat.hashOffset..<min(last.value.count, RecordFormat.hashOffset + 32)])
        if lastSeq != head.seq || lastHash != head.hash {
            throw StoreError.integrity.with("meta.head (seq \(head.seq)) does not match the last record (seq \(lastSeq))")
        }
        return head
    }

    /// The sequence stored under an idempotency key.
    public func sequence(forID id: String, _ txn: borrowing Transaction) throws -> UInt64? {
        try txn.withValue(ids, Array(id.utf8)) { (value) in
            guard value.count == 8 else { throw StoreError.integrity.with("ids entry for \(id) has \(value.count) bytes") }
            return BigEndian.uint64(value)
        }
    }

    /// One record, copied out.
    public func record(_ seq: UInt64, _ txn: borrowing Transaction) throws -> StoredRecord? {
        try withRecord(seq, txn) { $0.copy() }
    }

    /// Calls `body` with record `seq` where it lies in the map (no copy; valid during `body`), or
    /// returns nil when the log has no such record.
    public func withRecord<R>(_ seq: UInt64, _ txn: borrowing Transaction, _ body: (RecordView) throws -> R) throws -> R? {
        try txn.withValue(events, BigEndian.bytes(seq)) { (raw) in try body(try Self.wellFormed(seq, raw)) }
    }

    /// `withRecord` through a cursor of the records (`withRecordCursor`), for lookups in
    /// ascending seq order.
    public func withRecord<R>(_ seq: UInt64, _ cursor: ReadCursor, _ body: (RecordView) throws -> R) throws -> R? {
        guard let raw = try cursor.value(atSeq: seq) else { return nil }
        return try body(try Self.wellFormed(seq, raw))
    }

    private static func wellFormed(_ seq: UInt64, _ raw: UnsafeRawBufferPointer) throws -> RecordView {
        let view = RecordView(seq: seq, raw: raw)
        guard view.isWellFormed else { throw StoreError.integrity.with("record \(seq) is malformed") }
        return view
    }

    /// Calls `body` with a read cursor of the records, for `withRecord(_:_:_:)`.
    public func withRecordCursor<R>(_ txn: borrowing Transaction, _ body: (ReadCursor) throws -> R) throws -> R {
        try txn.withCursor(events, body)
    }

    /// Calls `body` with each record from `from` through `to` in one transaction, until it returns false.
    public func scan(
        from: UInt64, to: UInt64 = .max, _ txn: borrowing Transaction, _ body: (RecordView) throws -> Bool
    ) throws {
        try txn.scan(events, from: BigEndian.bytes(max(from, 1))) { key, value in
            let seq = BigEndian.uint64(key)
            guard seq <= to else { return false }
            return try body(RecordView(seq: seq, raw: value))
        }
    }

    /// Walks records `from`…`to` in chunks of `Limits.readChunkRecords`, each chunk in a fresh read
    /// transaction, so a long pass never pins old pages. Stops when `body` returns false.
    public func forEach(
        in environment: Environment, from: UInt64 = 1, to: UInt64 = .max, _ body: (RecordView) throws -> Bool
    ) throws {
        var next = max(from, 1)
        var going = true
        while going && next <= to {
            environment.releaseMappedPagesOverBudget()
            let chunkEnd = min(to, next &+ UInt64(Limits.readChunkRecords) &- 1)
            var seen: UInt64 = 0
            try environment.read { txn in
                try scan(from: next, to: chunkEnd, txn) { view in
                    seen += 1
                    going = try body(view)
                    return going
                }
            }
            if seen == 0 { return }
            next = chunkEnd &+ 1
            if chunkEnd == .max { return }
        }
    }

    /// The sequences of one stream, in order.
    public func streamSequences(_ stream: String, _ txn: borrowing Transaction) throws -> [UInt64] {
        var result = [UInt64]()
        try txn.scanDuplicates(streams, Array(stream.utf8)) { value in
            guard value.count == 8 else { throw StoreError.integrity.with("the stream \(stream) holds a value of \(value.count) bytes, not a seq") }
            result.append(BigEndian.uint64(value))
            return true
        }
        return result
    }

    /// The names of the streams that start with `prefix`, each with its number of records.
    /// Positioning on each stream reads the first page of its own B-tree, and those lie all over
    /// the file: `release` is called every 64 streams, to drop mapped pages.
    public func streams(
        withPrefix prefix: String, _ txn: borrowing Transaction, release: () -> Void = {}
    ) throws -> [(name: String, records: Int)] {
        var names: [String] = []
        let start = Array(prefix.utf8)
        try txn.scan(streams, from: start, distinctKeys: true) { key, _ in
            guard key.starts(with: start) else { return false }
            names.append(String(decoding: key, as: UTF8.self))
            if names.count % 64 == 0 { release() }
            return true
        }
        var result: [(name: String, records: Int)] = []
        result.reserveCapacity(names.count)
        for (index, name) in names.enumerated() {
            if index % 64 == 63 { release() }
            result.append((name, try streamVersion(name, txn)))
        }
        return result
    }

    /// The fingerprint of every entry of the stream index (`StreamFingerprint`), read a page of
    /// seqs at a time in one pass; `release` is called every `Limits.writesBetweenMemoryChecks`
    /// pages of seqs (a stream of one page or less counts as one), to drop mapped pages. Counted
    /// by streams, as it was, the 26 `type:` streams of the 10^7 books (~80 MB of seqs) were read
    /// between two calls.
    public func streamFingerprint(_ txn: borrowing Transaction, release: () -> Void = {}) throws -> StreamFingerprint {
        var fingerprint = StreamFingerprint()
        var pagesSeen = 0
        try txn.scanDuplicatePages(streams) { name, seqs in
            pagesSeen += 1
            if Limits.memoryCheckDue(afterWrite: pagesSeen) { release() }
            fingerprint.add(name, bigEndianSeqs: seqs)
            return true
        }
        return fingerprint
    }

    /// The fingerprint of the `ids` index: each idempotency key as a name, with the seq it maps
    /// to (a value that is not eight bytes counts as seq 0, which no record has).
    public func idFingerprint(_ txn: borrowing Transaction, release: () -> Void = {}) throws -> StreamFingerprint {
        var fingerprint = StreamFingerprint()
        var seen = 0
        try txn.scan(ids) { id, value in
            seen += 1
            if Limits.memoryCheckDue(afterWrite: seen) { release() }
            fingerprint.add(id, seq: Self.indexedSeq(value))
            return true
        }
        return fingerprint
    }

    /// Every entry of the `ids` index, in key order (a value that is not eight bytes as seq 0):
    /// for naming the entries a fingerprint found to differ.
    public func idEntries(_ txn: borrowing Transaction) throws -> [(id: String, seq: UInt64)] {
        var found: [(id: String, seq: UInt64)] = []
        try txn.scan(ids) { id, value in
            found.append((String(decoding: id, as: UTF8.self), Self.indexedSeq(value)))
            return true
        }
        return found
    }

    /// The streams of one kind (`StreamFingerprint.kind(of:)`) with every seq each lists, in name
    /// order: for naming the entries a fingerprint found to differ.
    public func streamEntries(ofKind kind: UInt64, _ txn: borrowing Transaction) throws -> [(name: String, seqs: [UInt64])] {
        var found: [(name: String, seqs: [UInt64])] = []
        // A known kind's names lie together from "<kind>:"; the kind "" is any name, so all are read.
        let start = kind == 0 ? nil : StreamFingerprint.kindBytes(kind) + [UInt8(ascii: ":")]
        try txn.scanDuplicatePages(streams, from: start) { name, seqs in
            if let start, !name.starts(with: start) { return false }
            guard StreamFingerprint.kind(of: name) == kind else { return true }
            let text = String(decoding: name, as: UTF8.self)
            if found.last?.name != text { found.append((text, [])) }
            Self.forEachIndexedSeq(in: seqs) { found[found.count - 1].seqs.append($0) }
            return true
        }
        return found
    }

    /// Each seq of a page of stream values (8 bytes big-endian each), in order; bytes left over
    /// (a value that is not a whole seq: only a stream of one value can hold one) give seq 0 first,
    /// which no record has, so that the index's checks name it.
    static func forEachIndexedSeq(in seqs: UnsafeRawBufferPointer, _ body: (UInt64) -> Void) {
        if seqs.count % 8 != 0 { body(0) }
        var offset = 0
        while offset + 8 <= seqs.count {
            body(UInt64(bigEndian: seqs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
    }

    /// The seq an `ids` value holds, or 0 (which no record has) when it is not eight bytes.
    static func indexedSeq(_ value: UnsafeRawBufferPointer) -> UInt64 { value.count == 8 ? BigEndian.uint64(value) : 0 }

    /// How many records a stream holds (its version, for optimistic concurrency).
    public func streamVersion(_ stream: String, _ txn: borrowing Transaction) throws -> Int {
        try txn.duplicateCount(streams, Array(stream.utf8))
    }

    // MARK: writing

    /// Appends one record after `head`, indexes it, writes the new head and returns it. The
    /// caller passes the head it read in this transaction and keeps the returned one for the next
    /// append.
    public func append(_ pending: PendingRecord, after head: LogHead, _ txn: inout Transaction) throws -> LogHead {
        var batch = AppendBatch()
        let newHead = try append(pending, after: head, &txn, batch: &batch)
        try finish(batch, head: newHead, &txn)
        return newHead
    }

    /// Appends one record of a batch after `head` and returns the new head. The record and its
    /// id go in at once (a later record of the batch may look them up); its streams are kept in
    /// `batch`, and `finish` writes them and the head when the batch is done, in the same
    /// transaction.
    public func append(_ pending: PendingRecord, after head: LogHead, _ txn: inout Transaction, batch: inout AppendBatch) throws -> LogHead {
        guard pending.payload.count + RecordFormat.payloadOffset <= Limits.recordBytesMax else {
            throw StoreError.limitExceeded.with("record of \(pending.payload.count) bytes (at most \(Limits.recordBytesMax))")
        }
        try StreamEntries.checkStreams(count: pending.streams.count)
        for stream in pending.streams { try StreamEntries.checkName(byteCount: stream.utf8.count) }
        let seq = head.seq + 1
        if let covered = batch.covered, !covered.contains(seq) {
            throw StoreError.integrity.with("seq \(seq) is not one of the seqs \(covered) whose streams the batch indexed")
        }
        let key = BigEndian.bytes(seq)
        // The record is written into the room LMDB reserves in its page: no copy is made first.
        let hash: Digest
        do {
            hash = try key.withUnsafeBytes { k in
                try txn.put(events, k, count: RecordFormat.payloadOffset + pending.payload.count, mode: .append) { room in
                    RecordFormat.write(seq: seq, prev: head.hash, payload: pending.payload, hashed: pending.hashed(after: head), into: room)
                }
            }
        } catch let error as StoreError where error == .keyExists {
            throw StoreError.integrity.with("seq \(seq) does not follow the last stored record")
        }
        if let id = pending.id {
            let idKey = Array(id.utf8)
            guard !idKey.isEmpty, idKey.count <= Limits.idBytesMax else {
                throw StoreError.limitExceeded.with("idempotency key of \(idKey.count) bytes")
            }
            try txn.put(ids, idKey, key, mode: .noOverwrite)
        }
        if batch.covered == nil {
            for stream in pending.streams { try batch.entries.add(stream, seq: seq) }
        }
        return LogHead(seq: seq, hash: hash)
    }

    /// Writes what a batch of appends left: each stream's new seqs, the streams in name order
    /// through one cursor (the index's pages are then written one after another, not searched
    /// from the root three times per event), and the head. A large batch reaches pages all over
    /// the index, each fault mapping its neighbours too: `release` is called every 4 096 streams
    /// to drop mapped pages (without it, 100 000 events into a 900 000-event ledger peaked at
    /// 481 MiB of resident memory; with it 264, and 240 when each event put its own streams).
    public func finish(_ batch: AppendBatch, head: LogHead, _ txn: inout Transaction, release: () -> Void = {}) throws {
        if let covered = batch.covered, head.seq != covered.upperBound {
            throw StoreError.integrity.with("the batch indexed the streams of seqs \(covered) but ends at seq \(head.seq)")
        }
        try index(batch, &txn, release: release)
        try writeHead(head, &txn)
    }

    /// Writes a batch's stream entries, the streams in name order through one cursor, each
    /// stream's seqs after those it holds.
    private func index(_ batch: AppendBatch, _ txn: inout Transaction, release: () -> Void) throws {
        guard !batch.entries.isEmpty else { return }
        try txn.withPuts(streams) { cursor in
            var written = 0
            try batch.entries.forEachStream { name, seqs in
                written += 1
                if Limits.memoryCheckDue(afterWrite: written) { release() }
                for seq in seqs {
                    try withUnsafeBytes(of: seq.bigEndian) { value in try cursor.put(name, value, mode: .appendDuplicate) }
                }
            }
        }
    }

    /// Derives the stream and `ids` indexes again from the log, in one write transaction (so no
    /// reader sees them half made, and no append comes between): both are emptied, then the
    /// records are read in chunks of `Limits.readChunkRecords`, and `describe` gives each record's
    /// streams and idempotency key from its payload. Returns the stream entries and ids written.
    /// An id that two records carry is an integrity error naming both.
    public func rebuildIndexes(
        _ txn: inout Transaction, release: () -> Void = {}, progress: (UInt64) -> Void = { _ in },
        describe: (RecordView) throws -> (streams: [String], id: String?)
    ) throws -> (streamEntries: Int, ids: Int) {
        let head = try checkedHead(txn)
        try txn.empty(streams)
        try txn.empty(ids)
        release()  // emptying walked every page of the old indexes
        var (entries, idCount) = (0, 0)
        var next: UInt64 = 1
        while next <= head.seq {
            let last = min(head.seq, next + UInt64(Limits.readChunkRecords) - 1)
            var batch = AppendBatch()
            var (records, carried) = (0, [(id: String, seq: UInt64)]())
            try scan(from: next, to: last, txn) { view in
                let described = try describe(view)
                for stream in described.streams { try batch.entries.add(stream, seq: view.seq) }
                if let id = described.id { carried.append((id, view.seq)) }
                records += 1
                return true
            }
            guard records == Int(last - next + 1) else {
                throw StoreError.integrity.with("the log holds \(records) records in seq \(next)…\(last)")
            }
            try index(batch, &txn, release: release)
            for (id, seq) in carried {
                do {
                    try txn.put(ids, Array(id.utf8), BigEndian.bytes(seq), mode: .noOverwrite)
                } catch let error as StoreError where error == .keyExists {
                    let first = try sequence(forID: id, txn).map { "seq \($0)" } ?? "another seq"
                    throw StoreError.integrity.with("the id \(id) is carried by \(first) and seq \(seq): an id names one event")
                }
            }
            entries += batch.entries.count
            idCount += carried.count
            release()
            progress(last)
            next = last + 1
        }
        return (entries, idCount)
    }

    /// Stores `head` as the log's head: the last record's seq and hash, which `checkedHead`
    /// compares with the last record.
    func writeHead(_ head: LogHead, _ txn: inout Transaction) throws {
        try txn.put(meta, EventLog.headKey, BigEndian.bytes(head.seq) + head.hash.bytes)
    }
}

/// The stream entries of a batch of appends, kept until `EventLog.finish` writes them.
public struct AppendBatch: Sendable {
    /// The batch's stream entries: added as the records are appended, or indexed ahead.
    fileprivate var entries = StreamEntries()
    /// The seqs of the records a batch indexed ahead is of: `append` then checks each record's
    /// seq against them instead of adding its streams, and `finish` that the batch ended at the last.
    fileprivate var covered: ClosedRange<UInt64>?

    public init() {}

    /// A batch whose records' streams are indexed before its write transaction, on another
    /// thread than the writer's (an import indexes a block while the block before is stored):
    /// `entries` are those of the records `seqs` the batch will append (which `StreamEntries`
    /// checked against the limits as they were added).
    public init(indexed entries: StreamEntries, covering seqs: ClosedRange<UInt64>) {
        self.entries = entries
        covered = seqs
    }

    /// A batch indexed ahead from `records`, their seqs and streams, consecutive from the first.
    /// Seqs that do not follow one another give a batch that is not indexed ahead (`append` adds
    /// each record's streams as it goes).
    public static func indexed(_ records: [(seq: UInt64, streams: [String])]) throws -> AppendBatch {
        guard let first = records.first?.seq else { return AppendBatch() }
        var entries = StreamEntries()
        var next = first
        for (seq, names) in records {
            guard seq == next, seq < .max else { return AppendBatch() }
            next = seq + 1
            for name in names { try entries.add(name, seq: seq) }
        }
        return AppendBatch(indexed: entries, covering: first...(next - 1))
    }
}

/// What a chain check found.
public struct ChainCheck: Sendable, Equatable {
    /// Records checked.
    public var records: UInt64 = 0
    /// The last good `(seq, hash)`.
    public var head: LogHead = .empty
    /// The first record that breaks the chain, and why.
    public var firstBad: (seq: UInt64, problem: String)?

    public static func == (lhs: ChainCheck, rhs: ChainCheck) -> Bool {
        lhs.records == rhs.records && lhs.head == rhs.head && lhs.firstBad?.seq == rhs.firstBad?.seq
            && lhs.firstBad?.problem == rhs.firstBad?.problem
    }
}

/// The log as one read transaction saw it: `meta.head` and the last stored key.
public struct LogSnapshot: Sendable, Equatable {
    public var head: LogHead
    public var lastSeq: UInt64
}

extension EventLog {
    /// `meta.head` and the last key, read in one transaction (no invariant check: verify reports).
    public func snapshot(_ txn: borrowing Transaction) throws -> LogSnapshot {
        let head = try head(txn)
        let last = try txn.last(events).map { BigEndian.uint64($0.key) } ?? 0
        return LogSnapshot(head: head, lastSeq: last)
    }

    /// Recomputes the whole chain from seq 1, in chunks: sequence without gaps, each record's seq,
    /// `prev` link and hash, and finally `meta.head`. Stops at the first bad record. Records
    /// appended after the check began are not looked at, so a check can run while others append.
    public func checkChain(in environment: Environment) throws -> ChainCheck {
        let snapshot = try environment.read { txn in try self.snapshot(txn) }
        var checker = ChainChecker()
        try forEach(in: environment, to: max(snapshot.head.seq, snapshot.lastSeq)) { view in checker.accept(view) }
        return checker.finish(snapshot)
    }

    /// The same check inside one read transaction (for a worker holding a shared snapshot, which
    /// must not begin others); `release` is called now and then to drop mapped pages. `visit`
    /// sees every well-formed record to the end, also past the first bad one (where the chain's
    /// check stops): verify's digests of the payloads go on, so a broken link costs no second
    /// replay of the organisations whose events lie after it.
    public func checkChain(
        _ txn: borrowing Transaction, snapshot: LogSnapshot, release: () -> Void, visit: (RecordView) throws -> Void
    ) throws -> ChainCheck {
        var checker = ChainChecker()
        var intact = true
        try scan(from: 1, to: max(snapshot.head.seq, snapshot.lastSeq), txn) { view in
            // The log's leaf pages lie between other databases' pages, and a fault maps 64 KiB or
            // more around each: 32 768 records could map a quarter of a GiB. Asked every 256.
            if view.seq % 256 == 0 { release() }
            if intact { intact = checker.accept(view) }
            if view.isWellFormed { try visit(view) }
            return true
        }
        return checker.finish(snapshot)
    }

    /// Why a record breaks the chain, or nil.
    static func problem(_ view: RecordView, expectedSeq: UInt64, prev: Digest) -> String? {
        if view.seq != expectedSeq { return "sequence gap: expected seq \(expectedSeq), found \(view.seq)" }
        if !view.isWellFormed { return "record is malformed (length \(view.raw.count) or unknown format byte)" }
        if view.embeddedSeq != view.seq { return "record says seq \(view.embeddedSeq) but is stored under seq \(view.seq)" }
        if !prev.equals(view.prev) { return "prev does not equal the hash of seq \(view.seq - 1) (the chain is broken)" }
        if !view.hashIsComputed { return "hash does not match the record's bytes (the record was changed)" }
        return nil
    }
}

/// The chain's invariants, record by record (used by both chain checks).
struct ChainChecker {
    private var checked = ChainCheck()
    private var expectedSeq: UInt64 = 1
    /// The last good record's hash (all zeros before the first).
    private var prev = Digest.zero

    /// Whether the record continues the chain; records the first that does not.
    mutating func accept(_ view: RecordView) -> Bool {
        if let problem = EventLog.problem(view, expectedSeq: expectedSeq, prev: prev) {
            checked.firstBad = (min(view.seq, expectedSeq), problem)
            return false
        }
        prev = Digest(unchecked: view.hash)
        checked.records += 1
        expectedSeq += 1
        return true
    }

    /// The check, with `meta.head` compared to where the chain ended.
    func finish(_ snapshot: LogSnapshot) -> ChainCheck {
        var check = checked
        check.head = LogHead(seq: expectedSeq - 1, hash: prev)  // the last good record
        if check.firstBad == nil, snapshot.head != check.head {
            check.firstBad = (
                min(snapshot.head.seq, check.head.seq) + 1,
                "meta.head is seq \(snapshot.head.seq) \(snapshot.head.hash.hex) but the log ends at seq \(check.head.seq) \(check.head.hash.hex)"
            )
        }
        return check
    }
}

extension PendingRecord {
    /// The hash computed already, when it was computed for the record that follows `head`.
    fileprivate func hashed(after head: LogHead) -> Digest? {
        guard let hashed, hashed.seq == head.seq + 1, hashed.prev == head.hash else { return nil }
        return hashed.hash
    }
}
