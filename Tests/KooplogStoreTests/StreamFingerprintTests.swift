import Foundation
import KooplogStore
import KooplogTestSupport
import Testing

/// The stream index's fingerprint (what verify compares with the streams the events name) and
/// the page-at-a-time scan it is read with.
@Suite("Stream fingerprint")
struct StreamFingerprintTests {
    /// Every entry of the index, one cursor step per entry (the plain way, to check the pages against).
    private func entries(_ environment: Environment, _ log: EventLog) throws -> [(name: String, seq: UInt64)] {
        try environment.read { txn in
            var found: [(name: String, seq: UInt64)] = []
            try txn.scan(log.streams) { key, value in
                found.append((String(decoding: key, as: UTF8.self), BigEndian.uint64(value)))
                return true
            }
            return found
        }
    }

    @Test("the same entries in any order, or added in parts, give the same fingerprint; one entry more, less or moved does not")
    func orderAndParts() {
        let entries: [(String, UInt64)] = (1...500).flatMap { seq in
            [("org:1", UInt64(seq)), ("type:t\(seq % 5)", UInt64(seq)), ("invoice:1/\(seq / 3)", UInt64(seq))]
        }
        func fingerprint(_ entries: some Sequence<(String, UInt64)>) -> StreamFingerprint {
            var fingerprint = StreamFingerprint()
            for (name, seq) in entries { fingerprint.add(name, seq: seq) }
            return fingerprint
        }
        let whole = fingerprint(entries)
        #expect(fingerprint(entries.reversed()) == whole)
        #expect(fingerprint(entries.prefix(700)) + fingerprint(entries.dropFirst(700)) == whole)
        #expect(StreamFingerprint() + whole == whole)
        #expect(whole.tallies.map(\.kind) == ["org", "type", "invoice"])
        #expect(whole.tallies.map(\.entries) == [500, 500, 500])
        var more = whole
        more.add("type:t1", seq: 2)
        #expect(more != whole)
        #expect(more.differingKinds(whole).map(\.kind) == ["type"])
        #expect(more.differingKinds(whole).first.map { [$0.entries, $0.otherEntries] } == [501, 500])
        // One entry moved to another stream of its kind, or to another seq: the counts agree, the sums do not.
        let moved = fingerprint(entries.map { $0 == ("type:t1", 1) ? ("type:t2", 1) : $0 })
        #expect(moved.differingKinds(whole).map(\.kind) == ["type"])
        let shifted = fingerprint(entries.map { $0 == ("invoice:1/0", 1) ? ("invoice:1/0", 501) : $0 })
        #expect(shifted.differingKinds(whole).map(\.kind) == ["invoice"])
        #expect(fingerprint(entries.dropLast()) != whole)
    }

    @Test("a name fingerprinted from its parts counts as the name itself, whatever the lengths of the parts")
    func parts() {
        for first in ["", "7", "769629-1231", "invoice.paid", "ååå-😀-0123456789abcdef"] {
            for second in [nil, "", "1", "2023-001", "P-0001234567890123"] {
                for kind: StaticString in ["org:", "reversal:", "member:"] {
                    var fromParts = StreamFingerprint()
                    fromParts.add(kind: kind, first, second, seq: 42)
                    var whole = StreamFingerprint()
                    whole.add("\(kind)\(first)" + (second.map { "/\($0)" } ?? ""), seq: 42)
                    #expect(fromParts == whole, "\(kind) \(first) \(second ?? "-")")
                    var other = StreamFingerprint()
                    other.add("\(kind)\(first)" + (second.map { "/\($0)x" } ?? "x"), seq: 42)
                    #expect(other != whole)
                }
            }
        }
    }

    @Test("a stream's kind is its name up to the colon, of one to eight bytes; other names are of the kind \"\"")
    func kinds() {
        func kind(_ name: String) -> UInt64 { Array(name.utf8).withUnsafeBytes { StreamFingerprint.kind(of: $0) } }
        #expect(kind("reversal:12") == StreamFingerprint.kind(named: "reversal"))
        #expect(kind("org:769629-1231") == StreamFingerprint.kind(named: "org"))
        #expect(kind("org:1") != kind("type:1"))
        for odd in ["nocolon", ":leading", "ninebytes:x", "", "org"] { #expect(kind(odd) == 0, "\(odd)") }
        var fingerprint = StreamFingerprint()
        fingerprint.add("ninebytes:x", seq: 1)
        fingerprint.add("nocolon", seq: 1)
        #expect(fingerprint.tallies.map(\.kind) == [""])
        #expect(fingerprint.tallies.map(\.entries) == [2])
    }

    @Test("the index read a page of seqs at a time gives what one entry at a time gives, in streams of one seq and of many pages")
    func pagesOfSeqs() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        // "all" spans several pages of seqs (a 4 KiB page holds ~500); "e:<n>" one to five seqs; "one:<n>" exactly one.
        try environment.write { txn in
            var head = try log.head(txn)
            for index in 0..<3_000 {
                let streams = sampleStreams(index) + (index % 997 == 0 ? ["one:\(index)"] : [])
                head = try log.append(PendingRecord(payload: payload(index), id: nil, streams: streams), after: head, &txn)
            }
        }
        let plain = try entries(environment, log)
        var expected = StreamFingerprint()
        for (name, seq) in plain { expected.add(name, seq: seq) }
        let paged = try environment.read { txn in try log.streamFingerprint(txn) }
        #expect(paged == expected)
        #expect(paged.tallies.reduce(0) { $0 + $1.entries } == plain.count)
        #expect(plain.count == 3_000 * 4 + 4)
        // One kind's streams with every seq each lists, in name order.
        let ones = try environment.read { txn in try log.streamEntries(ofKind: StreamFingerprint.kind(named: "one"), txn) }
        #expect(ones.map(\.name) == ["one:0", "one:1994", "one:2991", "one:997"])
        #expect(ones.map(\.seqs) == [[1], [1995], [2992], [998]])
        let all = try environment.read { txn in try log.streamEntries(ofKind: 0, txn) }
        #expect(all.map(\.name) == ["all"])
        #expect(all.first?.seqs == Array(1...3_000))
        // A value that is not a seq (only a stream of one value can hold one): seq 0 in the
        // fingerprint and the entries, an integrity error where a stream is read.
        try environment.write { txn in try txn.put(log.streams, Array("one:short".utf8), [1, 2, 3]) }
        var short = expected
        short.add("one:short", seq: 0)
        #expect(try environment.read { txn in try log.streamFingerprint(txn) } == short)
        let shortEntries = try environment.read { txn in try log.streamEntries(ofKind: StreamFingerprint.kind(named: "one"), txn) }
        #expect(shortEntries.last?.name == "one:short" && shortEntries.last?.seqs == [0])
        #expect(throws: StoreError.integrity) { try environment.read { txn in try log.streamSequences("one:short", txn) } }
    }

