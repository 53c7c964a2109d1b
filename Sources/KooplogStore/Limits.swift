/// Every limit of the store in one place (TigerStyle: a limit on everything, units last).
public enum Limits {
    /// The map size a new environment starts with. The map grows on `MDB_MAP_FULL`.
    public static let mapBytesInitial: Int = 256 << 20
    /// The largest single growth step; below it the map doubles.
    public static let mapGrowthBytesMax: Int = 8 << 30
    /// The map never grows beyond this (1 TiB); a ledger this size is far beyond any cooperative.
    public static let mapBytesMax: Int = 1 << 40
    /// Room an append reserves in the map per event before its write transaction begins: a
    /// stored event takes about 600 bytes with its indexes, decoded form and rule state, and each
    /// can copy a few B-tree pages on write. The map is address space only; an event that needs
    /// more (a long invoice) makes the write grow the map and run again.
    public static let reservedBytesPerEvent: Int = 4_096
    /// Largest stored record (one event with its envelope), in bytes.
    public static let recordBytesMax: Int = 1 << 20
    /// Most events appended in one transaction.
    public static let batchEventsMax: Int = 1_000_000
    /// Longest idempotency key, in UTF-8 bytes (SPEC.md §2: 1–128 printable characters; LMDB keys
    /// stop at 511 bytes).
    public static let idBytesMax: Int = 400
    /// Longest stream name, in UTF-8 bytes (LMDB's key limit is 511).
    public static let streamBytesMax: Int = 400
    /// Most streams one event is indexed under.
    public static let streamsPerEventMax: Int = 16
    /// How long a writer waits for another writer before giving up with `busy`.
    /// `KOOPLOG_WRITER_WAIT_MS` overrides it (tests use a short wait).
    public static let writerWaitMilliseconds: Int = 10_000
    /// Records read per read transaction by long passes (replay, verify, export), so no reader pins
    /// old pages for long.
    public static let readChunkRecords: Int = 8_192
    /// Resident memory above which long passes (verify, full rebuild, long reads, large appends)
    /// drop the data file's mapped pages; they are read again from the page cache. With the
    /// workers' open entities and the overshoot between two checks, verify's peak at 10^7 events
    /// stays under 200 MiB (docs/PERFORMANCE.md).
    public static let residentBytesBudget: Int = 96 << 20
    /// Mapped file pages (above those a drop leaves: the program's own code, mostly) below which a
    /// pass over budget does not drop them: when the open entities alone exceed the
    /// budget, dropping a few pages again and again costs more (a madvise over the whole map and
    /// the faults after it) than it saves.
    public static let mappedBytesFloor: Int = 16 << 20
    /// Writes between two memory checks (`Environment.releaseMappedPagesOverBudget`) in an
    /// append's write transaction: its rule-state reads, id lookups and index puts touch pages all
    /// over a large file (about ten new pages per event at 10^7 events: 4 096 events had mapped
    /// ~250 MiB between two checks).
    public static let writesBetweenMemoryChecks: Int = 512
    /// An append's mapped pages are dropped (over the budget) only above this: its own dirty
    /// pages and decoded batch alone exceed the budget, so with `mappedBytesFloor` 100 000 events
    /// into a 700 000-event ledger dropped them 172 times and took ~10 % longer (each drop has the
    /// B-tree's upper pages faulted in again) than with 32 MiB (69 drops); 128 MiB took 0.96–1.14 s
    /// against 1.19–1.35 s with 32 MiB (peak RSS 295 against 234 MiB), and an import of the 10^6
    /// books' export 7.23–7.28 against 7.82–8.03 s (435 against 336–339 MiB).
    public static let appendMappedBytesFloor: Int = 128 << 20

    /// Whether a memory check is due after write `index` (0-based) of an append's transaction.
    public static func memoryCheckDue(afterWrite index: Int) -> Bool {
        index % writesBetweenMemoryChecks == writesBetweenMemoryChecks - 1
    }
    /// Entries of one kind of stream that verify names when the index differs from the log (a
    /// count of all follows).
    public static let streamDifferencesNamed = 10
    /// Events of the organisations one worker replays together (verify, full rebuild): more share
    /// more pages between reads, and hold more open entities at once.
    public static let replayGroupEvents: Int = 100_000
    /// How far (in seqs) one verify worker may run ahead of another (`Pacer`): their reads then
    /// fall in the same stretch of the file, within what the memory budget keeps mapped.
    public static let replayWindowSeqs: UInt64 = 16_384
    /// A full rebuild of a log up to this many events folds every organisation in one pass: each
    /// worker scans the whole log in order and folds its share of the organisations, holding their
    /// states till the end. Longer logs replay groups of organisations by their `org:` indexes, so
    /// memory holds one group's states (docs/PROJECTIONS.md).
    public static let rebuildScanEventsMax: Int = 2_000_000
    /// Events of an append's input decoded as one job on a worker: a larger input is decoded in
    /// such chunks on all workers before the write transaction.
    public static let decodeChunkEvents: Int = 4_096
    /// LMDB reader slots (concurrent read transactions across processes).
    public static let readersMax: UInt32 = 126
    /// Named databases in one environment.
    public static let databasesMax: UInt32 = 16
}
