internal import CLMDB
import Crypto
import Glibc

/// A SHA-256 digest: 32 bytes, held inline as four words (no allocation: an import carries two
/// per line and every head one; as an array each was an allocation and its reference counting).
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    /// The first event's `prev`: 32 zero bytes.
    public static let zero = Digest()

    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    private init() {}

    /// The 32 bytes of `buffer` (exactly 32).
    init(unchecked buffer: UnsafeRawBufferPointer) {
        precondition(buffer.count == Digest.byteCount, "a digest is 32 bytes")
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: buffer) }
    }

    /// 32 bytes, or nil.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Digest.byteCount else { return nil }
        withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: bytes) }
    }

    /// The 32 bytes, in a new array.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 32 bytes (valid only inside `body`).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public static func == (lhs: Digest, rhs: Digest) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// 64 lowercase or uppercase hex digits, or nil.
    public init?(hex: some StringProtocol) { self.init(hexDigits: Array(hex.utf8)) }

    /// 64 lowercase or uppercase hex digits as UTF-8 bytes (read where they lie), or nil.
    public init?(hexDigits utf8: some RandomAccessCollection<UInt8>) {
        guard utf8.count == 64 else { return nil }
        var digest = Digest()
        let valid = withUnsafeMutableBytes(of: &digest.words) { out in
            utf8.withContiguousStorageIfAvailable { Digest.read(hexDigits: $0, into: out) }
                ?? Array(utf8).withUnsafeBufferPointer { Digest.read(hexDigits: $0, into: out) }
        }
        guard valid else { return nil }
        self = digest
    }

    /// Writes the 32 bytes 64 hex digits spell into `out`; false when a digit is not one: each
    /// digit looked up in a table (an import reads two digests per line).
    private static func read(hexDigits hex: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard hex.count == 64 else { return false }
        var invalid: UInt8 = 0
        nibbles.withUnsafeBufferPointer { nibbles in
            for index in 0..<32 {
                let high = nibbles[Int(hex[2 * index])]
                let low = nibbles[Int(hex[2 * index + 1])]
                invalid |= (high | low) & 0xF0
                out[index] = high << 4 | low & 0x0F
            }
        }
        return invalid == 0
    }

    /// Each byte's value as a hex digit, or 0xFF.
    private static let nibbles: [UInt8] = (0...255).map { nibble(UInt8($0)) ?? 0xFF }

    public var hex: String { String(decoding: hexBytes, as: UTF8.self) }

    /// The 64 lowercase hex digits as UTF-8 bytes.
    public var hexBytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64)
        appendHex(to: &out)
        return out
    }

    /// Appends the 64 lowercase hex digits to `out`.
    public func appendHex(to out: inout [UInt8]) {
        // Written into a buffer on the stack, then appended at once (one capacity check, not 64).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * Digest.byteCount) { hex in
            withUnsafeBytes { bytes in
                for (index, byte) in bytes.enumerated() {
                    hex[2 * index] = Digest.hexDigit(byte >> 4)
                    hex[2 * index + 1] = Digest.hexDigit(byte & 0x0f)
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(hex))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }

    public var description: String { hex }

    /// SHA-256 over the concatenation of `parts`.
    public static func sha256(_ parts: UnsafeRawBufferPointer...) -> Digest {
        var hasher = SHA256()
        for part in parts { hasher.update(bufferPointer: part) }
        // Copied as bytes (Array(digest) iterated the digest's sequence, ~500 instructions).
        return hasher.finalize().withUnsafeBytes { Digest(unchecked: $0) }
    }

    /// Whether SHA-256(`first` ‖ `second`) is `expected` (32 bytes), without a `Digest` or an
    /// array for the parts: the chain check asks it once per record.
    static func sha256(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, is expected: UnsafeRawBufferPointer) -> Bool {
        var hasher = SHA256()
        hasher.update(bufferPointer: first)
        hasher.update(bufferPointer: second)
        return hasher.finalize().withUnsafeBytes { Digest.same($0, expected) }
    }

    /// Whether `buffer` holds exactly these bytes.
    public func equals(_ buffer: UnsafeRawBufferPointer) -> Bool { withUnsafeBytes { Digest.same($0, buffer) } }

    /// Whether `digest` (32 bytes) and `buffer` hold the same bytes. memcmp: the chain check
    /// compares two digests per record (elementsEqual went byte by byte through the generic
    /// sequence, ~900 instructions a comparison).
    static func same(_ digest: UnsafeRawBufferPointer, _ buffer: UnsafeRawBufferPointer) -> Bool {
        buffer.count == 32 && memcmp(digest.baseAddress!, buffer.baseAddress!, 32) == 0
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// What the machine's CPU does for hashing.
public enum Hardware {
    /// Whether it has instructions for SHA-256 (x86's SHA extensions, ARMv8's SHA2), so that a
    /// SHA-256 pass over a payload costs about what comparing it with another does.
    public static let hashesSHA256 = kooplog_cpu_hashes_sha256() != 0
}

/// SHA-256 over a run of records' payloads, each as its seq (8 bytes, big-endian), its length
/// (8 bytes, big-endian) and its bytes. Verify's chain pass makes one per organisation from the
/// payloads stored in the log, and each organisation's replay one from the payloads its events'
/// decoded forms write: the two are equal exactly when every form writes its event's stored
/// payload, byte for byte (SHA-256 being collision-resistant, which the chain relies on already).
public struct PayloadDigest {
    private var hasher = SHA256()
    /// Payloads added.
    public private(set) var count = 0

    public init() {}

    public mutating func add(seq: UInt64, payload: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2) { header in
            header[0] = seq.bigEndian
            header[1] = UInt64(payload.count).bigEndian
            hasher.update(bufferPointer: UnsafeRawBufferPointer(header))
        }
        hasher.update(bufferPointer: payload)
        count += 1
    }

    /// The digest of the payloads added so far.
    public func finalize() -> Digest {
        hasher.finalize().withUnsafeBytes { Digest(unchecked: $0) }
    }
}

/// The head of the log: the last sequence and its hash (`0` and `Digest.zero` when empty).
public struct LogHead: Hashable, Sendable {
    public let seq: UInt64
    public let hash: Digest

    public init(seq: UInt64, hash: Digest) {
        self.seq = seq
        self.hash = hash
    }

    public static let empty = LogHead(seq: 0, hash: .zero)
}

/// LMDB's default order of keys: bytewise, then the shorter first. Writes that put many keys
/// through one cursor sort them this way first (each put then starts from the page the one before
/// left it on); the engine's rule-state flush sorts by the domain's `byteOrder`, the same order,
/// inlined.
public enum KeyOrder {
    public static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in precedes(x, y) } }
    }

    public static func precedes(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let common = min(x.count, y.count)
        let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
        return order != 0 ? order < 0 : x.count < y.count
    }
}

/// Big-endian `UInt64` keys, so LMDB's byte order is numeric order.
public enum BigEndian {
    public static func bytes(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
    public static func uint64(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
        precondition(buffer.count >= 8)
        var value: UInt64 = 0
        for index in 0..<8 { value = value << 8 | UInt64(buffer[index]) }
        return value
    }
    public static func uint64(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { uint64($0) } }
}