    @Test("reading one long stream drops mapped pages as it goes: a release per 512 pages of seqs, not per 512 streams")
    func releasesWithinAStream() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        // One stream of 600 000 seqs (~1 200 pages of ~500), put straight into the index.
        try environment.write { txn in
            try txn.withPuts(log.streams) { cursor in
                let name = Array("type:long".utf8)
                for seq in 1...UInt64(600_000) {
                    try name.withUnsafeBytes { key in try withUnsafeBytes(of: seq.bigEndian) { try cursor.put(key, $0, mode: .appendDuplicate) } }
                }
            }
        }
        var releases = 0
        let fingerprint = try environment.read { txn in try log.streamFingerprint(txn) { releases += 1 } }
        #expect(fingerprint.tallies.map(\.entries) == [600_000])
        #expect(releases >= 2, "released \(releases) times")
    }

    @Test("the indexes derived again from the log equal those the appends wrote; an id two records carry is refused and nothing changes")
    func indexesDerivedAgain() throws {
        let directory = TemporaryDirectory()
        let (environment, log) = try makeStore(directory)
        // Several batches, some records with an id.
        for range in [0..<1_000, 1_000..<1_001, 1_001..<2_500] {
            try environment.write { txn in
                var head = try log.head(txn)
                for index in range {
                    let record = PendingRecord(payload: payload(index), id: index % 3 == 0 ? "id-\(index)" : nil, streams: sampleStreams(index))
                    head = try log.append(record, after: head, &txn)
                }
            }
        }
        func indexes() throws -> (streams: [String], ids: [String]) {
            try environment.read { txn in
                var streams: [String] = []
                try txn.scan(log.streams) { key, value in
                    streams.append("\(String(decoding: key, as: UTF8.self)) \(BigEndian.uint64(value))")
                    return true
                }
                let ids = try log.idEntries(txn).map { "\($0.id) \($0.seq)" }
                return (streams, ids)
            }
        }
        let written = try indexes()
        // What the records' payloads say (the payload's "n" is the index the streams came from).
        func describe(_ view: RecordView) -> (streams: [String], id: String?) {
            let text = String(decoding: view.payload, as: UTF8.self)
            let n = Int(text.dropFirst(5).prefix { $0.isNumber })!
            return (sampleStreams(n), n % 3 == 0 ? "id-\(n)" : nil)
        }
        // Damage both indexes, then derive them again.
        try environment.write { txn in
            _ = try txn.delete(log.streams, Array("all".utf8))
            try txn.put(log.streams, Array("s:1".utf8), BigEndian.bytes(3))
            _ = try txn.delete(log.ids, Array("id-300".utf8))
            try txn.put(log.ids, Array("id-3".utf8), BigEndian.bytes(5), mode: [])
        }
        #expect(try indexes().streams != written.streams)
        var reached: [UInt64] = []
        let counts = try environment.write { txn in try log.rebuildIndexes(&txn, progress: { reached.append($0) }, describe: describe) }
        #expect(counts.streamEntries == 2_500 * 4)
        #expect(counts.ids == 834)
        #expect(reached.last == 2_500)
        let derived = try indexes()
        #expect(derived.streams == written.streams)
        #expect(derived.ids == written.ids)
        // Two records carrying one id: refused by name, and the transaction leaves the indexes as they were.
        do {
            _ = try environment.write { txn in
                try log.rebuildIndexes(&txn) { view in (sampleStreams(0), view.seq == 7 || view.seq == 2_000 ? "twice" : nil) }
            }
            Issue.record("an id carried twice was indexed")
        } catch let error as StoreError {
            #expect(error == .integrity)
            #expect(error.description.contains("the id twice is carried by seq 7 and seq 2000"), "\(error)")
        }
        #expect(try indexes().streams == written.streams)
        #expect(try indexes().ids == written.ids)
    }
}
