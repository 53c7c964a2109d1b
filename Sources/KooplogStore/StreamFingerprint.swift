/// An order-independent fingerprint of stream entries (a stream's name and a seq it lists), kept
/// by kind: the name up to its first colon (`org`, `type`, `invoice` …; a name with no colon or a
/// longer kind falls under the kind `""`).
///
/// Verify adds the entries the replayed events name (`Event.forEachStream`) on its workers, in any
/// order, and the entries the index holds in one scan (`EventLog.streamFingerprint`); the two
/// must be equal kind by kind. Each entry adds two 64-bit mixes of the name's hash and the seq to
/// two wrapping sums, so the fingerprints of parts add up to the fingerprint of the whole. It is a
/// check of consistency, not a seal: the log's hash chain is the seal, and the index is derived
/// from the log. A kind whose fingerprints differ is compared entry by entry
/// (`EventLog.streamEntries`), which names the entries that differ.
public struct StreamFingerprint: Equatable, Sendable {
    /// One kind's entries: how many, and their two sums.
    public struct Tally: Equatable, Sendable {
        /// The kind's name bytes, packed (at most 8 bytes; 0 for the kind `""`).
        fileprivate var packed: UInt64
        public fileprivate(set) var entries = 0
        fileprivate var sums: (UInt64, UInt64) = (0, 0)

        /// The kind: the stream names' text up to their colon.
        public var kind: String { String(decoding: StreamFingerprint.kindBytes(packed), as: UTF8.self) }

        public static func == (lhs: Tally, rhs: Tally) -> Bool {
            lhs.packed == rhs.packed && lhs.entries == rhs.entries && lhs.sums == rhs.sums
        }
    }

    /// The kinds seen, in the order first seen (a handful).
    public private(set) var tallies: [Tally] = []

    public init() {}

    /// Adds one entry: `seq` listed in the stream `name`.
    public mutating func add(_ name: String, seq: UInt64) {
        name.withRawUTF8 { add($0, seq: seq) }
    }

    /// Adds one entry: `seq` listed in the stream named `kind`, `first`, and `/` and `second`
    /// when there is one (as `RuleKey.compose` makes the name), hashed from its parts without
    /// making it.
    public mutating func add(kind: StaticString, _ first: String, _ second: String?, seq: UInt64) {
        let start = UInt(bitPattern: kind.utf8Start)
        let at = parts.firstIndex { $0.kind == start } ?? addParts(kind)
        // The name's hash so far after its kind and `first`: kept from the last entry of the kind
        // when `first` is the same (an organisation's streams all begin with its number).
        if parts[at].first != first {
            var hasher = parts[at].afterKind
            hasher.add(first)
            parts[at].first = first
            parts[at].afterFirst = hasher
        }
        var hasher = parts[at].afterFirst
        if let second {
            withUnsafeBytes(of: UInt8(ascii: "/")) { hasher.add($0) }
            hasher.add(second)
        }
        tallies[parts[at].tally].add(hash: hasher.finish(), seq: seq)
    }

    /// What `add(kind:_:_:seq:)` keeps of a kind: its tally, and the hashes so far.
    private struct Parts: Sendable {
        var kind: UInt
        var tally: Int
        var afterKind: NameHasher
        var first: String
        var afterFirst: NameHasher
    }
    private var parts: [Parts] = []

    private mutating func addParts(_ kind: StaticString) -> Int {
        precondition(kind.hasPointerRepresentation, "a stream kind of one character")
        let bytes = UnsafeRawBufferPointer(start: kind.utf8Start, count: kind.utf8CodeUnitCount)
        var hasher = NameHasher()
        hasher.add(bytes)
        parts.append(Parts(kind: UInt(bitPattern: kind.utf8Start), tally: index(of: bytes), afterKind: hasher, first: "", afterFirst: hasher))
        return parts.count - 1
    }

    /// Adds one entry: `seq` listed in the stream whose name is `name`'s bytes.
    public mutating func add(_ name: UnsafeRawBufferPointer, seq: UInt64) {
        let at = index(of: name)
        tallies[at].add(hash: Self.hash(name), seq: seq)
    }

    /// Adds the entries of one stream: `seqs` holds 8-byte big-endian seqs, as the index stores
    /// them; bytes left over (a value that is not a whole seq) count as seq 0, which no record has.
    mutating func add(_ name: UnsafeRawBufferPointer, bigEndianSeqs seqs: UnsafeRawBufferPointer) {
        let at = index(of: name)
        let hash = Self.hash(name)
        EventLog.forEachIndexedSeq(in: seqs) { tallies[at].add(hash: hash, seq: $0) }
    }

    /// The fingerprint of both sets of entries.
    public static func + (lhs: StreamFingerprint, rhs: StreamFingerprint) -> StreamFingerprint {
        var sum = lhs
        for tally in rhs.tallies {
            let at = sum.index(packed: tally.packed)
            sum.tallies[at].entries += tally.entries
            sum.tallies[at].sums.0 &+= tally.sums.0
            sum.tallies[at].sums.1 &+= tally.sums.1
        }
        return sum
    }

