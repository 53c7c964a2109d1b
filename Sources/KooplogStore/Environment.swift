import Glibc

/// One named LMDB database an environment opens.
public struct DatabaseSpec: Sendable, Hashable {
    public let name: String
    /// Sorted duplicate values of one fixed size under each key (`MDB_DUPSORT | MDB_DUPFIXED`).
    public let duplicatesFixed: Bool
    /// Derived data a ledger made by an older build may lack: opening such a ledger leaves the
    /// database absent (`optionalDatabase` is nil) instead of refusing it.
    public let derived: Bool

    public init(_ name: String, duplicatesFixed: Bool = false, derived: Bool = false) {
        self.name = name
        self.duplicatesFixed = duplicatesFixed
        self.derived = derived
    }
}

/// A handle to a named database, valid for the life of its environment.
public struct Database: Sendable, Hashable {
    let dbi: UInt32
    public let name: String
}

/// How an environment is opened.
public enum OpenMode: Sendable {
    /// Create a new ledger; refuse (`ledgerExists`) when one is there.
    case create
    /// Open an existing ledger; refuse (`noSuchLedger`) when none is there.
    case existing
}

/// An LMDB environment: one ledger directory holding `data.mdb`, `lock.mdb` and `writer.lock`.
///
/// It closes on every path (`deinit`). Writers are serialised across processes by `writer.lock`
/// (waiting at most `Limits.writerWaitMilliseconds`, then `StoreError.busy`) and by LMDB's own
/// writer mutex; readers never wait (MVCC, `MDB_NOTLS`). When the map fills, a write is retried
/// after the map grows, so a write body must depend only on what it reads in its transaction.
public final class Environment: @unchecked Sendable {
    let handle: OpaquePointer
    public let directory: String
    private var databases: [String: Database] = [:]
    /// Taken on the first write (a reader on read-only media never needs it).
    private var writerLock: WriterLock?
    /// Opened on a read-only file system: reads work, writes fail with `readOnlyFileSystem`.
    public let readOnly: Bool
    private let mapLock = ReadWriteLock()
    private let writeMutex = Mutex()
    /// Number of times the map filled during a write and grew, the write running again (for
    /// tests and the benchmark).
    public private(set) var mapGrowths = 0
    /// Number of times the map grew before a write that reserved room (`write(reserving:)`).
    public private(set) var mapReservations = 0

    public static func dataFile(in directory: String) -> String { directory + "/data.mdb" }

    public init(
        directory: String, databases specs: [DatabaseSpec], mode: OpenMode,
        mapBytes: Int = Limits.mapBytesInitial, durable: Bool = true
    ) throws(StoreError) {
        let exists = access(Environment.dataFile(in: directory), F_OK) == 0
        switch mode {
        case .create:
            if exists { throw StoreError.ledgerExists.with(directory) }
            if mkdir(directory, 0o750) != 0 && errno != EEXIST {
                throw StoreError(code: errno, context: "create directory \(directory)")
            }
        case .existing:
            if !exists { throw StoreError.noSuchLedger.with(directory) }
        }
        self.directory = directory
        // A ledger on a read-only file system (an auditor's copy on read-only media) is opened
        // read-only without LMDB's lock file: nobody can write there.
        let onReadOnlyMedia = mode == .existing && access(directory, W_OK) != 0 && errno == EROFS
        self.readOnly = onReadOnlyMedia
        self.resolvedDataFile = Environment.dataFile(in: Environment.realPath(directory))  // the directory exists already
        let env = try LMDB.envCreate()
        self.handle = env
        let statm = open("/proc/self/statm", O_RDONLY)
        self.statm = statm
        self.sharedPagesKept = Environment.residentPages(statm)?.shared ?? 0
        // From here every property is set, so a throw runs deinit, which closes the environment.
        try LMDB.envSetMaxDatabases(env, Limits.databasesMax)
        try LMDB.envSetMaxReaders(env, Limits.readersMax)
        try LMDB.envSetMapSize(env, min(mapBytes, Environment.mapBytesMax))
        let flags = LMDB.flagNoTLS | (durable ? 0 : LMDB.flagNoSync) | (onReadOnlyMedia ? LMDB.flagReadOnly | LMDB.flagNoLock : 0)
        try LMDB.envOpen(env, directory, flags)
        if !onReadOnlyMedia { _ = LMDB.readerCheck(env) }
        // A file grown by another process may be larger than the map asked for: adopt its size.
        // Best effort: if this fails, the larger size LMDB chose stays.
        let wanted = min(mapBytes, Environment.mapBytesMax)
        if LMDB.envMapSize(env) < wanted { try? LMDB.envSetMapSize(env, wanted) }
        try openDatabases(specs, create: mode == .create)
    }

