internal import CLMDB

/// The stored bytes of one log record (docs/FORMAT.md, "events"):
///
/// ```
/// offset  size  field
///      0    32  prev     hash of the previous record (32 zero bytes for seq 1)
///     32    32  hash     SHA-256(prev ‖ bytes 64…end)
///     64     1  format   record format, 1
///     65     8  seq      the sequence, big-endian (equals the key)
///     73     …  payload  the event (for Kooplog: canonical JSON, UTF-8)
/// ```
public enum RecordFormat {
    public static let version: UInt8 = 1
    public static let prevOffset = 0
    public static let hashOffset = 32
    public static let formatOffset = 64
    public static let seqOffset = 65
    public static let payloadOffset = 73

    /// Writes a record into `bytes` (exactly `payloadOffset + payload.count` of them: the room
    /// LMDB reserved for it in its page) and returns its hash, which it also carries.
    /// `hashed` is the hash when the caller computed it already (`RecordFormat.hash` of this
    /// seq, prev and payload, on another thread).
    static func write(seq: UInt64, prev: Digest, payload: [UInt8], hashed: Digest? = nil, into bytes: UnsafeMutableRawBufferPointer) -> Digest {
        precondition(bytes.count == payloadOffset + payload.count, "a record's room is its header and payload")
        prev.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[prevOffset..<hashOffset]).copyMemory(from: $0) }
        bytes[formatOffset] = version
        bytes.storeBytes(of: seq.bigEndian, toByteOffset: seqOffset, as: UInt64.self)
        payload.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[payloadOffset...]).copyMemory(from: $0) }
        // SHA-256(prev ‖ bytes 64…end): the hash's own bytes are not hashed, and go in last.
        let record = UnsafeRawBufferPointer(bytes)
        let hash =
            hashed
            ?? Digest.sha256(UnsafeRawBufferPointer(rebasing: record[prevOffset..<hashOffset]), UnsafeRawBufferPointer(rebasing: record[formatOffset...]))
        hash.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[hashOffset..<formatOffset]).copyMemory(from: $0) }
        return hash
    }

    /// The hash a record of `payload` at `seq` after `prev` carries, without writing the record:
    /// SHA-256(prev ‖ format ‖ be64(seq) ‖ payload), as `write` makes it.
    public static func hash(seq: UInt64, prev: Digest, payload: UnsafeRawBufferPointer) -> Digest {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 9) { header in
            header[0] = version
            UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(header)[1...]).storeBytes(of: seq.bigEndian, as: UInt64.self)
            return prev.withUnsafeBytes { Digest.sha256($0, UnsafeRawBufferPointer(header), payload) }
        }
    }
}

/// A view of one stored record; its buffers are valid only inside the closure that received it.
public struct RecordView {
    /// The key's sequence.
    public let seq: UInt64
    /// The whole stored value.
    public let raw: UnsafeRawBufferPointer

    public init(seq: UInt64, raw: UnsafeRawBufferPointer) {
        self.seq = seq
        self.raw = raw
    }

    public var prev: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: raw[0..<32]) }
    public var hash: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: raw[32..<64]) }
    public var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: raw[RecordFormat.payloadOffset...]) }
    public var isWellFormed: Bool { raw.count >= RecordFormat.payloadOffset && raw[RecordFormat.formatOffset] == RecordFormat.version }
    public var embeddedSeq: UInt64 { BigEndian.uint64(UnsafeRawBufferPointer(rebasing: raw[RecordFormat.seqOffset..<RecordFormat.payloadOffset])) }

    /// Asks the CPU to fetch the payload's bytes into its caches while other work goes on (a
    /// hint: no page fault, nothing read). Verify's byte-for-byte replay asks this as it finds a
    /// record, before it looks up and decodes the event's form, so the payload match that follows
    /// (the first touch of those bytes, a cache miss per 64 of them) finds them there.
    public func prefetchPayload() {
        guard let base = raw.baseAddress else { return }
        kooplog_prefetch(base + RecordFormat.payloadOffset, raw.count - RecordFormat.payloadOffset)  // none for a short record
    }

    /// Whether the record carries the hash it should, SHA-256(prev ‖ bytes 64…end) (computed and
    /// compared without a copy).
    var hashIsComputed: Bool {
        Digest.sha256(prev, UnsafeRawBufferPointer(rebasing: raw[RecordFormat.formatOffset...]), is: hash)
    }

    /// Copies the record out.
    public func copy() -> StoredRecord {
        StoredRecord(seq: seq, prev: Digest(unchecked: prev), hash: Digest(unchecked: hash), payload: Array(payload))
    }
}

/// One stored record, copied out of the store.
public struct StoredRecord: Hashable, Sendable {
    public let seq: UInt64
    public let prev: Digest
    public let hash: Digest
    public let payload: [UInt8]
}

/// What a writer hands the log: the payload, its idempotency key and the streams it belongs to.
public struct PendingRecord: Sendable {
    public var payload: [UInt8]
    public var id: String?
    public var streams: [String]
    /// The record's hash, when the caller computed it already (`RecordFormat.hash`, e.g. on an
    /// import's decoding workers), with the seq and prev it computed it for: the log stores it
    /// only when they are the seq and prev the record gets, and computes the hash otherwise.
    public var hashed: (seq: UInt64, prev: Digest, hash: Digest)?

    public init(payload: [UInt8], id: String? = nil, streams: [String] = [], hashed: (seq: UInt64, prev: Digest, hash: Digest)? = nil) {
        self.payload = payload
        self.id = id
        self.streams = streams
        self.hashed = hashed
    }
}