    /// Equal when every kind has the same entries (kinds with none are as good as absent).
    public static func == (lhs: StreamFingerprint, rhs: StreamFingerprint) -> Bool {
        lhs.differingKinds(rhs).isEmpty
    }

    /// The kinds whose entries differ, by name: this fingerprint's tally and `other`'s.
    public func differingKinds(_ other: StreamFingerprint) -> [(kind: String, entries: Int, otherEntries: Int)] {
        let packs = Set(tallies.map(\.packed)).union(other.tallies.map(\.packed))
        return packs.compactMap { packed -> (kind: String, entries: Int, otherEntries: Int)? in
            let mine = tallies.first { $0.packed == packed } ?? Tally(packed: packed)
            let theirs = other.tallies.first { $0.packed == packed } ?? Tally(packed: packed)
            return mine == theirs ? nil : (mine.kind, mine.entries, theirs.entries)
        }
        .sorted { $0.kind < $1.kind }
    }

    /// The kind of a stream name, packed: its bytes before the first colon, when there is one and
    /// they are 1 to 8 bytes; otherwise 0.
    public static func kind(of name: UnsafeRawBufferPointer) -> UInt64 {
        var packed: UInt64 = 0
        for index in 0..<min(name.count, 9) {
            let byte = name[index]
            if byte == UInt8(ascii: ":") { return index == 0 ? 0 : packed }
            if index == 8 { return 0 }
            packed |= UInt64(byte) << (8 * UInt64(index))
        }
        return 0
    }

    /// The text of a packed kind, its bytes (without the colon): `kind(named:)` reversed.
    static func kindBytes(_ packed: UInt64) -> [UInt8] {
        withUnsafeBytes(of: packed.littleEndian) { Array($0.prefix { $0 != 0 }) }
    }

    /// The packed kind of a kind's text (`"type"`), as `kind(of:)` gives it for `"type:…"`.
    public static func kind(named kind: String) -> UInt64 {
        Array((kind + ":").utf8).withUnsafeBytes { Self.kind(of: $0) }
    }

    private mutating func index(of name: UnsafeRawBufferPointer) -> Int { index(packed: Self.kind(of: name)) }

    private mutating func index(packed: UInt64) -> Int {
        if let at = tallies.firstIndex(where: { $0.packed == packed }) { return at }
        tallies.append(Tally(packed: packed))
        return tallies.count - 1
    }

    /// A 64-bit hash of a name's bytes (`NameHasher`).
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = NameHasher()
        hasher.add(bytes)
        return hasher.finish()
    }

    /// SplitMix64's finaliser: every bit of `x` moves about half the bits of the result.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension StreamFingerprint.Tally {
    fileprivate init(packed: UInt64) { self.packed = packed }

    @inline(__always)
    fileprivate mutating func add(hash: UInt64, seq: UInt64) {
        entries += 1
        sums.0 &+= StreamFingerprint.mix(hash ^ seq)
        sums.1 &+= StreamFingerprint.mix((hash &+ 0x6A09_E667_F3BC_C909) ^ (seq &* 0xFF51_AFD7_ED55_8CCD))
    }
}

/// A 64-bit hash of a stream name's bytes, given in one piece or in several: eight bytes at a
/// time (little-endian) mixed into the hash, the last few and the length mixed in at the end.
struct NameHasher: Sendable {
    private var hash: UInt64 = 0x243F_6A88_85A3_08D3
    /// Bytes given but not mixed in yet (fewer than eight), and how many.
    private var word: UInt64 = 0
    private var pending: UInt64 = 0
    private var count: UInt64 = 0

    @inline(__always)
    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        count &+= UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            push(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)), bytes: 8)
            offset += 8
        }
        if offset < bytes.count {
            var last: UInt64 = 0
            withUnsafeMutableBytes(of: &last) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset...])) }
            push(UInt64(littleEndian: last), bytes: UInt64(bytes.count - offset))
        }
    }

    /// Appends the low `bytes` bytes (1 to 8) of `value` to the pending ones, mixing in each
    /// eight as they fill.
    @inline(__always)
    private mutating func push(_ value: UInt64, bytes: UInt64) {
        word |= value << (8 * pending)
        let total = pending + bytes
        guard total >= 8 else {
            pending = total
            return
        }
        hash = StreamFingerprint.mix(hash ^ word)
        word = value >> (8 * (8 - pending))  // 0 when none was pending (a shift by 64)
        pending = total - 8
    }

    @inline(__always)
    mutating func add(_ text: String) {
        text.withRawUTF8 { add($0) }
    }

    @inline(__always)
    func finish() -> UInt64 { StreamFingerprint.mix(hash ^ word ^ (count &* 0xC2B2_AE3D_27D4_EB4F)) }
}

extension String {
    /// Calls `body` with the string's UTF-8 bytes, where they lie when the string is stored
    /// contiguously (a native string), else copied (the store's stream names and ids).
    func withRawUTF8<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) { return result }
        return try Array(utf8).withUnsafeBytes(body)
    }
}
