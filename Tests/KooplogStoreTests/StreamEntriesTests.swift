import Foundation
import KooplogStore
import Testing

/// The stream entries of a batch, gathered by name before the index is written.
@Suite("Stream entries")
struct StreamEntriesTests {
    /// What `forEachStream` hands out, as names and seqs.
    private func streams(_ entries: StreamEntries) -> [(name: [UInt8], seqs: [UInt64])] {
        var found: [(name: [UInt8], seqs: [UInt64])] = []
        entries.forEachStream { name, seqs in found.append((Array(name), Array(seqs))) }
        return found
    }

    /// The same, the plain way: a dictionary of arrays, the names sorted as LMDB orders keys.
    private func expected(_ records: [(seq: UInt64, names: [String])]) -> [(name: [UInt8], seqs: [UInt64])] {
        var byName: [String: [UInt64]] = [:]
        for (seq, names) in records { for name in names { byName[name, default: []].append(seq) } }
        return byName.map { (Array($0.key.utf8), $0.value) }.sorted { KeyOrder.precedes($0.name, $1.name) }
    }

    /// Thousands of names (the table grows several times), names that are prefixes of others,
    /// bytes above 0x7F, a name of the longest length.
    private let records: [(seq: UInt64, names: [String])] = (1...6_000).map { index in
        let seq = UInt64(index)
        var names = ["org:556677-8899", "type:t\(index % 5)", "invoice:556677-8899/F-\(index / 2)", "é:\(index % 3)"]
        if index % 1_000 == 0 { names.append(String(repeating: "x", count: Limits.streamBytesMax)) }
        if index % 7 == 0 { names.append("type:t") }
        return (seq, names)
    }

    @Test("hands out each name once, in LMDB's key order, with its seqs in the order added; joined parts equal the whole")
    func gatheredByName() throws {
        var whole = StreamEntries()
        for (seq, names) in records { for name in names { try whole.add(name, seq: seq) } }
        let want = expected(records)
        let found = streams(whole)
        #expect(found.count == want.count)
        #expect(found.map(\.name) == want.map(\.name))
        #expect(found.map(\.seqs) == want.map(\.seqs))
        #expect(whole.count == records.reduce(0) { $0 + $1.names.count })
        // Joined from parts (as an import joins its workers' chunks): the same streams.
        var joined = StreamEntries()
        for part in stride(from: 0, to: records.count, by: 1_700) {
            var chunk = StreamEntries()
            for (seq, names) in records[part..<min(part + 1_700, records.count)] { for name in names { try chunk.add(name, seq: seq) } }
            joined.append(chunk)
        }
        let joinedStreams = streams(joined)
        #expect(joinedStreams.map(\.name) == want.map(\.name))
        #expect(joinedStreams.map(\.seqs) == want.map(\.seqs))
        #expect(streams(StreamEntries()).isEmpty)
    }

    @Test("a name composed from its parts is the name given whole")
    func composedFromParts() throws {
        var parts = StreamEntries()
        var whole = StreamEntries()
        try parts.add(kind: "invoice:", "556677-8899", "F-1", seq: 1)
        try parts.add(kind: "org:", "556677-8899", nil, seq: 1)
        try parts.add(kind: "invoice:", "556677-8899", "F-1", seq: 2)
        try parts.add(kind: "reversal:", "12", nil, seq: 3)
        for (name, seq) in [("invoice:556677-8899/F-1", 1), ("org:556677-8899", 1), ("invoice:556677-8899/F-1", 2), ("reversal:12", 3)] {
            try whole.add(name, seq: UInt64(seq))
        }
        #expect(streams(parts).map(\.name) == streams(whole).map(\.name))
        #expect(streams(parts).map(\.seqs) == [[1, 2], [1], [3]])
    }

    @Test("refuses an empty name, a name over the limit and a record under too many streams, by limit")
    func limits() throws {
        var entries = StreamEntries()
        #expect(throws: StoreError.limitExceeded) { try entries.add("", seq: 1) }
        #expect(throws: StoreError.limitExceeded) { try entries.add(String(repeating: "s", count: Limits.streamBytesMax + 1), seq: 1) }
        let long = String(repeating: "s", count: Limits.streamBytesMax)
        #expect(throws: StoreError.limitExceeded) { try entries.add(kind: "type:", long, nil, seq: 1) }
        #expect(entries.isEmpty)
        for index in 0..<Limits.streamsPerEventMax { try entries.add("s:\(index)", seq: 2) }
        #expect(throws: StoreError.limitExceeded) { try entries.add("s:more", seq: 2) }
        try entries.add("s:more", seq: 3)  // the next record starts its own count
        #expect(entries.count == Limits.streamsPerEventMax + 1)
    }
}
