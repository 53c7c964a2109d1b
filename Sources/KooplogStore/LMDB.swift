// The only file that calls liblmdb. Every other file of the store goes through these wrappers;
// no C type leaves this module.
internal import CLMDB
import Glibc

enum LMDB {
    static let success: Int32 = 0
    static let flagNoTLS = UInt32(MDB_NOTLS)
    static let flagReadOnly = UInt32(MDB_RDONLY)
    static let flagCreate = UInt32(MDB_CREATE)
    static let flagDupSort = UInt32(MDB_DUPSORT)
    static let flagDupFixed = UInt32(MDB_DUPFIXED)
    static let flagAppend = UInt32(MDB_APPEND)
    static let flagAppendDup = UInt32(MDB_APPENDDUP)
    static let flagNoOverwrite = UInt32(MDB_NOOVERWRITE)
    static let flagReserve = UInt32(MDB_RESERVE)
    static let flagNoSync = UInt32(MDB_NOSYNC)
    static let flagNoLock = UInt32(MDB_NOLOCK)
    static let copyCompact = UInt32(MDB_CP_COMPACT)

    /// `mdb_strerror`.
    static func message(_ code: Int32) -> String { String(cString: mdb_strerror(code)) }

    static func check(_ code: Int32, _ context: @autoclosure () -> String) throws(StoreError) {
        if code != success { throw StoreError(code: code, context: context()) }
    }

    // MARK: environment

