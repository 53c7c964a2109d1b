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

    /// Builds a record's bytes, computing its hash.
    static func encode(seq: UInt64, prev: Digest, payload: [UInt8]) -> (bytes: [UInt8], hash: Digest) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(payloadOffset + payload.count)
        bytes.append(contentsOf: prev.bytes)
        bytes.append(contentsOf: Digest.zero.bytes)
        bytes.append(version)
        bytes.append(contentsOf: BigEndian.bytes(seq))
        bytes.append(contentsOf: payload)
        let hash = bytes.withUnsafeBytes { raw in
            Digest.sha256(UnsafeRawBufferPointer(rebasing: raw[0..<32]), UnsafeRawBufferPointer(rebasing: raw[formatOffset...]))
        }
        bytes.replaceSubrange(hashOffset..<hashOffset + 32, with: hash.bytes)
        return (bytes, hash)
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

    /// SHA-256(prev ‖ bytes 64…end), the hash this record should carry.
    public func computedHash() -> Digest {
        Digest.sha256(prev, UnsafeRawBufferPointer(rebasing: raw[RecordFormat.formatOffset...]))
    }

    /// Copies the record out.
    public func copy() -> StoredRecord {
        StoredRecord(seq: seq, prev: Digest(uncheckedBytes: Array(prev)), hash: Digest(uncheckedBytes: Array(hash)), payload: Array(payload))
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

    public init(payload: [UInt8], id: String? = nil, streams: [String] = []) {
        self.payload = payload
        self.id = id
        self.streams = streams
    }
}
