/// Put flags, by name.
public struct PutMode: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `MDB_APPEND`: the key sorts after every key in the database (checked by LMDB).
    public static let append = PutMode(rawValue: LMDB.flagAppend)
    /// `MDB_APPENDDUP`: the duplicate sorts after every duplicate of its key.
    public static let appendDuplicate = PutMode(rawValue: LMDB.flagAppendDup)
    /// `MDB_NOOVERWRITE`: fail with `keyExists` when the key is there.
    public static let noOverwrite = PutMode(rawValue: LMDB.flagNoOverwrite)
}

/// An LMDB transaction. Non-copyable: `commit()` consumes it; dropping it aborts.
/// Values handed to closures are valid only inside them: copy what you keep.
public struct Transaction: ~Copyable {
    let handle: OpaquePointer
    public let writable: Bool
    private let environment: Unmanaged<Environment>

    init(handle: OpaquePointer, writable: Bool, environment: Environment) {
        self.handle = handle
        self.writable = writable
        self.environment = Unmanaged.passUnretained(environment)
    }

    deinit {
        LMDB.txnAbort(handle)
        environment.takeUnretainedValue().transactionEnded()
    }

    /// `mdb_txn_commit`.
    consuming func commit() throws(StoreError) {
        let handle = self.handle
        let environment = self.environment
        discard self
        defer { environment.takeUnretainedValue().transactionEnded() }
        try LMDB.txnCommit(handle)
    }

    // MARK: reading

    /// The snapshot this transaction sees (LMDB's transaction id).
    public var snapshotID: Int { LMDB.txnID(handle) }

    /// The value under `key`, copied out.
    public func get(_ database: Database, _ key: [UInt8]) throws -> [UInt8]? {
        try withValue(database, key) { Array($0) }
    }

    /// Calls `body` with the value under `key` (valid only inside `body`), or returns nil.
    public func withValue<R>(
        _ database: Database, _ key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        try key.withUnsafeBytes { (k) in try withValue(database, rawKey: k, body) }
    }

    /// `withValue` for a key in borrowed bytes.
    public func withValue<R>(
        _ database: Database, rawKey key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        guard let value = try LMDB.get(handle, database.dbi, key) else { return nil }
        return try body(value)
    }

    /// Calls `body` with a read cursor on `database` (valid only inside `body`): for lookups in
    /// ascending key order (`ReadCursor`).
    public func withCursor<R>(_ database: Database, _ body: (ReadCursor) throws -> R) throws -> R {
        let cursor = try LMDB.cursorOpen(handle, database.dbi)
        defer { LMDB.cursorClose(cursor) }
        return try body(ReadCursor(cursor: cursor))
    }

    /// Number of entries (key/value pairs, duplicates counted) in a database.
    public func entries(_ database: Database) throws -> Int {
        try LMDB.entries(handle, database.dbi)
    }

    /// Walks the database in key order from the first key ≥ `start` (or the first key), calling
    /// `body` with each key and value until it returns false. Bytes are valid only inside `body`.
    /// With `distinctKeys`, a key with duplicates is visited once (with its first value).
    public func scan(
        _ database: Database, from start: [UInt8]? = nil, distinctKeys: Bool = false,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let cursor = try LMDB.cursorOpen(handle, database.dbi)
        defer { LMDB.cursorClose(cursor) }
        var entry = try Self.position(cursor, from: start)
        while let (key, value) = entry {
            guard try body(key, value) else { return }
            entry = try LMDB.cursorGet(cursor, distinctKeys ? .nextNoDup : .next)
        }
    }

