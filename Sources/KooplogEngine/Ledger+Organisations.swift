import Foundation
import KooplogDomain
import KooplogProjections
import KooplogStore

// Whole-log passes (verify, full rebuild) work one organisation at a time: every rule and every
// read model is per organisation, so an organisation's events (the `org:` stream) are replayed
// on their own, on a few threads at once, and memory holds the open entities of the
// organisations in hand, never the whole log's.

/// A few threads sharing a list of jobs: each takes the next until none is left.
enum Workers {
    /// `KOOPLOG_WORKERS`, else the number of processors (at most 8).
    static var count: Int {
        if let text = ProcessInfo.processInfo.environment["KOOPLOG_WORKERS"], let n = Int(text), n >= 1 { return min(n, 64) }
        return max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    }

    /// Runs `body(job, worker)` for every job on `workers` threads and returns the outputs in job
    /// order. After an error no new job starts; the first error is thrown.
    static func map<Job: Sendable, Output>(_ jobs: [Job], workers: Int, _ body: (Job, Int) throws -> Output) throws -> [Output] {
        let board = Board<Output>(jobs.count)
        try withoutActuallyEscaping(body) { body in
            let work = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: max(1, min(workers, jobs.count))) { worker in
                while let index = board.take() {
                    do { board.finish(index, try work.value(jobs[index], worker)) } catch { board.fail(error) }
                }
            }
            if let error = board.error { throw error }
        }
        return board.outputs.map { $0! }
    }

    private final class Board<Output>: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private let total: Int
        private(set) var outputs: [Output?]
        private(set) var error: (any Error)?

        init(_ total: Int) {
            self.total = total
            outputs = Array(repeating: nil, count: total)
        }
        func take() -> Int? {
            lock.withLock {
                guard error == nil, next < total else { return nil }
                defer { next += 1 }
                return next
            }
        }
        func finish(_ index: Int, _ output: Output) { lock.withLock { outputs[index] = output } }
        func fail(_ error: any Error) { lock.withLock { self.error = self.error ?? error } }
    }
}

/// Keeps the workers of a long pass within `window` seqs of each other, so that what one maps of
/// the file the other reads before a page drop takes it away: each group's pass reads pages all
/// over a file larger than the memory budget, and two passes apart map it twice. Only jobs of
/// similar sizes (events) go in step: a lighter job runs through the seqs faster and would wait
/// for a heavier one most of the time (a federation's largest cooperative is a group of its own).
/// A job starts when no other worker is beyond the window in a similar job (so similar jobs start
/// together), and a worker more than `window` past the slowest other worker in a similar job
/// waits for it. The slowest never waits, and a worker between jobs holds no one back, so none
/// waits forever.
final class Pacer: @unchecked Sendable {
    private let condition = NSCondition()
    /// Each worker's last reported seq, nil between jobs, and the events of its job.
    private var positions: [UInt64?]
    private var sizes: [Int]
    private let window: UInt64

    init(workers: Int, window: UInt64) {
        positions = Array(repeating: nil, count: workers)
        sizes = Array(repeating: 0, count: workers)
        self.window = window
    }

    /// Runs one job of `worker` of `events` events; `body` reports the seqs it reaches, in order.
    func job<R>(_ worker: Int, events: Int, _ body: (_ reached: (UInt64) -> Void) throws -> R) rethrows -> R {
        condition.withLock {
            sizes[worker] = events
            while positions.indices.contains(where: { inStep(worker, $0) && positions[$0]! > window }) { condition.wait() }
            positions[worker] = 0
        }
        defer {
            condition.withLock {
                positions[worker] = nil
                condition.broadcast()
            }
        }
        return try body { seq in reached(worker, seq) }
    }

    /// Whether `worker` keeps to `other`: another worker in a job of a similar size (within half
    /// again of each other).
    private func inStep(_ worker: Int, _ other: Int) -> Bool {
        guard other != worker, positions[other] != nil else { return false }
        let (small, large) = (min(sizes[worker], sizes[other]), max(sizes[worker], sizes[other]))
        return 2 * large <= 3 * small
    }

    private func reached(_ worker: Int, _ seq: UInt64) {
        condition.withLock {
            positions[worker] = seq
            condition.broadcast()
            while let slowest = positions.indices.filter({ inStep(worker, $0) }).map({ positions[$0]! }).min(), seq > slowest + window {
                condition.wait()
            }
        }
    }
}