    deinit {
        LMDB.envClose(handle)
        if statm >= 0 { close(statm) }
    }

    /// Opens the named databases. An existing ledger is never written to on opening: its databases
    /// must be there (a foreign LMDB file is refused untouched).
    private func openDatabases(_ specs: [DatabaseSpec], create: Bool) throws(StoreError) {
        if !create {
            // Handles opened in a read transaction outlive it only when it commits (mdb_dbi_open).
            let txn = try begin(writable: false)
            for spec in specs {
                let flags = spec.duplicatesFixed ? LMDB.flagDupSort | LMDB.flagDupFixed : 0
                do {
                    databases[spec.name] = Database(dbi: try LMDB.dbiOpen(txn.handle, spec.name, flags), name: spec.name)
                } catch let error where error == .notFound && spec.derived {
                    continue
                } catch let error where error == .notFound || error == .incompatible {
                    throw StoreError.integrity.with("\(directory) is not a Kooplog ledger (it has no \(spec.name) database)")
                }
            }
            try txn.commit()
            return
        }
        do {
            try write { txn in
                for spec in specs {
                    let flags = LMDB.flagCreate | (spec.duplicatesFixed ? LMDB.flagDupSort | LMDB.flagDupFixed : 0)
                    let dbi = try LMDB.dbiOpen(txn.handle, spec.name, flags)
                    databases[spec.name] = Database(dbi: dbi, name: spec.name)
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.invalid.with("open databases: \(error)")
        }
    }

    /// The handle of a database opened with this environment.
    public func database(_ name: String) -> Database {
        guard let database = databases[name] else { preconditionFailure("database \(name) was not opened") }
        return database
    }

    /// The handle of a derived database, nil when this ledger has none (`DatabaseSpec.derived`).
    public func optionalDatabase(_ name: String) -> Database? { databases[name] }

    /// The current map size in bytes.
    public var mapBytes: Int { LMDB.envMapSize(handle) }

    /// Bytes of the data file in use (last page × page size).
    public var usedBytes: Int {
        let (lastPage, pageBytes) = LMDB.envPagesUsed(handle)
        return (lastPage + 1) * pageBytes
    }

    // MARK: transactions

    /// Runs `body` in a read transaction (a consistent snapshot; never blocks writers).
    public func read<R>(_ body: (borrowing Transaction) throws -> R) throws -> R {
        let txn = try begin(writable: false)
        return try body(txn)
    }

    /// `count` read transactions that see one and the same snapshot (equal LMDB transaction ids),
    /// for worker threads: the environment is opened with MDB_NOTLS, so a read transaction may be
    /// used from any thread, by one thread at a time. Each ends when its holder is released.
    public func sharedSnapshots(_ count: Int) throws -> [SharedReadTransaction] {
        for _ in 0..<1_000 {
            var held: [SharedReadTransaction] = []
            for _ in 0..<count { held.append(SharedReadTransaction(try begin(writable: false))) }
            // A commit between two begins gives them different snapshots: then try again.
            if Set(held.map(\.snapshotID)).count == 1 { return held }
        }
        throw StoreError.busy.with("the ledger changed too often to take one snapshot for every worker")
    }

    /// Runs `body` in a write transaction and commits it; any error aborts it (nothing is written).
    /// On `mapFull` the map grows and `body` runs again in a fresh transaction. A write that knows
    /// it may add up to `reserving` bytes has the map grown first (`reserve`), so a large batch is
    /// not done twice.
    public func write<R>(reserving bytes: Int = 0, _ body: (inout Transaction) throws -> R) throws -> R {
        if readOnly { throw StoreError.readOnlyFileSystem.with("\(directory) is on a read-only file system") }
        return try writeMutex.withLock {
            if writerLock == nil { writerLock = try WriterLock(path: directory + "/writer.lock") }
            let lock = writerLock!
            try lock.acquire(waitMilliseconds: Environment.writerWaitMilliseconds)
            defer { lock.release() }
            if bytes > 0 { try reserve(bytes) }
            while true {
                var txn = try begin(writable: true)
                let result: R
                do {
                    result = try body(&txn)
                } catch let error as StoreError where error == .mapFull {
                    _ = consume txn
                    try grow()
                    continue
                }
                do {
                    try txn.commit()
                    return result
                } catch let error as StoreError where error == .mapFull {
                    try grow()
                }
            }
        }
    }

    /// Drops the map's pages from this process (`madvise(MADV_DONTNEED)`). LMDB maps the file
    /// read-only and shared (writes go through `pwrite`), so nothing is lost: a page read again
    /// comes back from the page cache. Long passes call it now and then, so the process's resident
    /// memory does not grow with the length of the log.
    public func releaseMappedPages() {
        // LMDB only reports the map's address for fixed maps; /proc/self/maps names every mapping.
        // The ranges are read again only when the map's size changed (LMDB remaps only then), so
        // frequent drops cost one madvise each.
        // The shared map lock keeps the map where it is (it moves only under the exclusive lock).
        mapLock.lockShared()
        defer { mapLock.unlock() }
        for (start, end) in mapRanges() {
            _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED)  // advice only: a refusal changes nothing
        }
    }

    /// The map's address ranges (cached; read again from /proc when the map's size changed, which
    /// is when LMDB remaps). Called by the page drop under the shared map lock, so the map does not
    /// move meanwhile. (`MADV_NOHUGEPAGE` on the map was tried: resident memory no lower, a
    /// rebuild at 10^6 a third slower.)
    private func mapRanges() -> [(Int, Int)] {
        let size = LMDB.envMapSize(handle)
        return rangesLock.withLock {
            if mappedRanges.size != size {
                mappedRanges = (size, mappings(of: resolvedDataFile))
            }
            return mappedRanges.ranges
        }
    }

    /// Drops the mapped pages when the process's resident memory (`/proc/self/statm`, read with
    /// one `pread` on a descriptor kept open) is above `Limits.residentBytesBudget` and the file
    /// pages mapped since the last drop (or the ledger's opening) exceed `Limits.mappedBytesFloor`:
    /// code paged in after the opening counted against the floor, and a rebuild at 10^6 events
    /// dropped the map 663 times where a few dozen do (0.9 s of system time). Cheap enough to
    /// ask every few dozen records. Every long pass asks this, so one budget bounds them all.
    public func releaseMappedPagesOverBudget() { releaseMappedPagesOverBudget(floor: Limits.mappedBytesFloor) }

    /// `releaseMappedPagesOverBudget()` with a floor of its own (an append's).
    public func releaseMappedPagesOverBudget(floor: Int) {
        guard let (resident, shared) = Environment.residentPages(statm) else { return releaseMappedPages() }
        let kept = keptLock.withLock { sharedPagesKept }
        if resident * Environment.pageBytes > Limits.residentBytesBudget && (shared - kept) * Environment.pageBytes > floor {
            releaseMappedPages()
            // What a drop leaves (the program's code, other files) is the new floor's base.
            if let after = Environment.residentPages(statm) { keptLock.withLock { sharedPagesKept = after.shared } }
        }
    }

    /// The process's resident pages and, of those, the file-backed ones (statm's second and
    /// third fields), read from the open `/proc/self/statm`.
    private static func residentPages(_ statm: Int32) -> (resident: Int, shared: Int)? {
        var text = (0 as UInt64, 0 as UInt64, 0 as UInt64, 0 as UInt64, 0 as UInt64, 0 as UInt64, 0 as UInt64, 0 as UInt64)
        return withUnsafeMutableBytes(of: &text) { buffer in
            let count = pread(statm, buffer.baseAddress, buffer.count - 1, 0)
            guard count > 0 else { return nil }
            // "size resident shared text lib data dt", in pages.
            let fields = buffer.prefix(count).split(separator: UInt8(ascii: " "), maxSplits: 3)
            guard fields.count >= 3, let resident = Int(String(decoding: fields[1], as: UTF8.self)),
                let shared = Int(String(decoding: fields[2], as: UTF8.self))
            else { return nil }
            return (resident, shared)
        }
    }

    private static let pageBytes = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// `/proc/self/statm`, open for the environment's life (-1 if it could not be opened: then
    /// every check drops the pages).
    private let statm: Int32
    /// File-backed resident pages a drop of the map does not remove: those when the ledger was
    /// opened, then those left after the last drop (the program's code as it is paged in, mostly);
    /// under `keptLock` (workers check the budget at once).
    nonisolated(unsafe) private var sharedPagesKept: Int
    private let keptLock = Mutex()

    /// The data file's mapped ranges and the map size they were read at (under `rangesLock`).
    private let rangesLock = Mutex()
    nonisolated(unsafe) private var mappedRanges: (size: Int, ranges: [(Int, Int)]) = (-1, [])

    /// The data file's real path, as /proc/self/maps names it (resolved once, on opening: page
    /// drops come from several threads).
    private let resolvedDataFile: String

    private static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Address ranges of this process's mappings of `path` (from `/proc/self/maps`).
    private func mappings(of path: String) -> [(Int, Int)] {
        guard let file = fopen("/proc/self/maps", "r") else { return [] }
        defer { fclose(file) }
        var result: [(Int, Int)] = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasSuffix(path + "\n") || text.hasSuffix(path) else { continue }
            let range = text.prefix { $0 != " " }.split(separator: "-")
            if range.count == 2, let start = Int(range[0], radix: 16), let end = Int(range[1], radix: 16) { result.append((start, end)) }
        }
        return result
    }

