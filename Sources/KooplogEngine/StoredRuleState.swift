import Foundation
import KooplogDomain
import KooplogStore

/// The rule state kept in the `state` database, read and written inside the append's write
/// transaction, so two writers can never both pass a check only one may pass. Reads are cached
/// for the batch; writes are buffered and flushed before commit.
struct StoredRuleState: RuleState {
    private enum Slot {
        case value(any Sendable)
        case absent
    }

    private let txn: UnsafeMutablePointer<Transaction>
    private let database: Database
    private let log: EventLog
    private var cache: [String: Slot] = [:]
    private var dirty: Set<String> = []

    init(txn: UnsafeMutablePointer<Transaction>, database: Database, log: EventLog) {
        self.txn = txn
        self.database = database
        self.log = log
    }

    func load<T: Codable & Sendable>(_ key: String, as type: T.Type) throws -> T? {
        if let slot = cache[key] {
            switch slot {
            case .value(let value): return value as? T
            case .absent: return nil
            }
        }
        guard let bytes = try txn.pointee.get(database, Array(key.utf8)) else { return nil }
        return try StateCodec.decode(T.self, from: bytes, key: key)
    }

    mutating func store<T: Codable & Sendable>(_ key: String, _ value: T?) throws {
        cache[key] = value.map { .value($0) } ?? .absent
        dirty.insert(key)
    }

    func recordedEvent(_ seq: UInt64) throws -> RecordedEvent? {
        guard let record = try log.record(seq, txn.pointee) else { return nil }
        return try RecordedEvent.decode(seq: seq, payload: record.payload)
    }

    /// Writes the buffered changes into the transaction.
    mutating func flush() throws {
        for key in dirty.sorted() {
            let keyBytes = Array(key.utf8)
            switch cache[key] {
            case .value(let value)?:
                try txn.pointee.put(database, keyBytes, try StateCodec.encode(value))
            case .absent?, nil:
                try txn.pointee.delete(database, keyBytes)
            }
        }
        dirty.removeAll()
    }
}

/// JSON for the small state records (sorted keys, so equal states have equal bytes).
enum StateCodec {
    // One encoder and decoder for the process: making them costs more than using them. Their
    // options never change after this, and Kooplog encodes from one thread at a time.
    nonisolated(unsafe) private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
    nonisolated(unsafe) private static let decoder = JSONDecoder()

    static func encode(_ value: any Sendable) throws -> [UInt8] {
        guard let encodable = value as? any Encodable else { preconditionFailure("state value is not Encodable") }
        return Array(try encoder.encode(encodable))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], key: String) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch {
            throw StoreError.integrity.with("state record \(key) does not decode: \(error)")
        }
    }
}