/// Runs `body` on a thread of its own (not one of the workers' pool); `result()` joins it, so the
/// thread has ended, not only its work, when the result is handed on (a process may then exit).
final class Background<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<Value, any Error>?
    private var body: (() throws -> Value)?
    private var thread = pthread_t()
    private var started = false
    private var awaited = false

    init(_ body: @escaping () throws -> Value) {
        self.body = body
        // The thread holds its start (and through it this object) until its body is done.
        let start = Unmanaged.passRetained(ThreadStart { [self] in run() })
        started =
            pthread_create(
                &thread, nil,
                { raw in
                    Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue().run()
                    return nil
                }, start.toOpaque()) == 0
        if !started {
            start.release()
            run()  // no thread to be had: the work is done here, before the caller goes on
        }
    }

    private func run() {
        outcome = Result { try body!() }
        body = nil
        done.signal()
    }

    /// Whether `body` has finished by `deadline` (waits till then at most). Called by the thread
    /// that calls `result()`.
    func finished(by deadline: DispatchTime) -> Bool {
        if !awaited { awaited = done.wait(timeout: deadline) == .success }
        return awaited
    }

    /// Joins the thread (its body is then done) and hands on what the body returned or threw.
    func result() throws -> Value {
        if started {
            pthread_join(thread, nil)
            started = false
        }
        return try outcome!.get()
    }
}

/// What a thread started by `Background` runs (a C start routine cannot capture a generic type).
private final class ThreadStart {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// A value handed to worker threads that use it one at a time or only read it.
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Progress from several threads: a count of events done, reported under a lock. Every `step`
/// events it also lets `release` drop mapped pages, so resident memory does not grow with the
/// log: an organisation's events lie all over the file, and each page fault maps up to 16
/// neighbouring pages (the kernel's fault-around).
final class SharedProgress: @unchecked Sendable {
    /// How many events a worker replays between calls of `add`.
    static let step: UInt64 = 64
    private let lock = NSLock()
    private var done: UInt64 = 0
    private var reported: UInt64 = 0
    private let report: ((UInt64) -> Void)?
    private let release: () -> Void

    init(_ report: ((UInt64) -> Void)?, release: @escaping () -> Void) {
        self.report = report
        self.release = release
    }

    func add(_ events: UInt64) {
        lock.withLock {
            done += events
            release()
            if let report, done - reported >= 65_536 {
                reported = done
                report(done)
            }
        }
    }
}

/// The read models of the organisations one worker folds in a full rebuild, with the events each
/// got; progress hears of them every `SharedProgress.step` events.
final class OrganisationFolds {
    let orgs: [String]
    private let models: [ModelSet]
    private(set) var counts: [UInt64]
    private var folded: UInt64 = 0
    private let progress: SharedProgress

    init(_ orgs: [String], progress: SharedProgress) {
        self.orgs = orgs
        models = orgs.map { _ in ModelSet() }
        counts = [UInt64](repeating: 0, count: orgs.count)
        self.progress = progress
    }

    func fold(_ recorded: RecordedEvent, into index: Int, context: some FoldContext) throws {
        try models[index].apply(recorded, context: context)
        counts[index] += 1
        folded += 1
        if folded % SharedProgress.step == 0 { progress.add(SharedProgress.step) }
    }