    /// Writes a consistent copy of the environment to `path` (a new, empty directory);
    /// `compact` omits free pages (`MDB_CP_COMPACT`). Appends continue meanwhile.
    public func copy(to path: String, compact: Bool) throws(StoreError) {
        try LMDB.envCopy(handle, to: path, compact: compact)
    }

    /// `Limits.mapBytesMax`, or `KOOPLOG_MAP_MAX_BYTES` (to hold a ledger's size fixed, as a full
    /// disk would: the operations tests use it).
    static var mapBytesMax: Int {
        if let text = getenv("KOOPLOG_MAP_MAX_BYTES"), let value = Int(String(cString: text)), value > 0 { return value }
        return Limits.mapBytesMax
    }

    static var writerWaitMilliseconds: Int {
        if let text = getenv("KOOPLOG_WRITER_WAIT_MS"), let value = Int(String(cString: text)), value >= 0 {
            return value
        }
        return Limits.writerWaitMilliseconds
    }

    private func begin(writable: Bool) throws(StoreError) -> Transaction {
        while true {
            mapLock.lockShared()
            do {
                let txn = try LMDB.txnBegin(handle, readOnly: !writable)
                return Transaction(handle: txn, writable: writable, environment: self)
            } catch let error where error == .mapResized {
                mapLock.unlock()
                // Another process grew the map: adopt its size (no transaction of ours is active).
                mapLock.lockExclusive()
                defer { mapLock.unlock() }
                try LMDB.envSetMapSize(handle, 0)
            } catch {
                mapLock.unlock()
                throw error
            }
        }
    }

