import Foundation
public import KooplogDomain
public import KooplogStore

/// One event of an input, with where it stood.
public struct InputItem: Sendable {
    public var value: JSON
    /// The line the event starts on, when the input was text.
    public var line: Int?

    public init(_ value: JSON, line: Int? = nil) {
        self.value = value
        self.line = line
    }
}

/// An input of events parsed where it lies (`Ledger.parseInput`): the bytes, their tape, and
/// each event's first node with the line it starts on.
public struct ParsedInput {
    public let bytes: [UInt8]
    let tape: JSONTape
    let documents: [(node: Int, line: Int)]

    public var count: Int { documents.count }
}

/// What an append did with one event.
public struct AppendResult: Sendable, Equatable {
    public var seq: UInt64
    public var hash: Digest
    public var id: String?
    public var type: String
    /// The `id` already existed: nothing was appended; `seq` is the existing event's.
    public var duplicate: Bool

    /// `JSONWriter.canonical(json)`, written directly.
    public var canonicalJSON: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        writeCanonicalJSON(into: &out)
        return out
    }

    /// Appends `canonicalJSON` to `out` (an import prints one per event, into one buffer).
    public func writeCanonicalJSON(into out: inout [UInt8]) {
        func literal(_ text: StaticString) { JSONWriter.append(text, to: &out) }
        literal(duplicate ? #"{"duplicate":true,"hash":""# : #"{"hash":""#)
        hash.appendHex(to: &out)
        literal(#"","id":"#)
        if let id { JSONWriter.writeString(id, into: &out) } else { literal("null") }
        literal(#","seq":"#)
        JSONWriter.digits(seq, into: &out)
        literal(#","type":"#)
        JSONWriter.writeString(type, into: &out)
        out.append(UInt8(ascii: "}"))
    }

    public var json: JSON {
        var object = JSONObject([("seq", .number(String(seq))), ("hash", .string(hash.hex)), ("type", .string(type))])
        object["id"] = id.map { .string($0) } ?? .null
        if duplicate { object["duplicate"] = .bool(true) }
        return .object(object)
    }
}

/// How to append.
public struct AppendOptions: Sendable {
    /// Who records (`--actor`, `$KOOPLOG_ACTOR`, login name).
    public var actor: String
    /// Refuse unless the head is at this seq (optimistic concurrency).
    public var expectedHead: UInt64?
    /// Refuse unless this stream holds exactly this many events.
    public var expectedStream: (name: String, version: Int)?
    /// Validate and show, store nothing.
    public var dryRun: Bool

    public init(actor: String, expectedHead: UInt64? = nil, expectedStream: (name: String, version: Int)? = nil, dryRun: Bool = false) {
        self.actor = actor
        self.expectedHead = expectedHead
        self.expectedStream = expectedStream
        self.dryRun = dryRun
    }
}

/// A dry run ends by throwing this, so its transaction is aborted.
private struct DryRunFinished: Error {
    let results: [AppendResult]
}

extension Ledger {
    /// Parses an input (one object, an array, or NDJSON) into events with their lines.
    public static func parseInput(_ bytes: [UInt8]) throws(Refusal) -> ParsedInput {
        let parsed: (tape: JSONTape, documents: [(node: Int, line: Int)])
        do {
            parsed = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) in try JSONParser.parseDocumentTape(buffer) }
        } catch {
            throw Refusal(.malformedJSON, "line \(error.line), column \(error.column): \(error.problem)")
        }
        guard !parsed.documents.isEmpty else { throw Refusal(.missingField, "the input holds no events") }
        return ParsedInput(bytes: bytes, tape: parsed.tape, documents: parsed.documents)
    }

    /// Appends a parsed input atomically (see `append(_:options:)`); each event is decoded from
    /// the input's bytes where they lie. The input is let go once decoded, before the write
    /// transaction, so its memory serves the transaction's pages (a 100 000-event input and its
    /// tape are some 60 MiB).
    public func append(_ input: consuming ParsedInput, options: AppendOptions) throws -> [AppendResult] {
        let events = try input.bytes.withUnsafeBufferPointer { bytes in
            try input.tape.withDocument(bytes) { document in
                try decodeBatch(count: input.count, options: options) { (index) throws(Refusal) in
                    let value = document.value(at: input.documents[index].node)
                    do throws(Refusal) {
                        return try Event.decode(value)
                    } catch {
                        throw error.at(
                            EventPosition(index: index + 1, line: input.documents[index].line, type: value["type"]?.stringValue, id: value["id"]?.stringValue))
                    }
                }
            }
        }
        let lines = input.documents.map(\.line)
        _ = consume input
        return try append(events, lines: lines, options: options)
    }

    /// Appends a batch atomically: every event is decoded, checked against the rules and the
    /// ledger's state, chained and committed in one write transaction, or nothing is stored.
    /// Throws a `Refusal` (with the event's position) or a `StoreError`.
    public func append(_ items: [InputItem], options: AppendOptions) throws -> [AppendResult] {
        let events = try decodeBatch(count: items.count, options: options) { (index) throws(Refusal) in
            let item = items[index]
            do throws(Refusal) {
                return try Event.decode(item.value)
            } catch {
                let object = item.value.objectValue
                throw error.at(EventPosition(index: index + 1, line: item.line, type: object?["type"]?.stringValue, id: object?["id"]?.stringValue))
            }
        }
        return try append(events, lines: items.map(\.line), options: options)
    }

    /// Checks a batch's size and actor, then decodes its events: a large batch in chunks on the
    /// workers (decoding reads the input and nothing else, before the write transaction), the
    /// chunks joined in input order; the first refusal in input order is thrown.
    private func decodeBatch(count: Int, options: AppendOptions, _ decode: (Int) throws(Refusal) -> Event) throws(Refusal) -> [Event] {
        guard count <= Limits.batchEventsMax else {
            throw Refusal(.tooLarge, "\(count) events in one append; at most \(Limits.batchEventsMax)")
        }
        try checkActor(options.actor)
        let size = Limits.decodeChunkEvents
        let workers = Workers.count
        guard count > size, workers > 1 else {
            var events: [Event] = []
            events.reserveCapacity(count)
            for index in 0..<count { events.append(try decode(index)) }
            return events
        }
        // Each chunk's events are decoded into its own part of the one array (no second copy of
        // the batch); a chunk stops at its first refusal and reports how many it decoded.
        let ranges = stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
        do {
            return try [Event](unsafeUninitializedCapacity: count) { buffer, initialized in
                let base = buffer.baseAddress!
                let outcomes = try Workers.map(ranges, workers: workers) { range, _ -> (decoded: Int, refusal: Refusal?) in
                    for index in range {
                        do throws(Refusal) {
                            (base + index).initialize(to: try decode(index))
                        } catch {
                            return (index - range.lowerBound, error)
                        }
                    }
                    return (range.count, nil)
                }
                if let refusal = outcomes.lazy.compactMap(\.refusal).first {
                    for (range, outcome) in zip(ranges, outcomes) { (base + range.lowerBound).deinitialize(count: outcome.decoded) }
                    initialized = 0
                    throw refusal
                }
                initialized = count
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            preconditionFailure("decoding a chunk returns its refusal, it does not throw: \(error)")
        }
    }

    /// Appends decoded events (see `append(_:options:)`).
    public func append(_ events: [Event], lines: [Int?]? = nil, options: AppendOptions) throws -> [AppendResult] {
        let recordedAt = Timestamp.format(secondsSince1970: clock.now())
        do {
            return try environment.write(reserving: Limits.reservedBytesPerEvent * events.count) { txn in
                let results = try appendInTransaction(events, lines: lines, options: options, recordedAt: recordedAt, &txn)
                if options.dryRun { throw DryRunFinished(results: results) }
                return results
            }
        } catch let finished as DryRunFinished {
            return finished.results
        }
    }

    private func appendInTransaction(
        _ events: [Event], lines: [Int?]?, options: AppendOptions, recordedAt: String, _ txn: inout Transaction
    ) throws -> [AppendResult] {
        var head = try log.checkedHead(txn)
        if let expected = options.expectedHead, expected != head.seq {
            throw Refusal(
                .conflict,
                "the ledger's head is at seq \(head.seq), not \(expected) as expected: another writer got there first; look at the new events and try again")
        }
        if let stream = options.expectedStream {
            let version = try log.streamVersion(stream.name, txn)
            if version != stream.version {
                throw Refusal(.conflict, "stream \(stream.name) holds \(version) events, not \(stream.version) as expected: another writer got there first")
            }
        }
        return try withUnsafeMutablePointer(to: &txn) { pointer in
            var state = StoredRuleState(txn: pointer, database: stateDatabase, log: log, forms: decodedDatabase)
            state.beginBatch(events, recorded: recordedAt, by: options.actor, first: head.seq + 1)
            var results: [AppendResult] = []
            results.reserveCapacity(events.count)
            var batchIDs: [String: Int] = [:]
            var pending = PendingWrites()
            pending.forms.reserveCapacity(events.count)
            for (index, event) in events.enumerated() {
                // A large batch looks up rule state and indexes all over the file: drop the mapped
                // pages read now and then (the transaction's own changes are in its dirty pages).
                if Limits.memoryCheckDue(afterWrite: index) { releaseAppendPagesOverBudget() }
                func place() -> EventPosition { EventPosition(index: index + 1, line: lines?[index], type: event.type, id: event.id) }
                if let id = event.id {
                    if let existing = try log.sequence(forID: id, pointer.pointee) {
                        guard let record = try log.record(existing, pointer.pointee) else {
                            throw StoreError.integrity.with("id \(id) points at missing seq \(existing)")
                        }
                        // The index is checked where it is read: the event it names carries the id.
                        let carried = try? RecordedEvent.decode(seq: existing, payload: record.payload).event.id
                        guard carried == id else {
                            let what = carried.map { "id \($0)" } ?? "no id"
                            throw StoreError.integrity.with("the ids index maps \(id) to seq \(existing), whose event carries \(what)")
                        }
                        results.append(AppendResult(seq: existing, hash: record.hash, id: id, type: event.type, duplicate: true))
                        continue
                    }
                    if let earlier = batchIDs[id] {
                        var again = results[earlier]
                        again.duplicate = true
                        results.append(again)
                        continue
                    }
                }
                let seq = head.seq + 1
                do {
                    try RuleBook.apply(event, seq: seq, to: &state)
                } catch let refusal as Refusal {
                    throw refusal.at(place())
                }
                let recorded = RecordedEvent(seq: seq, recorded: recordedAt, by: options.actor, event: event)
                head = try store(recorded, payload: recorded.payload, after: head, pending: &pending, &pointer.pointee)
                state.stored(batchIndex: index)
                if let id = event.id { batchIDs[id] = results.count }
                results.append(AppendResult(seq: seq, hash: head.hash, id: event.id, type: event.type, duplicate: false))
            }
            try finishBatch(head, pending, state: &state, &pointer.pointee)
            return results
        }
    }

    /// Stores an accepted event's record in the log and adds what is left to write (its streams,
    /// its decoded form: `streams` and `form` when made already) to `pending`. Returns the new head;
    /// `finishBatch` writes it, the streams, the forms and the rule state's changes when the batch
    /// is done.
    func store(
        _ recorded: RecordedEvent, payload: [UInt8], form: [UInt8]? = nil, streams: [String]? = nil,
        hashed: (seq: UInt64, prev: Digest, hash: Digest)? = nil, after head: LogHead, pending: inout PendingWrites, _ txn: inout Transaction
    ) throws -> LogHead {
        let record = PendingRecord(payload: payload, id: recorded.event.id, streams: streams ?? recorded.event.streams, hashed: hashed)
        let newHead = try log.append(record, after: head, &txn, batch: &pending.log)
        if decodedDatabase != nil { pending.forms.append((recorded.seq, form ?? recorded.decodedForm)) }
        return newHead
    }

    /// Completes a batch of `store` calls in their transaction: the log's streams and head, the
    /// decoded forms and the rule state's changes, each written once, in key order.
    func finishBatch(_ head: LogHead, _ pending: PendingWrites, state: inout StoredRuleState, _ txn: inout Transaction) throws {
        try log.finish(pending.log, head: head, &txn, release: releaseAppendPagesOverBudget)
        try storeDecoded(pending.forms, &txn)
        try state.flush(release: releaseAppendPagesOverBudget)
    }

    /// An append's memory check: over the budget, its mapped pages are dropped once they exceed
    /// `Limits.appendMappedBytesFloor` (see there).
    func releaseAppendPagesOverBudget() { environment.releaseMappedPagesOverBudget(floor: Limits.appendMappedBytesFloor) }

    private func checkActor(_ actor: String) throws(Refusal) {
        let bytes = Array(actor.utf8)
        guard !bytes.isEmpty, bytes.count <= 64, bytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) else {
            throw Refusal(.invalidValue, field: "--actor", "who records must be 1–64 printable characters")
        }
    }
}

/// What a batch of `Ledger.store` calls leaves for `finishBatch` to write.
struct PendingWrites {
    /// The log's streams: kept as the records are stored, or indexed ahead (`AppendBatch.indexed`).
    var log = AppendBatch()
    var forms: [(seq: UInt64, form: [UInt8])] = []
}
