import Glibc

/// The stream entries of a batch of records, gathered for the `streams` index without a string
/// or an array per name: each distinct name's bytes lie in one buffer and are found again through
/// an open-addressing table of their 64-bit hashes (`NameHasher`), and each entry is the name's
/// number and the seq, in the order added. `forEachStream` hands them out as the index takes
/// them: the names in LMDB's key order, each with its seqs in the order added.
///
/// As a dictionary from names to arrays of seqs, an import's block of ~47 000 events (~150 000
/// entries under ~40 000 names) made a string and an array per name and hashed every name with
/// SipHash: ~9 % of the import's processor time, on its read-ahead thread.
public struct StreamEntries: Sendable {
    /// A distinct name: where its bytes start in `bytes`, how many, and their hash.
    private struct Name: Sendable {
        var start: Int
        var count: Int
        var hash: UInt64
    }

    private var bytes: [UInt8] = []
    private var names: [Name] = []
    /// A name's number + 1 per slot (0: empty); a power of two long, at most half full.
    private var slots: [UInt32] = []
    private var entryNames: [UInt32] = []
    private var entrySeqs: [UInt64] = []
    /// The seq of the last entry, and how many entries it has (at most `streamsPerEventMax`).
    private var lastSeq: UInt64 = 0
    private var run = 0

    public init() {}

    /// Entries added.
    public var count: Int { entrySeqs.count }
    public var isEmpty: Bool { entrySeqs.isEmpty }

    /// Refuses a record's stream name of `byteCount` bytes that the index cannot hold.
    static func checkName(byteCount: Int) throws {
        guard byteCount > 0, byteCount <= Limits.streamBytesMax else {
            throw StoreError.limitExceeded.with("stream name of \(byteCount) bytes")
        }
    }

    /// Refuses a record under more than `Limits.streamsPerEventMax` streams.
    static func checkStreams(count: Int) throws {
        guard count <= Limits.streamsPerEventMax else {
            throw StoreError.limitExceeded.with("\(count) streams (at most \(Limits.streamsPerEventMax))")
        }
    }

    /// Adds one entry: `seq` listed in the stream whose name is `name`'s bytes. A record's entries
    /// are added one after another.
    public mutating func add(_ name: UnsafeRawBufferPointer, seq: UInt64) throws {
        try Self.checkName(byteCount: name.count)
        if seq == lastSeq && !entrySeqs.isEmpty {
            run += 1
            try Self.checkStreams(count: run)
        } else {
            (lastSeq, run) = (seq, 1)
        }
        entryNames.append(intern(name, hash: StreamFingerprint.hash(name)))
        entrySeqs.append(seq)
    }

    /// Adds one entry: `seq` listed in the stream `name`.
    public mutating func add(_ name: String, seq: UInt64) throws {
        try name.withRawUTF8 { try add($0, seq: seq) }
    }

    /// Adds one entry: `seq` listed in the stream named `kind`, `first`, and `/` and `second`
    /// when there is one (as `Event.forEachStream` gives a name's parts), the name composed on
    /// the stack.
    public mutating func add(kind: StaticString, _ first: String, _ second: String?, seq: UInt64) throws {
        precondition(kind.hasPointerRepresentation, "a stream kind of one character")
        let kindBytes = UnsafeRawBufferPointer(start: kind.utf8Start, count: kind.utf8CodeUnitCount)
        let hasSecond = second != nil
        let (first, second) = (first, second ?? "")
        let count = kindBytes.count + first.utf8.count + (hasSecond ? 1 + second.utf8.count : 0)
        try Self.checkName(byteCount: count)
        try first.withRawUTF8 { firstBytes in
            try second.withRawUTF8 { secondBytes in
                try withUnsafeTemporaryAllocation(byteCount: count, alignment: 1) { name in
                    var at = 0
                    func put(_ part: UnsafeRawBufferPointer) {
                        UnsafeMutableRawBufferPointer(rebasing: name[at..<at + part.count]).copyMemory(from: part)
                        at += part.count
                    }
                    put(kindBytes)
                    put(firstBytes)
                    if hasSecond {
                        name[at] = UInt8(ascii: "/")
                        at += 1
                        put(secondBytes)
                    }
                    try add(UnsafeRawBufferPointer(name), seq: seq)
                }
            }
        }
    }