    /// Each organisation, its count of events and its encoded states of the models `names`.
    func finish(_ names: [String]) -> [(String, UInt64, [(String, [UInt8])])] {
        progress.add(folded % SharedProgress.step)
        return orgs.indices.map { index in
            (orgs[index], counts[index], names.compactMap { name in models[index].encoded(name, org: orgs[index]).map { (name, $0) } })
        }
    }
}

/// One organisation and how many events it has (its `org:` stream).
struct OrganisationJob: Sendable {
    var org: String
    var events: Int
}

/// Where a whole-log pass (`forEachEvent`) reads each event from.
enum EventSource {
    /// The log: each payload decoded.
    case log
    /// The decoded forms alone (a full rebuild, its forms complete); a form that does not read, or
    /// is missing, is an integrity error.
    case decodedForms
    /// Verify, byte for byte: an event's decoded form where the canonical payload it writes is
    /// the stored one (`Ledger.agreeingForm`), else its payload decoded.
    case agreeingForms
    /// Verify, by digest: an event's decoded form where it reads and is of the current schema
    /// version (`Ledger.currentForm`), without reading the log; else its payload decoded. The
    /// caller proves the forms by their `PayloadDigest` against the log's.
    case digestedForms
}

/// Where `forEachEvent` read an event from.
enum EventOrigin {
    /// Its stored payload, these bytes (valid while the pass's read transaction is).
    case payload(UnsafeRawBufferPointer)
    /// Its decoded form, whose canonical payload was compared byte for byte with the stored one.
    case agreeingForm
    /// Its decoded form alone, not compared with the log (`.decodedForms`, `.digestedForms`).
    case form
}

extension Ledger {
    /// The organisations with events and how many each has, largest first (so the last jobs are
    /// short).
    func organisationJobs(_ txn: borrowing Transaction) throws -> [OrganisationJob] {
        let prefix = "org:"
        return try log.streams(withPrefix: prefix, txn) { environment.releaseMappedPagesOverBudget() }
            .map { OrganisationJob(org: String($0.name.dropFirst(prefix.count)), events: $0.records) }
            .sorted { ($0.events, $1.org) > ($1.events, $0.org) }
    }