    /// Puts `cursor` on the first key ≥ `start` (or the first key) and returns that entry.
    private static func position(
        _ cursor: OpaquePointer, from start: [UInt8]?
    ) throws -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        guard let start else { return try LMDB.cursorGet(cursor, .first) }
        return try start.withUnsafeBytes { (k) in try LMDB.cursorGet(cursor, .setRange, key: k) }
    }

    /// The last key and value of a database, copied out.
    public func last(_ database: Database) throws -> (key: [UInt8], value: [UInt8])? {
        let cursor = try LMDB.cursorOpen(handle, database.dbi)
        defer { LMDB.cursorClose(cursor) }
        guard let (key, value) = try LMDB.cursorGet(cursor, .last) else { return nil }
        return (Array(key), Array(value))
    }

    /// Walks the duplicates under `key` in order, from the first ≥ `start` when given.
    public func scanDuplicates(
        _ database: Database, _ key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let cursor = try LMDB.cursorOpen(handle, database.dbi)
        defer { LMDB.cursorClose(cursor) }
        var entry = try key.withUnsafeBytes { (k) in try LMDB.cursorGet(cursor, .set, key: k) }
        while let (_, value) = entry {
            guard try body(value) else { return }
            entry = try LMDB.cursorGet(cursor, .nextDup)
        }
    }

    /// Calls `body` with each key of a `MDB_DUPFIXED` database from `start` (from the first when
    /// nil) and its values a page at a time (`MDB_GET_MULTIPLE`, `MDB_NEXT_MULTIPLE`: the values
    /// of a page lie side by side, each of the database's fixed size), in key order. Stops when
    /// `body` returns false.
    public func scanDuplicatePages(
        _ database: Database, from start: [UInt8]? = nil, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let cursor = try LMDB.cursorOpen(handle, database.dbi)
        defer { LMDB.cursorClose(cursor) }
        var entry = try Self.position(cursor, from: start)
        while let (key, first) = entry {
            // A key with one value has no page of duplicates: its value is the one positioned on.
            let page = try LMDB.cursorGet(cursor, .getMultiple)?.value
            guard try body(key, page.map { $0.isEmpty ? first : $0 } ?? first) else { return }
            while let (_, more) = try LMDB.cursorGet(cursor, .nextMultiple) {
                guard try body(key, more) else { return }
            }
            entry = try LMDB.cursorGet(cursor, .nextNoDup)
        }
    }

    /// How many duplicates are stored under `key` (0 when none).
    public func duplicateCount(_ database: Database, _ key: [UInt8]) throws -> Int {
        let cursor = try LMDB.cursorOpen(handle, database.dbi)
        defer { LMDB.cursorClose(cursor) }
        let found = try key.withUnsafeBytes { (k) in try LMDB.cursorGet(cursor, .set, key: k) }
        return found == nil ? 0 : try LMDB.cursorCount(cursor)
    }

    // MARK: writing

    /// Stores `value` under `key`.
    public mutating func put(
        _ database: Database, _ key: [UInt8], _ value: [UInt8], mode: PutMode = []
    ) throws {
        precondition(writable, "put in a read transaction")
        try key.withUnsafeBytes { (k) in
            try value.withUnsafeBytes { (v) in
                try LMDB.put(handle, database.dbi, k, v, mode.rawValue)
            }
        }
    }

    /// Stores a value of `count` bytes under `key`, written in place by `fill` (LMDB's
    /// `MDB_RESERVE`: the bytes go straight into the page, with no copy of them made first).
    /// `fill` must write every byte and change nothing else in the transaction.
    public mutating func put<R>(
        _ database: Database, _ key: UnsafeRawBufferPointer, count: Int, mode: PutMode = [], fill: (UnsafeMutableRawBufferPointer) throws -> R
    ) throws -> R {
        precondition(writable, "put in a read transaction")
        return try fill(try LMDB.putReserved(handle, database.dbi, key, count: count, mode.rawValue))
    }

    /// Calls `body` with a cursor for a run of puts into `database`: given in key order, a put
    /// mostly starts from the leaf page the one before left the cursor on, where `put` searches
    /// the tree from its root each time (`mdb_cursor_put`).
    public mutating func withPuts<R>(_ database: Database, _ body: (PutCursor) throws -> R) throws -> R {
        precondition(writable, "put in a read transaction")
        let cursor = try LMDB.cursorOpen(handle, database.dbi)
        defer { LMDB.cursorClose(cursor) }
        return try body(PutCursor(cursor: cursor))
    }

    /// Removes every entry of a database.
    public mutating func empty(_ database: Database) throws {
        precondition(writable, "empty in a read transaction")
        try LMDB.empty(handle, database.dbi)
    }

    /// Removes `key` (and all its duplicates). Returns whether it was there.
    @discardableResult
    public mutating func delete(_ database: Database, _ key: [UInt8]) throws -> Bool {
        precondition(writable, "delete in a read transaction")
        return try key.withUnsafeBytes { (k) in try LMDB.delete(handle, database.dbi, k) }
    }
}

/// A read cursor lent by `Transaction.withCursor`, for that call only. A lookup starts from
/// where the one before left the cursor: when the key lies on that leaf page LMDB searches the
/// page alone instead of descending from the root, so lookups in ascending order of keys that lie
/// close together (an organisation's seqs among a few organisations') cost little more than a
/// scan, and a seq key is made on the stack.
public struct ReadCursor {
    fileprivate let cursor: OpaquePointer

    /// The value under `key` (valid until the next lookup or the transaction's end), or nil.
    public func value(at key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        try LMDB.cursorGet(cursor, .set, key: key)?.value
    }

    /// The value under a seq key (eight bytes, big-endian: `BigEndian.bytes`).
    public func value(atSeq seq: UInt64) throws -> UnsafeRawBufferPointer? {
        try withUnsafeBytes(of: seq.bigEndian) { try value(at: $0) }
    }
}

/// A write cursor lent by `Transaction.withPuts`, for that call only.
public struct PutCursor {
    fileprivate let cursor: OpaquePointer

    /// Stores `value` under `key`.
    public func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, mode: PutMode = []) throws {
        try LMDB.cursorPut(cursor, key, value, mode.rawValue)
    }
}

/// A read transaction held by an object, so worker threads can share one snapshot
/// (`Environment.sharedSnapshots`). Used by one thread at a time; ends when released.
public final class SharedReadTransaction: @unchecked Sendable {
    public let txn: Transaction
    init(_ txn: consuming Transaction) { self.txn = txn }
    public var snapshotID: Int { txn.snapshotID }
}
