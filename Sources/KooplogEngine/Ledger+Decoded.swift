import KooplogDomain
import KooplogStore

// The `decoded` database (docs/FORMAT.md, "decoded"): seq → the event's decoded form, written in
// the transaction that appends the event. Derived data, like the read models: the log's canonical
// payload is the authority, `verify` checks every form against it, and `rebuild --full` reads the
// forms only when there is one for every seq (otherwise, or with `--from-log`, it decodes the log
// and writes the forms again).

extension Ledger {
    /// Stores the decoded forms of a transaction's appended events, after all its records: their
    /// pages are then allocated one after another, so a scan of the forms faults in pages of
    /// forms (the kernel maps 16 neighbouring pages with each fault; forms put between the
    /// records left every page of forms among pages of other databases, and a rebuild mapped 16
    /// times the bytes it read). Keys only grow, like the log's, so each is appended after the
    /// last; a form already there (left by a log that lost its last events) is replaced: derived
    /// data never stops a fact from being stored.
    func storeDecoded(_ forms: [(seq: UInt64, form: [UInt8])], _ txn: inout Transaction) throws {
        guard let decodedDatabase else { return }
        // Through one cursor: an append then starts from the last page, not from the root.
        var stale: [(seq: UInt64, form: [UInt8])] = []
        try txn.withPuts(decodedDatabase) { cursor in
            for (seq, form) in forms {
                do {
                    try withUnsafeBytes(of: seq.bigEndian) { key in try form.withUnsafeBytes { try cursor.put(key, $0, mode: .append) } }
                } catch let error as StoreError where error == .keyExists {
                    stale.append((seq, form))
                }
            }
        }
        for (seq, form) in stale { try txn.put(decodedDatabase, BigEndian.bytes(seq), form) }
    }

    /// Whether there is a decoded form for every seq 1…`head` and none after: as many forms as
    /// events and the last one at the head (keys are distinct, so that is every seq; the scan that
    /// reads them checks each key again).
    func decodedFormsComplete(through head: LogHead, _ txn: borrowing Transaction) throws -> Bool {
        guard let decodedDatabase else { return false }
        guard try txn.entries(decodedDatabase) == Int(head.seq) else { return false }
        guard head.seq > 0 else { return true }
        return try txn.last(decodedDatabase)?.key == BigEndian.bytes(head.seq)
    }

    /// One event from its decoded form; nil when there is none. A form that does not read is an
    /// integrity error.
    func decodedEvent(_ seq: UInt64, _ txn: borrowing Transaction) throws -> RecordedEvent? {
        guard let decodedDatabase else { return nil }
        return try txn.withValue(decodedDatabase, BigEndian.bytes(seq)) { raw in try Ledger.readDecoded(seq, raw) }
    }

    /// Reads a stored decoded form, or throws an integrity error naming the seq.
    static func readDecoded(_ seq: UInt64, _ raw: UnsafeRawBufferPointer) throws -> RecordedEvent {
        do {
            return try RecordedEvent.decode(seq: seq, decoded: raw)
        } catch {
            throw StoreError.integrity.with(
                "the decoded form of seq \(seq) does not read (\(error)); run kooplog verify, then kooplog rebuild --full --from-log")
        }
    }

    /// Replaces every decoded form with one derived from the log (`rebuild --full --from-log`,
    /// or a ledger whose forms are incomplete), in write transactions of
    /// `Limits.readChunkRecords` events; returns the events written.
    /// Events appended meanwhile store their own forms: the head is read where the forms are
    /// emptied, and the chunks are put in place (not appended after the last key).
    @discardableResult
    func deriveDecodedForms() throws -> UInt64 {
        guard let decodedDatabase else { return 0 }
        let head = try environment.write { txn in
            try txn.empty(decodedDatabase)
            return try log.checkedHead(txn)
        }
        var next: UInt64 = 1
        while next <= head.seq {
            let last = min(head.seq, next + UInt64(Limits.readChunkRecords) - 1)
            var forms: [([UInt8], [UInt8])] = []
            try environment.read { txn in
                try log.scan(from: next, to: last, txn) { view in
                    forms.append((BigEndian.bytes(view.seq), try Self.storedEvent(view).decodedForm))
                    return true
                }
            }
            guard forms.count == Int(last - next + 1) else {
                throw StoreError.integrity.with("the log holds \(forms.count) records in seq \(next)…\(last)")
            }
            try environment.write { txn in
                for (key, form) in forms { try txn.put(decodedDatabase, key, form) }
            }
            environment.releaseMappedPagesOverBudget()
            next = last + 1
        }
        return head.seq
    }
}