    /// Groups of organisations replayed together by one worker, each of at most
    /// `Limits.replayGroupEvents` events and at most a quarter of the events per worker (so every
    /// worker has work till near the end), a larger organisation alone, largest first. Their events
    /// are read in one merged seq order, so reads that follow each other lie closer in the file and
    /// share the pages a fault brings in; memory holds the group's open entities. Each group's
    /// pass maps pages all over a file larger than the memory budget (a fault maps its
    /// neighbours too), so fewer, larger groups map and drop fewer pages: with at most an eighth
    /// per worker, verify at 10^6 events ran 16 groups and took 2.53–2.68 s (1.13–1.17 s of it
    /// system time); with a quarter, 10 groups and 2.34–2.42 s (0.88–0.93 s), the same at 10^5.
    func organisationGroups(_ jobs: [OrganisationJob], workers: Int = Workers.count) -> [[OrganisationJob]] {
        let total = jobs.reduce(0) { $0 + $1.events }
        let budget = min(Limits.replayGroupEvents, total / (4 * max(1, workers)))
        var groups: [[OrganisationJob]] = []
        var current: [OrganisationJob] = []
        var events = 0
        for job in jobs {
            if !current.isEmpty && events + job.events > budget {
                groups.append(current)
                current = []
                events = 0
            }
            current.append(job)
            events += job.events
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// Calls `body(index, seq, event, origin)` with the events of several organisations up to
    /// `head`, in one seq order (`index` into `orgs`), read in `held` from where `source` says
    /// (with `.digestedForms` or `.decodedForms`, the forms from `spooled` when given: the
    /// group's `FormSpool`),
    /// decoded or refused, with where each was read from; an organisation whose `body` returned
    /// false gets no more. `seqs` replaces the `org:` indexes when given (verify, when an index
    /// disagrees with the log). An index entry without its record, or naming another
    /// organisation's event, is an integrity error: thrown, or handed to `indexProblem` with the
    /// organisation's index, which then gets no more events.
    func forEachEvent(
        of orgs: [String], upTo head: UInt64, in held: SharedReadTransaction, seqs given: [[UInt64]]? = nil, source: EventSource = .log,
        spooled: SpooledForms? = nil, indexProblem: ((Int, StoreError) -> Void)? = nil,
        _ body: (Int, UInt64, consuming Result<RecordedEvent, Refusal>, EventOrigin) throws -> Bool
    ) throws {
        // Each stream's own B-tree pages lie elsewhere in the file: memory is checked after each.
        let lists =
            try given
            ?? orgs.map { org in
                defer { environment.releaseMappedPagesOverBudget() }
                return try log.streamSequences("org:\(org)", held.txn)
            }
        var next = [Int](repeating: 0, count: orgs.count)
        var done = lists.map { $0.isEmpty }
        // Records and forms through cursors: each organisation's seqs ascend, so a lookup often
        // lands on the page the one before left the cursor on (`ReadCursor`).
        try log.withRecordCursor(held.txn) { records in
            try withFormCursor(held.txn) { forms in
                while true {
                    // The organisation whose next event comes first (groups are a handful).
                    var pick = -1
                    var least = UInt64.max
                    for index in lists.indices where !done[index] && lists[index][next[index]] < least {
                        least = lists[index][next[index]]
                        pick = index
                    }
                    guard pick >= 0, least <= head else { return }
                    next[pick] += 1
                    if next[pick] == lists[pick].count { done[pick] = true }
                    let org = orgs[pick]
                    // An event the index names must be of its organisation: checked where it is
                    // read, so the result goes on to `body` without a copy.
                    func indexed(_ recorded: RecordedEvent) throws -> RecordedEvent {
                        guard recorded.event.org.text == org else {
                            throw StoreError.integrity.with("the org:\(org) index names seq \(least), an event of \(recorded.event.org.text)")
                        }
                        return recorded
                    }
                    /// The stored form of `least`: from the group's spool, which holds the forms
                    /// naming an organisation of the group, else looked up (a form the spool lacks
                    /// is missing, or names another organisation: found as before, and named).
                    func storedForm() throws -> UnsafeRawBufferPointer? {
                        if let spooled, let found = try spooled.form(least) { return found }
                        return try forms?.value(atSeq: least)
                    }
                    do {
                        var origin = EventOrigin.form
                        var read: Result<RecordedEvent, Refusal>?
                        if source == .decodedForms {
                            read = try storedForm().map { raw in .success(try indexed(Ledger.readDecoded(least, raw))) }
                            guard read != nil else {
                                throw StoreError.integrity.with("the decoded forms lack seq \(least); run kooplog rebuild --full --from-log")
                            }
                        } else if source == .digestedForms, let raw = try? storedForm(), let recorded = Self.currentForm(least, raw) {
                            read = .success(try indexed(recorded))
                        } else {
                            read = try log.withRecord(least, records) { view in
                                if source == .agreeingForms {
                                    view.prefetchPayload()  // fetched during the form's lookup and decoding
                                    if let raw = try? forms?.value(atSeq: least), let recorded = Self.agreeingForm(least, payload: view.payload, form: raw) {
                                        origin = .agreeingForm
                                        return .success(try indexed(recorded))
                                    }
                                }
                                origin = .payload(view.payload)
                                do {
                                    return .success(try indexed(try RecordedEvent.decode(seq: least, payload: view.payload)))
                                } catch let refusal as Refusal {
                                    return .failure(refusal)
                                }
                            }
                        }
                        guard let decoded = read else {
                            throw StoreError.integrity.with("the org:\(org) index names seq \(least), which the log does not hold")
                        }
                        if try !body(pick, least, consume decoded, origin) { done[pick] = true }
                    } catch let error as StoreError where error == .integrity && indexProblem != nil {
                        indexProblem?(pick, error)
                        done[pick] = true
                    }
                }
            }
        }
    }

    /// Calls `body` with a read cursor of the decoded forms, or nil in a ledger without them.
    private func withFormCursor<R>(_ txn: borrowing Transaction, _ body: (ReadCursor?) throws -> R) throws -> R {
        guard let decodedDatabase else { return try body(nil) }
        return try txn.withCursor(decodedDatabase, body)
    }

    /// `rebuild --full`: every read model from the first event, by organisation on a few threads,
    /// written as a new generation of stored states; one last write transaction switches the
    /// checkpoints to it and drops the older generations. Readers use the older generation until
    /// then. A log of at most `scanEventsMax` events is folded in one scan per worker
    /// (`foldByScan`) of the events' decoded forms (derived from the log first when some are
    /// missing; of the log itself without `decodedForms` or in a ledger without them); a longer one
    /// in groups of organisations read by their indexes, written in batches, so memory holds one
    /// batch of encoded states.
    func rebuildByOrganisation(
        _ names: [String] = ModelSet.names, scanEventsMax: Int = Limits.rebuildScanEventsMax, decodedForms: Bool = true,
        progress: ((UInt64) -> Void)? = nil
    ) throws -> RebuildReport {
        let generation: UInt64 = try environment.write { txn in
            let last = try txn.get(modelsDatabase, ModelKeys.lastGeneration).flatMap { try? BinaryReader.decode(UInt64.self, from: $0) } ?? 0
            try txn.put(modelsDatabase, ModelKeys.lastGeneration, StateCodec.encode(last + 1))
            return last + 1
        }
        var (head, jobs, formsComplete) = try environment.read { txn in
            let head = try log.checkedHead(txn)
            return (head, try organisationJobs(txn), try decodedFormsComplete(through: head, txn))
        }
        if decodedForms && !formsComplete && decodedDatabase != nil {
            // Forms missing (a ledger from an older build, or a rebuild that stopped): derive them
            // from the log once, then fold from them like any other rebuild.
            try deriveDecodedForms()
            formsComplete = try environment.read { txn in try decodedFormsComplete(through: head, txn) }
        }
        let fromDecoded = decodedForms && formsComplete
        let shared = SharedProgress(progress, release: environment.releaseMappedPagesOverBudget)
        var events: UInt64 = 0
        if head.seq <= UInt64(scanEventsMax) {
            events = try storeStates(try foldByScan(jobs, upTo: head.seq, names: names, fromDecoded: fromDecoded, progress: shared), generation: generation)
        } else {
            let batches = rebuildBatches(jobs)
            // From the forms, each group reads its own (`FormSpool`, as verify does).
            let spool =
                fromDecoded
                ? try decodedDatabase.flatMap { forms in
                    try environment.read { txn in
                        FormSpool.make(groups: batches.joined().map { $0.map(\.org) }, forms: forms, txn, release: environment.releaseMappedPagesOverBudget)
                    }
                } : nil
            var first = 0
            for batch in batches {
                let folded = try foldGroups(batch, upTo: head.seq, names: names, fromDecoded: fromDecoded, spool: spool, first: first, progress: shared)
                events += try storeStates(folded, generation: generation)
                first += batch.count
            }
        }
        guard events == head.seq else {
            throw StoreError.integrity.with("the org: indexes hold \(events) events up to seq \(head.seq); they should hold \(head.seq)")
        }
        try environment.write { txn in
            // A newer rebuild switched already: this one's states are dropped, nothing else changes.
            let current = try checkpoints(txn)
            let superseded = names.contains { (current[$0]?.generation ?? 0) > generation }
            for name in names {
                try dropStates(name, &txn) { superseded ? $0 == generation : $0 < generation }
                if !superseded {
                    let checkpoint = Checkpoint(version: ModelSet.version(of: name), seq: head.seq, hash: head.hash.hex, generation: generation)
                    try txn.put(modelsDatabase, ModelKeys.checkpoint(name), StateCodec.encode(checkpoint))
                }
            }
        }
        return RebuildReport(fromSeq: 1, head: head, events: events, rebuiltModels: names)
    }

    /// The groups of a grouped rebuild in batches of about a million events: their encoded states
    /// are what memory holds.
    private func rebuildBatches(_ jobs: [OrganisationJob]) -> [[[OrganisationJob]]] {
        var batches: [[[OrganisationJob]]] = []
        var inBatch = 0
        for group in organisationGroups(jobs) {
            let groupEvents = group.reduce(0) { $0 + $1.events }
            if batches.isEmpty || inBatch + groupEvents > 1_000_000 {
                batches.append([])
                inBatch = 0
            }
            batches[batches.count - 1].append(group)
            inBatch += groupEvents
        }
        return batches
    }

    /// Folds a batch of groups, each group on a worker reading its organisations' events by their
    /// `org:` indexes in one merged seq order. Reads and folds happen with no write in between (a
    /// write may need to grow the map, which waits for every read transaction of this process).
    private func foldGroups(
        _ batch: [[OrganisationJob]], upTo head: UInt64, names: [String], fromDecoded: Bool, spool: FormSpool?, first: Int, progress: SharedProgress
    ) throws -> [(String, UInt64, [(String, [UInt8])])] {
        let outputs = try Workers.map(Array(batch.indices), workers: Workers.count) { index, _ in
            let held = try environment.sharedSnapshots(1)[0]  // ends when this job does
            let orgs = batch[index].map(\.org)
            let folds = OrganisationFolds(orgs, progress: progress)
            let spooled = spool?.reader(first + index)
            let context = fromDecoded ? LedgerFoldContext(ledger: self, decodedIn: held, spooled: spooled) : LedgerFoldContext(log: log, held: held)
            let source: EventSource = fromDecoded ? .decodedForms : .log
            try forEachEvent(of: orgs, upTo: head, in: held, source: source, spooled: spooled) { index, seq, decoded, _ in
                guard case .success(let recorded) = consume decoded else {
                    throw StoreError.integrity.with("seq \(seq) does not decode; run kooplog verify")
                }
                try folds.fold(recorded, into: index, context: context)
                return true
            }
            return folds.finish(names)
        }
        return Array(outputs.joined())
    }

    /// Writes folded states as `generation` in one transaction; returns the events they reflect.
    private func storeStates(_ outputs: some Collection<(String, UInt64, [(String, [UInt8])])>, generation: UInt64) throws -> UInt64 {
        environment.releaseMappedPages()
        try environment.write { txn in
            for (index, (org, _, states)) in outputs.enumerated() {
                if index % 64 == 63 { environment.releaseMappedPagesOverBudget() }
                for (name, bytes) in states {
                    try txn.put(modelsDatabase, ModelKeys.state(name, generation: generation, org: org), bytes)
                }
            }
        }
        // Counted outside the write: a write that needs a larger map runs its body again.
        return outputs.reduce(0) { $0 + $1.1 }
    }

    /// Folds every organisation in one pass per worker: the organisations are shared out by their
    /// events, and each worker scans the log in seq order (pages are read once, in file order, and
    /// fault-around brings in the next records) and folds the events of its own. Every event must
    /// be of an organisation the `org:` index knows, and each organisation's count must match its
    /// index: both are integrity errors otherwise.
    private func foldByScan(
        _ jobs: [OrganisationJob], upTo head: UInt64, names: [String], fromDecoded: Bool, progress: SharedProgress
    ) throws -> [(String, UInt64, [(String, [UInt8])])] {
        let workers = max(1, min(Workers.count, jobs.count))
        // Largest first, each to the worker with the fewest events so far.
        var shares = [[OrganisationJob]](repeating: [], count: workers)
        var loads = [Int](repeating: 0, count: workers)
        for job in jobs {
            let least = loads.indices.min { loads[$0] < loads[$1] }!
            shares[least].append(job)
            loads[least] += job.events
        }
        var owner: [OrganisationBytes: (worker: Int, index: Int)] = [:]
        for (worker, share) in shares.enumerated() {
            for (index, job) in share.enumerated() { owner[OrganisationBytes(text: job.org)] = (worker, index) }
        }
        let snapshots = try environment.sharedSnapshots(workers)
        let outputs = try Workers.map(Array(0..<workers), workers: workers) { worker, _ in
            let held = snapshots[worker]
            let share = shares[worker]
            let folds = OrganisationFolds(share.map(\.org), progress: progress)
            let context = fromDecoded ? LedgerFoldContext(ledger: self, decodedIn: held) : LedgerFoldContext(log: log, held: held)
            var scanned: UInt64 = 0
            /// Folds one event when its organisation is this worker's; `org` is read from the
            /// record's bytes, `decode` reads the rest.
            func take(_ seq: UInt64, _ org: OrganisationBytes, _ decode: () throws -> RecordedEvent) throws {
                scanned += 1
                if scanned % 256 == 0 { environment.releaseMappedPagesOverBudget() }
                guard let (ownerWorker, index) = owner[org] else {
                    throw StoreError.integrity.with("seq \(seq) is an event of \(org.text), which the org: index does not hold")
                }
                guard ownerWorker == worker else { return }
                let recorded = try decode()
                guard OrganisationBytes(text: recorded.event.org.text) == org else {
                    throw StoreError.integrity.with("seq \(seq) is an event of \(recorded.event.org.text), not of \(org.text) as its bytes' org says")
                }
                try folds.fold(recorded, into: index, context: context)
            }
            if fromDecoded, let decodedDatabase {
                // Every seq 1…head in order, each key checked (a gap is an integrity error).
                try held.txn.scan(decodedDatabase) { key, value in
                    let seq = scanned + 1
                    guard seq <= head else { return false }
                    guard key.count == 8, BigEndian.uint64(key) == seq else {
                        throw StoreError.integrity.with("the decoded forms lack seq \(seq); run kooplog rebuild --full --from-log")
                    }
                    guard let org = RecordedEvent.organisation(ofDecoded: value) else {
                        throw StoreError.integrity.with("the decoded form of seq \(seq) names no organisation; run kooplog rebuild --full --from-log")
                    }
                    try take(seq, OrganisationBytes(bytes: org)) { try Ledger.readDecoded(seq, value) }
                    return true
                }
                guard scanned == head else {
                    throw StoreError.integrity.with("the decoded forms end at seq \(scanned), the log at \(head); run kooplog rebuild --full --from-log")
                }
            } else {
                try log.scan(from: 1, to: head, held.txn) { view in
                    let org = OrganisationBytes(payload: view.payload)
                    guard view.isWellFormed, org.isFound else {
                        throw StoreError.integrity.with("seq \(view.seq) is malformed or names no organisation; run kooplog verify")
                    }
                    try take(view.seq, org) { try Self.storedEvent(view) }
                    return true
                }
            }
            for (index, job) in share.enumerated() where folds.counts[index] != UInt64(job.events) {
                throw StoreError.integrity.with("the org:\(job.org) index holds \(job.events) events, the log \(folds.counts[index]) up to seq \(head)")
            }
            return folds.finish(names)
        }
        return Array(outputs.joined())
    }

    /// Deletes a model's stored states of the generations `drop` names (and any of the form
    /// before generations, `<model>/<org>`).
    private func dropStates(_ name: String, _ txn: inout Transaction, where drop: (UInt64) -> Bool) throws {
        var keys: [[UInt8]] = []
        for prefix in [Array("\(name)@".utf8), Array("\(name)/".utf8)] {
            try txn.scan(modelsDatabase, from: prefix) { key, _ in
                guard key.starts(with: prefix) else { return false }
                let rest = key.dropFirst(prefix.count)
                let generation = prefix.last == UInt8(ascii: "@") ? UInt64(String(decoding: rest.prefix { $0 != UInt8(ascii: "/") }, as: UTF8.self)) : nil
                if generation.map(drop) ?? true { keys.append(Array(key)) }
                return true
            }
        }
        for (index, key) in keys.enumerated() {
            // Freeing a large state reads its first overflow page, and the fault maps pages
            // around it: at 10^7 events resident file pages grew by 66 MiB in 256 deletes (a
            // repeated full rebuild peaked at 156–184 MiB there, all of it in this last write), so
            // the budget is checked every 16.
            if index % 16 == 15 { environment.releaseMappedPagesOverBudget() }
            try txn.delete(modelsDatabase, key)
        }
    }
}

/// The eleven bytes of an organisation number as two words ("?" when a record names none): a pass
/// over every record (verify's chain pass, a full rebuild's scan) finds each record's
/// organisation without a string per record.
struct OrganisationBytes: Hashable {
    private var head: UInt64 = 0
    /// The last three bytes, and 1 << 24 when an organisation was found.
    private var tail: UInt32 = 0

    /// The organisation a stored payload names (`RecordedEvent.organisationRange`).
    init(payload: UnsafeRawBufferPointer) {
        guard let range = RecordedEvent.organisationRange(ofPayload: payload) else {
            self.init()
            return
        }
        self.init(bytes: UnsafeRawBufferPointer(rebasing: payload[range]))
    }

    private init() {}

    /// Whether the bytes named an organisation.
    var isFound: Bool { tail != 0 }

    /// Eleven bytes (other counts match no organisation).
    init(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 11 else { return }
        head = bytes.loadUnaligned(as: UInt64.self)
        tail = 1 << 24 | UInt32(bytes[8]) | UInt32(bytes[9]) << 8 | UInt32(bytes[10]) << 16
    }

    init(text: String) {
        var text = text
        self = text.withUTF8 { OrganisationBytes(bytes: UnsafeRawBufferPointer($0)) }
    }

    var text: String {
        guard isFound else { return "?" }
        let last = [UInt8(truncatingIfNeeded: tail), UInt8(truncatingIfNeeded: tail >> 8), UInt8(truncatingIfNeeded: tail >> 16)]
        return String(decoding: withUnsafeBytes(of: head) { Array($0) } + last, as: UTF8.self)
    }
}
