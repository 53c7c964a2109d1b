import Crypto
import Foundation
import KooplogStore
import KooplogTestSupport
import Testing

/// Opens a bare store (no domain) in a temporary directory.
func makeStore(_ directory: TemporaryDirectory, mapBytes: Int = Limits.mapBytesInitial, mode: OpenMode = .create) throws -> (Environment, EventLog) {
    let environment = try Environment(directory: directory.file("ledger"), databases: EventLog.databases, mode: mode, mapBytes: mapBytes)
    let log = EventLog(environment: environment)
    try environment.write { txn in try log.prepare(&txn) }
    return (environment, log)
}

func payload(_ index: Int, size: Int = 200) -> [UInt8] {
    let text = "{\"n\":\(index),\"pad\":\"" + String(repeating: "x", count: max(0, size - 20)) + "\"}"
    return Array(text.utf8)
}

@discardableResult
func appendMany(_ environment: Environment, _ log: EventLog, _ range: Range<Int>, ids: Bool = false) throws -> LogHead {
    try environment.write { txn in
        var head = try log.head(txn)
        for index in range {
            head = try log.append(PendingRecord(payload: payload(index), id: ids ? "id-\(index)" : nil, streams: ["s:\(index % 3)"]), after: head, &txn)
        }
        return head
    }
}

/// Streams interleaved, some shared by every record, some new in each batch.
func sampleStreams(_ index: Int) -> [String] { ["all", "s:\(index % 7)", "e:\(index / 5)", "é:\(index % 2)"] }