    /// Adds `other`'s entries after these (an import joins its workers' chunks in seq order).
    public mutating func append(_ other: StreamEntries) {
        var numbers: [UInt32] = []
        numbers.reserveCapacity(other.names.count)
        other.bytes.withUnsafeBytes { otherBytes in
            for name in other.names {
                numbers.append(intern(UnsafeRawBufferPointer(rebasing: otherBytes[name.start..<name.start + name.count]), hash: name.hash))
            }
        }
        entryNames.reserveCapacity(entryNames.count + other.entryNames.count)
        for number in other.entryNames { entryNames.append(numbers[Int(number)]) }
        entrySeqs += other.entrySeqs
        if !other.isEmpty { (lastSeq, run) = (other.lastSeq, other.run) }
    }

    /// The number of the name `name` (hashed `hash`), added when it is new.
    private mutating func intern(_ name: UnsafeRawBufferPointer, hash: UInt64) -> UInt32 {
        if 2 * (names.count + 1) > slots.count { grow() }
        let mask = slots.count - 1
        var at = Int(truncatingIfNeeded: hash) & mask
        while slots[at] != 0 {
            let known = names[Int(slots[at] - 1)]
            if known.hash == hash, known.count == name.count,
                bytes.withUnsafeBytes({ memcmp($0.baseAddress! + known.start, name.baseAddress!, name.count) == 0 })
            {
                return slots[at] - 1
            }
            at = (at + 1) & mask
        }
        precondition(names.count < Int(UInt32.max), "too many stream names in one batch")
        names.append(Name(start: bytes.count, count: name.count, hash: hash))
        bytes.append(contentsOf: name)
        slots[at] = UInt32(names.count)
        return UInt32(names.count - 1)
    }

    /// Doubles the table (from 1 024 slots) and places every name again.
    private mutating func grow() {
        slots = [UInt32](repeating: 0, count: max(1 << 10, 2 * slots.count))
        let mask = slots.count - 1
        for (number, name) in names.enumerated() {
            var at = Int(truncatingIfNeeded: name.hash) & mask
            while slots[at] != 0 { at = (at + 1) & mask }
            slots[at] = UInt32(number + 1)
        }
    }

    /// Calls `body` with each stream's name and seqs: the names in LMDB's order of keys (bytewise,
    /// then the shorter first), each name's seqs in the order they were added.
    public func forEachStream(_ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<UInt64>) throws -> Void) rethrows {
        guard !names.isEmpty else { return }
        // Each name's seqs together, in the order added: a counting sort by name.
        var starts = [Int](repeating: 0, count: names.count + 1)
        for number in entryNames { starts[Int(number) + 1] += 1 }
        for index in 1..<starts.count { starts[index] += starts[index - 1] }
        var next = starts
        var grouped = [UInt64](repeating: 0, count: entrySeqs.count)
        for (number, seq) in zip(entryNames, entrySeqs) {
            grouped[next[Int(number)]] = seq
            next[Int(number)] += 1
        }
        try bytes.withUnsafeBytes { raw in
            func name(_ number: Int) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: raw[names[number].start..<names[number].start + names[number].count])
            }
            let order = (0..<names.count).sorted { KeyOrder.precedes(name($0), name($1)) }
            try grouped.withUnsafeBufferPointer { grouped in
                for number in order {
                    try body(name(number), UnsafeBufferPointer(rebasing: grouped[starts[number]..<starts[number + 1]]))
                }
            }
        }
    }
}
