public import KooplogDomain
public import KooplogStore

/// A stored event with its place in the chain.
public struct StoredEvent: Sendable, Equatable {
    public var recorded: RecordedEvent
    public var prev: Digest
    public var hash: Digest

    public var seq: UInt64 { recorded.seq }

    /// The stored envelope (SPEC.md §5 `log --format json`, `export`): the payload's fields plus
    /// `seq`, `prev` and `hash`.
    public var envelope: JSON {
        guard case .object(var object) = (try? JSONParser.parse(recorded.payload)) ?? .null else { return .null }  // payload is canonical JSON by construction
        object["seq"] = .number(String(seq))
        object["prev"] = .string(prev.hex)
        object["hash"] = .string(hash.hex)
        return .object(object)
    }
}

/// Which events to read.
public struct EventFilter: Sendable {
    public var from: UInt64 = 1
    public var to: UInt64 = .max
    public var org: OrgNumber?
    public var type: String?

    public init(from: UInt64 = 1, to: UInt64 = .max, org: OrgNumber? = nil, type: String? = nil) {
        self.from = from
        self.to = to
        self.org = org
        self.type = type
    }
}

extension Ledger {
    /// Calls `body` with each stored event matching `filter`, in sequence order, reading in
    /// chunks (a fresh read transaction per chunk). Stops when `body` returns false.
    public func forEachEvent(_ filter: EventFilter = EventFilter(), _ body: (StoredEvent) throws -> Bool) throws {
        let decode: (RecordView) throws -> StoredEvent = { view in
            let recorded = try RecordedEvent.decode(seq: view.seq, payload: view.payload)
            return StoredEvent(recorded: recorded, prev: Digest(bytes: view.prev)!, hash: Digest(bytes: view.hash)!)
        }
        if filter.org == nil && filter.type == nil {
            try log.forEach(in: environment, from: filter.from, to: filter.to) { view in try body(try decode(view)) }
            return
        }
        // Use the smaller stream index, then read those records.
        let seqs: [UInt64] = try environment.read { txn in
            var lists: [[UInt64]] = []
            if let org = filter.org { lists.append(try log.streamSequences("org:\(org.text)", txn)) }
            if let type = filter.type { lists.append(try log.streamSequences("type:\(type)", txn)) }
            var result = lists.min { $0.count < $1.count } ?? []
            for list in lists where list.count != result.count || list != result {
                let set = Set(list)
                result = result.filter { set.contains($0) }
            }
            return result.filter { $0 >= filter.from && $0 <= filter.to }
        }
        // Each event the indexes name is checked to be of the stream that named it.
        let named = { (stored: StoredEvent) throws -> StoredEvent in
            let event = stored.recorded.event
            if let org = filter.org, event.org != org {
                throw StoreError.integrity.with("the stream org:\(org.text) lists seq \(stored.seq), an event of \(event.org.text)")
            }
            if let type = filter.type, event.type != type {
                throw StoreError.integrity.with("the stream type:\(type) lists seq \(stored.seq), an event of type \(event.type)")
            }
            return stored
        }
        var index = 0
        while index < seqs.count {
            let chunk = seqs[index..<min(index + Limits.readChunkRecords, seqs.count)]
            var going = true
            try environment.read { txn in
                for seq in chunk {
                    let found = try txn.withValue(log.events, BigEndian.bytes(seq)) { raw in
                        going = try body(try named(try decode(RecordView(seq: seq, raw: raw))))
                        return true
                    }
                    if found != true { throw StoreError.integrity.with("a stream index lists seq \(seq), which the log does not hold") }
                    if !going { return }
                }
            }
            if !going { return }
            index += chunk.count
        }
    }

    /// The event a stored record's payload holds; a record that does not decode is an integrity
    /// error naming its seq (the paths that derive data from the log: forms, folds, indexes).
    static func storedEvent(_ view: RecordView) throws -> RecordedEvent {
        do {
            return try RecordedEvent.decode(seq: view.seq, payload: view.payload)
        } catch {
            throw StoreError.integrity.with("seq \(view.seq) does not decode; run kooplog verify")
        }
    }

    /// One stored event.
    public func event(_ seq: UInt64) throws -> StoredEvent? {
        var found: StoredEvent?
        try forEachEvent(EventFilter(from: seq, to: seq)) { event in
            found = event
            return false
        }
        return found
    }

    /// Recomputes the hash chain of the whole log (no decoding): the storage-level check.
    public func checkChain() throws -> ChainCheck {
        try log.checkChain(in: environment)
    }
}