@Suite("Event log")
struct EventLogTests {
    @Test("a hash computed ahead is stored for the seq and prev it was computed for, and computed again otherwise")
    func hashComputedAhead() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        let first = try appendMany(environment, log, 0..<1)
        let garbage = KooplogStore.Digest(bytes: [UInt8](repeating: 0xAB, count: 32))!
        let right = payload(1).withUnsafeBytes { RecordFormat.hash(seq: 2, prev: first.hash, payload: $0) }
        let heads = try environment.write { txn in
            var head = first
            var stored: [KooplogStore.Digest] = []
            // Computed for this seq and prev: stored as given.
            head = try log.append(PendingRecord(payload: payload(1), hashed: (2, first.hash, right)), after: head, &txn)
            stored.append(head.hash)
            // For another prev, or another seq: the log computes the hash.
            head = try log.append(PendingRecord(payload: payload(2), hashed: (3, first.hash, garbage)), after: head, &txn)
            stored.append(head.hash)
            head = try log.append(PendingRecord(payload: payload(3), hashed: (5, head.hash, garbage)), after: head, &txn)
            stored.append(head.hash)
            return stored
        }
        #expect(heads[0] == right)
        #expect(!heads.contains(garbage))
        #expect(try log.checkChain(in: environment).firstBad == nil)
    }

    @Test("append and read back: gapless sequences, same bytes, head survives a restart")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        do {
            let (environment, log) = try makeStore(directory)
            let head = try appendMany(environment, log, 0..<1000)
            #expect(head.seq == 1000)
            var expected: UInt64 = 1
            try log.forEach(in: environment) { view in
                #expect(view.seq == expected)
                #expect(Array(view.payload) == payload(Int(expected) - 1))
                expected += 1
                return true
            }
            #expect(expected == 1001)
        }
        // Reopen: the head is the same and checks against the last record.
        let environment = try Environment(directory: directory.file("ledger"), databases: EventLog.databases, mode: .existing)
        let log = EventLog(environment: environment)
        let head = try environment.read { txn in try log.checkedHead(txn) }
        #expect(head.seq == 1000)
        #expect(try log.checkChain(in: environment).firstBad == nil)
    }

    @Test("a batch of appends indexes its streams and writes its head when finished, as one append at a time does, and so does a batch indexed ahead")
    func batchOfAppends() throws {
        let (one, batched, ahead) = (TemporaryDirectory(), TemporaryDirectory(), TemporaryDirectory())
        let (oneEnvironment, oneLog) = try makeStore(one)
        let (environment, log) = try makeStore(batched)
        let (aheadEnvironment, aheadLog) = try makeStore(ahead)
        func record(_ index: Int) -> PendingRecord { PendingRecord(payload: payload(index), streams: sampleStreams(index)) }
        for range in [0..<300, 300..<301, 301..<700] {
            try oneEnvironment.write { txn in
                var head = try oneLog.head(txn)
                for index in range { head = try oneLog.append(record(index), after: head, &txn) }
            }
            // Indexed before the transaction, as an import does (on its read-ahead thread).
            let indexed = try AppendBatch.indexed(range.map { (seq: UInt64($0 + 1), streams: sampleStreams($0)) })
            try aheadEnvironment.write { txn in
                var head = try aheadLog.head(txn)
                var batch = indexed
                for index in range { head = try aheadLog.append(record(index), after: head, &txn, batch: &batch) }
                try aheadLog.finish(batch, head: head, &txn)
            }
            try environment.write { txn in
                var head = try log.head(txn)
                var batch = AppendBatch()
                for index in range {
                    head = try log.append(record(index), after: head, &txn, batch: &batch)
                    // The record is there at once; the head is written by `finish`.
                    #expect(try log.record(head.seq, txn) != nil)
                }
                #expect(try log.head(txn).seq == UInt64(range.lowerBound))
                try log.finish(batch, head: head, &txn)
                #expect(try log.checkedHead(txn) == head)
            }
        }
        let streams = ["all", "s:3", "e:0", "e:139", "é:1"]
        let expected = try oneEnvironment.read { txn in try streams.map { try oneLog.streamSequences($0, txn) } }
        let found = try environment.read { txn in try streams.map { try log.streamSequences($0, txn) } }
        #expect(found == expected)
        #expect(try aheadEnvironment.read { txn in try streams.map { try aheadLog.streamSequences($0, txn) } } == expected)
        #expect(found[0] == Array(1...700))
        #expect(try log.checkChain(in: environment).firstBad == nil)
        // A stream name over the limit is refused before the record is stored.
        try environment.write { txn in
            var batch = AppendBatch()
            let head = try log.head(txn)
            let long = PendingRecord(payload: payload(0), streams: [String(repeating: "s", count: Limits.streamBytesMax + 1)])
            #expect(throws: StoreError.limitExceeded) { try log.append(long, after: head, &txn, batch: &batch) }
            #expect(try log.record(head.seq + 1, txn) == nil)
        }
    }

    @Test("a batch indexed ahead takes only the records it covers, and must end at its last")
    func batchIndexedAhead() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        try appendMany(environment, log, 0..<700)
        func record(_ index: Int) -> PendingRecord { PendingRecord(payload: payload(index), streams: sampleStreams(index)) }
        // A record the batch did not index, and a batch finished before its last record, are refused.
        do {
            try environment.write { txn in
                let head = try log.head(txn)
                var batch = try AppendBatch.indexed([(seq: head.seq + 2, streams: ["all"])])
                #expect(throws: StoreError.integrity) { try log.append(record(700), after: head, &txn, batch: &batch) }
                batch = try AppendBatch.indexed([(seq: head.seq + 1, streams: ["all"]), (seq: head.seq + 2, streams: ["all"])])
                let next = try log.append(record(700), after: head, &txn, batch: &batch)
                #expect(throws: StoreError.integrity) { try log.finish(batch, head: next, &txn) }
                throw StoreError.conflict  // nothing of this is kept
            }
        } catch let error as StoreError {
            #expect(error == .conflict)
        }
        #expect(try environment.read { txn in try log.checkedHead(txn) }.seq == 700)
        // Seqs that do not follow one another give a batch kept record by record (from the
        // records' own streams).
        try environment.write { txn in
            let head = try log.head(txn)
            var batch = try AppendBatch.indexed([(seq: head.seq + 1, streams: ["gap"]), (seq: head.seq + 3, streams: ["gap"])])
            let next = try log.append(record(701), after: head, &txn, batch: &batch)
            try log.finish(batch, head: next, &txn)
        }
        #expect(try environment.read { txn in try log.streamSequences("gap", txn) } == [])
        #expect(try environment.read { txn in try log.streamSequences("all", txn) } == [701])
    }

    @Test("the chain recomputed independently (swift-crypto, from the documented layout) equals the stored hashes")
    func independentChain() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        let head = try appendMany(environment, log, 0..<50)
        var prev = [UInt8](repeating: 0, count: 32)
        try log.forEach(in: environment) { view in
            let raw = Array(view.raw)
            #expect(Array(raw[0..<32]) == prev, "prev of \(view.seq)")
            #expect(raw[64] == 1)
            let seqBytes = Array(raw[65..<73])
            #expect(seqBytes == withUnsafeBytes(of: view.seq.bigEndian) { Array($0) })
            var hasher = SHA256()
            hasher.update(data: prev)
            hasher.update(data: raw[64...])
            let hash = Array(hasher.finalize())
            #expect(Array(raw[32..<64]) == hash)
            prev = hash
            return true
        }
        #expect(prev == head.hash.bytes)
    }

    @Test("an aborted write leaves the ledger byte-for-byte unchanged")
    func atomicity() throws {
        struct Boom: Error {}
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        try appendMany(environment, log, 0..<10)
        let file = Environment.dataFile(in: directory.file("ledger"))
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(throws: Boom.self) {
            try environment.write { txn in
                var head = try log.head(txn)
                for index in 10..<20 { head = try log.append(PendingRecord(payload: payload(index)), after: head, &txn) }
                throw Boom()
            }
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(before == after)
        #expect(try environment.read { txn in try log.checkedHead(txn) }.seq == 10)
        #expect(try environment.read { txn in try txn.entries(log.events) } == 10)
    }

    @Test("idempotency keys map to their seq and cannot be stored twice")
    func idempotencyIndex() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        try appendMany(environment, log, 0..<5, ids: true)
        #expect(try environment.read { txn in try log.sequence(forID: "id-3", txn) } == 4)
        #expect(throws: StoreError.keyExists) {
            try environment.write { txn in
                let head = try log.head(txn)
                _ = try log.append(PendingRecord(payload: payload(9), id: "id-3"), after: head, &txn)
            }
        }
    }

    @Test("streams list their events in order and give a version")
    func streams() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        try appendMany(environment, log, 0..<10)
        let seqs = try environment.read { txn in try log.streamSequences("s:1", txn) }
        #expect(seqs == [2, 5, 8])
        #expect(try environment.read { txn in try log.streamVersion("s:1", txn) } == 3)
        #expect(try environment.read { txn in try log.streamVersion("s:none", txn) } == 0)
    }

    @Test("a ledger opened with a tiny map takes far more records than fit in it")
    func mapGrowth() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory, mapBytes: 128 << 10)
        for batch in 0..<20 { try appendMany(environment, log, batch * 500..<(batch + 1) * 500) }
        #expect(environment.mapGrowths > 0)
        #expect(environment.mapBytes > 128 << 10)
        let check = try log.checkChain(in: environment)
        #expect(check.records == 10_000)
        #expect(check.firstBad == nil)
    }

    @Test("flipping one byte of a stored record is detected at that seq", arguments: [1, 17, 42, 100])
    func tampering(seq: Int) throws {
        let directory = TemporaryDirectory()
        do {
            let (environment, log) = try makeStore(directory)
            try environment.write { txn in
                var head = try log.head(txn)
                for index in 1...100 {
                    head = try log.append(PendingRecord(payload: Array("{\"marker\":\"M\(String(format: "%04d", index))\"}".utf8)), after: head, &txn)
                }
            }
        }
        let path = Environment.dataFile(in: directory.file("ledger"))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let marker = Array("M\(String(format: "%04d", seq))".utf8)
        let at = try #require(bytes.firstRange(of: marker))
        bytes[at.lowerBound] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let environment = try Environment(directory: directory.file("ledger"), databases: EventLog.databases, mode: .existing)
        let check = try EventLog(environment: environment).checkChain(in: environment)
        #expect(check.firstBad?.seq == UInt64(seq))
        #expect(check.firstBad?.problem.contains("hash does not match") == true)
    }

    @Test("create refuses an existing ledger; open refuses a missing one")
    func createAndOpen() throws {
        let directory = TemporaryDirectory()
        _ = try makeStore(directory)
        #expect(throws: StoreError.ledgerExists) { try makeStore(directory) }
        #expect(throws: StoreError.noSuchLedger) {
            try Environment(directory: directory.file("missing"), databases: EventLog.databases, mode: .existing)
        }
    }

    @Test("prefetching a record's payload reads nothing and changes nothing, also for a record too short to have one")
    func prefetch() {
        for count in [0, 1, RecordFormat.payloadOffset - 1, RecordFormat.payloadOffset, RecordFormat.payloadOffset + 1, 4_096] {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            bytes.withUnsafeBytes { raw in
                let view = RecordView(seq: 1, raw: raw)
                view.prefetchPayload()
                #expect(view.raw.elementsEqual(bytes))
            }
        }
    }

    @Test("a payload digest depends on every payload's seq, bytes and bounds, and on their order")
    func payloadDigest() {
        func digest(_ records: [(UInt64, [UInt8])]) -> KooplogStore.Digest {
            var payloads = PayloadDigest()
            for (seq, bytes) in records { bytes.withUnsafeBytes { payloads.add(seq: seq, payload: $0) } }
            #expect(payloads.count == records.count)
            return payloads.finalize()
        }
        func be(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        let a = Array(#"{"a":1}"#.utf8)
        let b = Array(#"{"b":2}"#.utf8)
        let base = digest([(1, a), (7, b)])
        #expect(digest([(1, a), (7, b)]) == base)
        #expect(digest([(1, a), (8, b)]) != base)  // another seq
        #expect(digest([(1, a), (7, Array(#"{"b":3}"#.utf8))]) != base)  // another byte
        #expect(digest([(7, b), (1, a)]) != base)  // another order
        #expect(digest([(1, a + b.prefix(1)), (7, Array(b.dropFirst()))]) != base)  // the same bytes, bounded elsewhere
        // One payload holding the next record's seq (and a length) where a framing without
        // lengths, or with a fixed one, would put them.
        #expect(digest([(1, a + be(7) + b)]) != base)
        #expect(digest([(1, a + be(7) + be(0) + b)]) != base)
        #expect(digest([(1, a + be(7) + be(UInt64(b.count)) + b)]) != base)
        #expect(digest([(1, a)]) != base)  // one fewer
        #expect(digest([]) != base)
    }

    @Test("the CPU's SHA-256 instructions are found as the kernel lists them (x86 sha_ni, ARM sha2)")
    func sha256Instructions() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") || $0.hasPrefix("Features") }.map { $0.split(separator: " ").map(String.init) } ?? [])
        #if arch(x86_64)
            #expect(Hardware.hashesSHA256 == flags.contains("sha_ni"))
        #elseif arch(arm64)
            #expect(Hardware.hashesSHA256 == flags.contains("sha2"))
        #else
            #expect(!Hardware.hashesSHA256)
        #endif
    }

    @Test("Digest hex round trip and the zero hash")
    func digest() {
        let digest = Digest(hex: String(repeating: "ab", count: 32))
        #expect(digest?.hex == String(repeating: "ab", count: 32))
        #expect(Digest(hex: "xyz") == nil)
        #expect(Digest.zero.bytes == [UInt8](repeating: 0, count: 32))
    }

    @Test("KeyOrder is the order LMDB keeps keys in: bytewise, then the shorter first")
    func keyOrder() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        var keys: [[UInt8]] = [[0], [0, 0], [1], [0xFF], [0xFF, 0], Array("org:556677-8899".utf8), Array("org:556677-88".utf8), Array("é".utf8)]
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<300 { keys.append((0..<Int.random(in: 1...12, using: &generator)).map { _ in UInt8.random(in: 0...4, using: &generator) * 60 }) }
        keys = Array(Set(keys))
        try environment.write { txn in
            for key in keys { try txn.put(log.meta, key, [1]) }
        }
        var stored: [[UInt8]] = []
        try environment.read { txn in
            try txn.scan(log.meta) { key, _ in
                stored.append(Array(key))
                return true
            }
        }
        let ours = Set(keys)
        #expect(stored.filter { ours.contains($0) } == keys.sorted { KeyOrder.precedes($0, $1) })
        #expect(!KeyOrder.precedes([1], [1]) && KeyOrder.precedes([], [0]) && !KeyOrder.precedes([0], []))
    }
}
