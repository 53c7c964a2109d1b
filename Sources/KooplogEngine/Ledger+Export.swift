import Foundation
import KooplogDomain
public import KooplogStore

/// What an import did.
public struct ImportReport: Sendable {
    public var events: UInt64
    public var head: LogHead
}

extension Ledger {
    /// Writes every stored event as one canonical JSON envelope per line (`seq`, `prev`, `hash`
    /// added to the stored payload): a full, lossless copy of the log as text.
    public func exportNDJSON(_ write: ([UInt8]) throws -> Void, progress: ((UInt64) -> Void)? = nil) throws -> LogHead {
        var head = LogHead.empty
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        try log.forEach(in: environment) { view in
            guard case .object(var object) = try JSONParser.parse(Array(view.payload)) else {
                throw StoreError.integrity.with("payload of seq \(view.seq) is not a JSON object")
            }
            object["seq"] = .number(String(view.seq))
            object["prev"] = .string(Digest(bytes: view.prev)!.hex)
            object["hash"] = .string(Digest(bytes: view.hash)!.hex)
            JSONWriter.write(.object(object), into: &buffer)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                try write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
            head = LogHead(seq: view.seq, hash: Digest(bytes: view.hash)!)
            if view.seq % 65_536 == 0 { progress?(view.seq) }
            return true
        }
        if !buffer.isEmpty { try write(buffer) }
        return head
    }

    /// Builds a new ledger at `directory` from an export: every event is re-validated against the
    /// rules and re-chained from its original payload; each hash must equal the exported one, and
    /// the final head the exported head. On any refusal the new ledger is removed.
    public static func importNDJSON(_ bytes: [UInt8], into directory: String, progress: ((UInt64) -> Void)? = nil) throws -> ImportReport {
        let existed = FileManager.default.fileExists(atPath: directory)
        let ledger = try Ledger.create(at: directory)
        do {
            let report = try ledger.importLines(bytes, progress: progress)
            return report
        } catch {
            // The half-built ledger must not be mistaken for a good one: remove the files Kooplog
            // made, and the directory only if Kooplog made it too (never a user's directory).
            Ledger.removeLedgerFiles(in: directory, removeDirectory: !existed)
            throw error
        }
    }

    /// Removes `data.mdb`, `lock.mdb` and `writer.lock`, and the directory when asked and empty.
    static func removeLedgerFiles(in directory: String, removeDirectory: Bool) {
        let fileManager = FileManager.default
        for name in ["data.mdb", "lock.mdb", "writer.lock"] {
            try? fileManager.removeItem(atPath: directory + "/" + name)  // best effort: missing files are fine
        }
        if removeDirectory, (try? fileManager.contentsOfDirectory(atPath: directory))?.isEmpty == true {
            try? fileManager.removeItem(atPath: directory)  // only an empty directory Kooplog created
        }
    }

    private func importLines(_ bytes: [UInt8], progress: ((UInt64) -> Void)?) throws -> ImportReport {
        let batchMax = 50_000
        var pending: [(JSON, Int)] = []
        var expectedHead = LogHead.empty
        var lineNumber = 0
        var start = 0
        func flush() throws {
            guard !pending.isEmpty else { return }
            expectedHead = try importBatch(pending, after: expectedHead)
            progress?(expectedHead.seq)
            pending.removeAll(keepingCapacity: true)
        }
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            let line = bytes[start..<end]
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            do {
                pending.append((try JSONParser.parse(Array(line)), lineNumber))
            } catch {
                throw Refusal(.malformedJSON, "line \(lineNumber): \(error.problem) (column \(error.column))")
            }
            if pending.count >= batchMax { try flush() }
        }
        try flush()
        guard expectedHead.seq > 0 else { throw Refusal(.missingField, "the export holds no events") }
        return ImportReport(events: expectedHead.seq, head: try head())
    }

    /// Appends exported envelopes exactly as they were stored (same payload bytes, so same hashes).
    private func importBatch(_ lines: [(JSON, Int)], after: LogHead) throws -> LogHead {
        try environment.write { txn in
            var head = try log.checkedHead(txn)
            guard head == after else { throw StoreError.conflict.with("the ledger changed during the import") }
            return try withUnsafeMutablePointer(to: &txn) { pointer in
                var state = StoredRuleState(txn: pointer, database: stateDatabase, log: log, forms: decodedDatabase)
                var pending = PendingWrites()
                for (value, line) in lines {
                    guard case .object(var object) = value, case .number(let seqText)? = object["seq"], let seq = UInt64(seqText),
                        let hashText = object["hash"]?.stringValue, let exportedHash = Digest(hex: hashText),
                        let prevText = object["prev"]?.stringValue, let exportedPrev = Digest(hex: prevText)
                    else {
                        throw Refusal(.missingField, "line \(line): an exported event needs seq, prev and hash")
                    }
                    guard seq == head.seq + 1 else { throw Refusal(.invalidValue, field: "seq", "line \(line): expected seq \(head.seq + 1), found \(seq)") }
                    guard exportedPrev == head.hash else {
                        throw Refusal(
                            .invalidValue, field: "prev",
                            "line \(line) (seq \(seq)): prev does not equal the hash of seq \(head.seq): the export's chain is broken")
                    }
                    object["seq"] = nil
                    object["hash"] = nil
                    object["prev"] = nil
                    let payload = JSONWriter.canonical(.object(object))
                    let recorded: RecordedEvent
                    do {
                        recorded = try RecordedEvent.decode(seq: seq, payload: payload)
                    } catch let refusal as Refusal {
                        throw Refusal(refusal.code, field: refusal.field, "line \(line) (seq \(seq)): \(refusal.message)")
                    }
                    do {
                        try RuleBook.apply(recorded.event, seq: seq, to: &state)
                    } catch let refusal as Refusal {
                        throw Refusal(refusal.code, field: refusal.field, "line \(line) (seq \(seq), \(recorded.event.type)): \(refusal.message)")
                    }
                    head = try store(recorded, payload: payload, after: head, pending: &pending, &pointer.pointee)
                    guard head.hash == exportedHash else {
                        throw Refusal(
                            .invalidValue, field: "hash",
                            "line \(line) (seq \(seq)): the event's hash is \(head.hash.hex), not \(exportedHash.hex) as exported: the event was changed")
                    }
                }
                try finishBatch(head, pending, state: &state, &pointer.pointee)
                return head
            }
        }
    }
}