    /// `mdb_env_create`.
    static func envCreate() throws(StoreError) -> OpaquePointer {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "create environment")
        return env!
    }
    /// `mdb_env_set_maxdbs`.
    static func envSetMaxDatabases(_ env: OpaquePointer, _ count: UInt32) throws(StoreError) {
        try check(mdb_env_set_maxdbs(env, MDB_dbi(count)), "set maximum databases")
    }
    /// `mdb_env_set_maxreaders`.
    static func envSetMaxReaders(_ env: OpaquePointer, _ count: UInt32) throws(StoreError) {
        try check(mdb_env_set_maxreaders(env, count), "set maximum readers")
    }
    /// `mdb_env_set_mapsize`.
    static func envSetMapSize(_ env: OpaquePointer, _ bytes: Int) throws(StoreError) {
        try check(mdb_env_set_mapsize(env, bytes), "set map size to \(bytes) bytes")
    }
    /// `mdb_env_open` (no sub-directory flag: the ledger directory holds data.mdb and lock.mdb).
    static func envOpen(_ env: OpaquePointer, _ path: String, _ flags: UInt32) throws(StoreError) {
        try check(mdb_env_open(env, path, flags, 0o640), "open \(path)")
    }
    /// `mdb_env_close`.
    static func envClose(_ env: OpaquePointer) { mdb_env_close(env) }
    /// `mdb_env_info`: the current map size in bytes.
    static func envMapSize(_ env: OpaquePointer) -> Int {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        return info.me_mapsize
    }
    /// `mdb_env_info` and `mdb_env_stat`: the last used page number and the page size.
    static func envPagesUsed(_ env: OpaquePointer) -> (lastPage: Int, pageBytes: Int) {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        mdb_env_info(env, &info)
        mdb_env_stat(env, &stat)
        return (info.me_last_pgno, Int(stat.ms_psize))
    }
    /// `mdb_reader_check`: clears reader slots left by dead processes; returns how many.
    static func readerCheck(_ env: OpaquePointer) -> Int32 {
        var dead: Int32 = 0
        mdb_reader_check(env, &dead)
        return dead
    }
    /// `mdb_env_copy2` with `MDB_CP_COMPACT` when asked.
    static func envCopy(_ env: OpaquePointer, to path: String, compact: Bool) throws(StoreError) {
        try check(mdb_env_copy2(env, path, compact ? copyCompact : 0), "copy to \(path)")
    }

    // MARK: transactions

    /// `mdb_txn_begin`.
    static func txnBegin(_ env: OpaquePointer, readOnly: Bool) throws(StoreError) -> OpaquePointer {
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, readOnly ? flagReadOnly : 0, &txn), "begin transaction")
        return txn!
    }
    /// `mdb_txn_id`: the snapshot a read transaction sees.
    static func txnID(_ txn: OpaquePointer) -> Int { mdb_txn_id(txn) }
    /// `mdb_txn_commit`. Frees the transaction whatever the outcome.
    static func txnCommit(_ txn: OpaquePointer) throws(StoreError) {
        try check(mdb_txn_commit(txn), "commit")
    }
    /// `mdb_txn_abort`.
    static func txnAbort(_ txn: OpaquePointer) { mdb_txn_abort(txn) }
    /// `mdb_dbi_open`.
    static func dbiOpen(_ txn: OpaquePointer, _ name: String, _ flags: UInt32) throws(StoreError) -> UInt32 {
        var dbi: MDB_dbi = 0
        try check(mdb_dbi_open(txn, name, flags, &dbi), "open database \(name)")
        return UInt32(dbi)
    }
    /// `mdb_stat`: number of entries in a database.
    static func entries(_ txn: OpaquePointer, _ dbi: UInt32) throws(StoreError) -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(txn, MDB_dbi(dbi), &stat), "stat database")
        return stat.ms_entries
    }

    // MARK: data

    /// `mdb_get`. The value is valid until the transaction ends or writes.
    static func get(
        _ txn: OpaquePointer, _ dbi: UInt32, _ key: UnsafeRawBufferPointer
    ) throws(StoreError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(txn, MDB_dbi(dbi), &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "get")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }
    /// `mdb_put`.
    static func put(
        _ txn: OpaquePointer, _ dbi: UInt32, _ key: UnsafeRawBufferPointer,
        _ value: UnsafeRawBufferPointer, _ flags: UInt32
    ) throws(StoreError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_put(txn, MDB_dbi(dbi), &k, &v, flags), "put")
    }
    /// `mdb_put` with `MDB_RESERVE`: room for `count` bytes under `key`, returned for the caller
    /// to fill before the transaction's next change.
    static func putReserved(
        _ txn: OpaquePointer, _ dbi: UInt32, _ key: UnsafeRawBufferPointer, count: Int, _ flags: UInt32
    ) throws(StoreError) -> UnsafeMutableRawBufferPointer {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: count, mv_data: nil)
        try check(mdb_put(txn, MDB_dbi(dbi), &k, &v, flags | flagReserve), "put")
        return UnsafeMutableRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }
    /// `mdb_del` (the whole key, all duplicates).
    static func delete(_ txn: OpaquePointer, _ dbi: UInt32, _ key: UnsafeRawBufferPointer) throws(StoreError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = mdb_del(txn, MDB_dbi(dbi), &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "delete")
        return true
    }

    /// `mdb_drop` with `del` 0: removes every entry, keeps the database.
    static func empty(_ txn: OpaquePointer, _ dbi: UInt32) throws(StoreError) {
        try check(mdb_drop(txn, MDB_dbi(dbi), 0), "empty database")
    }

    // MARK: cursors

    enum Step { case first, last, next, nextNoDup, prev, setRange, set, nextDup, firstDup, lastDup, getMultiple, nextMultiple }

    /// `mdb_cursor_open`.
    static func cursorOpen(_ txn: OpaquePointer, _ dbi: UInt32) throws(StoreError) -> OpaquePointer {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, MDB_dbi(dbi), &cursor), "open cursor")
        return cursor!
    }
    /// `mdb_cursor_put`.
    static func cursorPut(
        _ cursor: OpaquePointer, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ flags: UInt32
    ) throws(StoreError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_cursor_put(cursor, &k, &v, flags), "put")
    }
    /// `mdb_cursor_close`.
    static func cursorClose(_ cursor: OpaquePointer) { mdb_cursor_close(cursor) }
    /// `mdb_cursor_count`: duplicates at the cursor's key.
    static func cursorCount(_ cursor: OpaquePointer) throws(StoreError) -> Int {
        var count: Int = 0
        try check(mdb_cursor_count(cursor, &count), "count duplicates")
        return count
    }
    /// `mdb_cursor_get`. Returns nil at the end (`MDB_NOTFOUND`).
    static func cursorGet(
        _ cursor: OpaquePointer, _ step: Step, key: UnsafeRawBufferPointer? = nil
    ) throws(StoreError) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        var k = MDB_val(mv_size: key?.count ?? 0, mv_data: UnsafeMutableRawPointer(mutating: key?.baseAddress))
        var v = MDB_val()
        let op: MDB_cursor_op =
            switch step {
            case .first: MDB_FIRST
            case .last: MDB_LAST
            case .next: MDB_NEXT
            case .nextNoDup: MDB_NEXT_NODUP
            case .prev: MDB_PREV
            case .setRange: MDB_SET_RANGE
            case .set: MDB_SET_KEY
            case .nextDup: MDB_NEXT_DUP
            case .firstDup: MDB_FIRST_DUP
            case .lastDup: MDB_LAST_DUP
            case .getMultiple: MDB_GET_MULTIPLE
            case .nextMultiple: MDB_NEXT_MULTIPLE
            }
        let rc = mdb_cursor_get(cursor, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "cursor")
        return (
            UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
            UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
        )
    }
}