    func transactionEnded() { mapLock.unlock() }

    private func grow() throws(StoreError) {
        mapLock.lockExclusive()
        defer { mapLock.unlock() }
        let current = LMDB.envMapSize(handle)
        let next = min(Environment.grown(current), Environment.mapBytesMax)
        if next <= current { throw StoreError.mapFull.with("the ledger reached its largest map size \(current) bytes") }
        try LMDB.envSetMapSize(handle, next)
        mapGrowths += 1
    }

    /// Grows the map, under the writer lock and before the write transaction begins, when fewer
    /// than `bytes` lie between the pages in use and its end. LMDB maps an opened ledger at its
    /// size in use (at least `mapBytes`), so without this every batch that outgrows it fills the
    /// map part of the way through and runs again. Best effort: never beyond `mapBytesMax`, where
    /// the write meets the full map itself.
    private func reserve(_ bytes: Int) throws(StoreError) {
        mapLock.lockExclusive()
        defer { mapLock.unlock() }
        let current = LMDB.envMapSize(handle)
        let (lastPage, pageBytes) = LMDB.envPagesUsed(handle)
        let wanted = (lastPage + 1) * pageBytes + bytes
        guard wanted > current else { return }
        let next = min(max(wanted, Environment.grown(current)), Environment.mapBytesMax)
        guard next > current else { return }
        try LMDB.envSetMapSize(handle, next)
        mapReservations += 1
    }

    /// The next map size: doubled, by at most `Limits.mapGrowthBytesMax`.
    private static func grown(_ current: Int) -> Int { current + min(current, Limits.mapGrowthBytesMax) }
}
