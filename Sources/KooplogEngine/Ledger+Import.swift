import Foundation
import Glibc
import KooplogDomain
public import KooplogStore

// `kooplog import`: a new ledger built from an export (`kooplog export`, one stored envelope with
// its `seq`, `prev` and `hash` per line). The export is read in blocks of whole lines, so memory
// holds one block and its events, never the file; each block's lines are decoded on the workers
// (JSON, the typed event, the payload to store and its hash), then stored in one write
// transaction, every event checked against the rules and chained as an append does. Each hash
// must equal the exported one, and the final head the exported head.

/// What an import did.
public struct ImportReport: Sendable {
    public var events: UInt64
    public var head: LogHead
}

extension Ledger {
    /// Builds a new ledger at `directory` from the export read from `descriptor` to its end (a
    /// file, or standard input). On any refusal the new ledger is removed.
    public static func importNDJSON(from descriptor: Int32, into directory: String, progress: ((UInt64) -> Void)? = nil) throws -> ImportReport {
        try importNDJSON(ExportReader(descriptor: descriptor), into: directory, progress: progress)
    }

    /// Builds a new ledger at `directory` from an export in memory (see `importNDJSON(from:)`).
    public static func importNDJSON(_ bytes: [UInt8], into directory: String, progress: ((UInt64) -> Void)? = nil) throws -> ImportReport {
        try importNDJSON(ExportReader(bytes: bytes), into: directory, progress: progress)
    }

    static func importNDJSON(_ reader: ExportReader, into directory: String, progress: ((UInt64) -> Void)?) throws -> ImportReport {
        let existed = FileManager.default.fileExists(atPath: directory)
        let ledger = try Ledger.create(at: directory)
        // The next block is read and decoded on another thread while this one is stored.
        let source = ExportSource(reader)
        var upcoming: Background<DecodedBlock?>? = Background { try source.next() }
        do {
            var head = LogHead.empty
            // The lines stored last, freed by the read-ahead thread before it reads on: freeing
            // tens of thousands of events' arrays and strings had been ~7 % of the writer's time.
            var stored = StoredLines(nil)
            while let decoding = upcoming, let block = try decoding.result() {
                let spent = stored
                upcoming =
                    block.refusal == nil
                    ? Background {
                        spent.free()
                        return try source.next()
                    } : nil
                if !block.lines.isEmpty {
                    head = try ledger.importBatch(block.lines, streams: block.streams, after: head)
                    progress?(head.seq)
                }
                if let refusal = block.refusal { throw refusal }
                stored = StoredLines(block)
            }
            guard head.seq > 0 else { throw Refusal(.missingField, "the export holds no events") }
            return ImportReport(events: head.seq, head: try ledger.head())
        } catch {
            _ = try? upcoming?.result()  // the read ahead ends before the files go
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

    /// Decodes a block's lines (blank lines skipped) on the workers, in chunks, joined in line
    /// order: the lines before the first refusal, and that refusal.
    static func decodeExported(_ block: ExportBlock) throws -> DecodedBlock {
        var starts: [(line: Int, range: Range<Int>)] = []
        block.bytes.withUnsafeBytes { bytes in
            var start = 0
            var line = block.firstLine
            while start < bytes.count {
                let end = ExportReader.firstNewline(in: UnsafeRawBufferPointer(rebasing: bytes[start...])).map { start + $0 } ?? bytes.count
                if bytes[start..<end].contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) { starts.append((line, start..<end)) }
                line += 1
                start = end + 1
            }
        }
        let size = Limits.decodeChunkEvents
        let chunks = stride(from: 0, to: starts.count, by: size).map { $0..<min($0 + size, starts.count) }
        let outputs = try block.bytes.withUnsafeBufferPointer { bytes in
            try Workers.map(chunks, workers: Workers.count) { chunk, _ -> (lines: [ExportedLine], streams: StreamEntries, refusal: Refusal?) in
                var lines: [ExportedLine] = []
                lines.reserveCapacity(chunk.count)
                var streams = StreamEntries()
                for (line, range) in starts[chunk] {
                    let exported: ExportedLine
                    do throws(Refusal) {
                        exported = try ExportedLine.decode(UnsafeBufferPointer(rebasing: bytes[range]), line: line)
                    } catch {
                        return (lines, streams, error)
                    }
                    // Its stream entries, named from their parts (no string per name).
                    try exported.recorded.event.forEachStream { kind, first, second in
                        try streams.add(kind: kind, first, second, seq: exported.seq)
                    }
                    lines.append(exported)
                }
                return (lines, streams, nil)
            }
        }
        var (lines, streams) = ([ExportedLine](), StreamEntries())
        lines.reserveCapacity(starts.count)
        for output in outputs {
            lines += output.lines
            streams.append(output.streams)
            if let refusal = output.refusal { return DecodedBlock(lines: lines, streams: streams, refusal: refusal) }
        }
        return DecodedBlock(lines: lines, streams: streams, refusal: nil)
    }

    /// Stores decoded exported events after `after` in one write transaction: each must follow
    /// the head (its seq and prev), pass the rules, and be stored with the hash it was exported
    /// with.
    private func importBatch(_ lines: [ExportedLine], streams: AppendBatch, after: LogHead) throws -> LogHead {
        try environment.write(reserving: Limits.reservedBytesPerEvent * lines.count) { txn in
            var head = try log.checkedHead(txn)
            guard head == after else { throw StoreError.conflict.with("the ledger changed during the import") }
            return try withUnsafeMutablePointer(to: &txn) { pointer in
                var state = StoredRuleState(txn: pointer, database: stateDatabase, log: log, forms: decodedDatabase)
                state.beginBatch(lines, first: head.seq + 1)
                var pending = PendingWrites(log: streams)
                pending.forms.reserveCapacity(lines.count)
                for (index, exported) in lines.enumerated() {
                    if Limits.memoryCheckDue(afterWrite: index) { releaseAppendPagesOverBudget() }
                    let (line, seq) = (exported.line, exported.seq)
                    guard seq == head.seq + 1 else { throw Refusal(.invalidValue, field: "seq", "line \(line): expected seq \(head.seq + 1), found \(seq)") }
                    guard exported.prev == head.hash else {
                        throw Refusal(
                            .invalidValue, field: "prev",
                            "line \(line) (seq \(seq)): prev does not equal the hash of seq \(head.seq): the export's chain is broken")
                    }
                    do {
                        try exported.applyRules(seq: seq, to: &state)
                    } catch let refusal as Refusal {
                        throw Refusal(refusal.code, field: refusal.field, "line \(line) (seq \(seq), \(exported.recorded.event.type)): \(refusal.message)")
                    }
                    // The hash the decoding worker computed for this seq and prev (when the payload
                    // was the exported one) is stored without computing it again.
                    head = try exported.store(in: self, seq: seq, after: head, pending: &pending, &pointer.pointee)
                    guard head.hash == exported.hash else { throw ExportedLine.changed(line: line, seq: seq, hash: head.hash, exported: exported.hash) }
                    state.storedLine()
                }
                try finishBatch(head, pending, state: &state, &pointer.pointee)
                return head
            }
        }
    }
}

/// One line of an export, decoded: the event, the payload to store (canonical JSON), its decoded
/// form (docs/FORMAT.md), and the seq, prev and hash it was exported with. A class: the lines are
/// handed from chunk to block to the writer by reference (as a struct of a dozen counted fields,
/// its copies were 7 % of the profile's samples, though the import's time did not change
/// measurably).
final class ExportedLine {
    let line: Int
    let seq: UInt64
    let prev: Digest
    let hash: Digest
    let recorded: RecordedEvent
    let payload: [UInt8]
    /// `recorded.decodedForm`, made here on a worker rather than by the writer (and the line's
    /// stream entries are indexed on the worker too, `DecodedBlock.streams`).
    let form: [UInt8]
    /// Whether `hash` was computed here from `seq`, `prev` and `payload` (`RecordFormat.hash`):
    /// the payload the typed event writes is the exported one.
    let hashed: Bool

    /// Reads `bytes`, the line numbered `line`. The payload an export of Kooplog's holds is the
    /// one its typed event writes (the hash shows it, so the line is read once, as a tape);
    /// otherwise (an export another tool re-formatted, an event of an older schema version) it is
    /// the canonical JSON of the line's object without `seq`, `prev` and `hash`, and the event is
    /// decoded from that. The hash is checked where the event is stored, after its seq and prev.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws(Refusal) -> ExportedLine {
        let tape: JSONTape
        do {
            tape = try JSONParser.parseTape(bytes)
        } catch {
            throw Refusal(.malformedJSON, "line \(line): \(error.problem) (column \(error.column))")
        }
        return try tape.withDocument(bytes) { (document) throws(Refusal) -> ExportedLine in
            let value = document.value()
            guard value.kind == .object, let seqValue = value["seq"], seqValue.kind == .number, let seq = UInt64(seqValue.text),
                let prev = value["prev"].flatMap(ExportedLine.digest), let hash = value["hash"].flatMap(ExportedLine.digest)
            else {
                throw Refusal(.missingField, "line \(line): an exported event needs seq, prev and hash")
            }
            do throws(Refusal) {
                var recorded = try RecordedEvent.decode(seq: seq, exported: value)
                var payload = recorded.payload
                let hashed = payload.withUnsafeBytes { RecordFormat.hash(seq: seq, prev: prev, payload: $0) } == hash
                if !hashed {
                    var object = value.json.objectValue ?? JSONObject([])
                    for key in RecordedEvent.exportedKeys { object[key] = nil }
                    let canonical = JSONWriter.canonical(.object(object))
                    if canonical != payload {
                        recorded = try RecordedEvent.decode(seq: seq, payload: canonical)
                        payload = canonical
                    }
                }
                return ExportedLine(line: line, seq: seq, prev: prev, hash: hash, recorded: recorded, payload: payload, hashed: hashed)
            } catch {
                throw Refusal(error.code, field: error.field, "line \(line) (seq \(seq)): \(error.message)")
            }
        }
    }

    /// A digest written as 64 hex digits in a JSON string.
    private static func digest(_ value: JSONValue) -> Digest? { value.kind == .string ? Digest(hexDigits: value.bytes) : nil }

    private init(line: Int, seq: UInt64, prev: Digest, hash: Digest, recorded: RecordedEvent, payload: [UInt8], hashed: Bool) {
        self.line = line
        self.seq = seq
        self.prev = prev
        self.hash = hash
        self.recorded = recorded
        self.payload = payload
        self.hashed = hashed
        form = recorded.decodedForm
    }

    /// The refusal of an event whose hash is not the exported one.
    static func changed(line: Int, seq: UInt64, hash: Digest, exported: Digest) -> Refusal {
        Refusal(
            .invalidValue, field: "hash",
            "line \(line) (seq \(seq)): the event's hash is \(hash.hex), not \(exported.hex) as exported: the event was changed")
    }
}

extension ExportedLine {
    /// The rules applied to this line's event, read where the line holds it.
    func applyRules(seq: UInt64, to state: inout StoredRuleState) throws { try RuleBook.apply(recorded.event, seq: seq, to: &state) }

    /// This line stored by `ledger` (see `Ledger.store`).
    func store(in ledger: Ledger, seq: UInt64, after head: LogHead, pending: inout PendingWrites, _ txn: inout Transaction) throws -> LogHead {
        try ledger.store(recorded, payload: payload, form: form, streams: [], hashed: hashed ? (seq, prev, hash) : nil, after: head, pending: &pending, &txn)
    }
}

/// A block once stored, handed to the read-ahead thread to free.
final class StoredLines: @unchecked Sendable {
    private var block: DecodedBlock?
    init(_ block: DecodedBlock?) { self.block = block }
    func free() { block = nil }
}

/// A block's lines decoded: those before the first refusal, and that refusal; and their stream
/// entries, indexed on the workers that decode, not by the writer (the index's dictionary, its
/// sorting and freeing had been ~12 % of the writer's samples). The batch covers the seqs the
/// lines claim, first to last; the writer stores a line only at the seq after the head, so lines
/// whose seqs do not follow one another are refused before any entry of theirs is written.
struct DecodedBlock {
    let lines: [ExportedLine]
    let refusal: Refusal?
    let streams: AppendBatch

    init(lines: [ExportedLine], streams: StreamEntries, refusal: Refusal?) {
        self.lines = lines
        self.refusal = refusal
        if let first = lines.first?.seq, let last = lines.last?.seq, first <= last {
            self.streams = AppendBatch(indexed: streams, covering: first...last)
        } else {
            self.streams = AppendBatch()
        }
    }
}

/// The blocks of an export, each read and decoded in turn by one thread at a time (the import's
/// read-ahead thread, joined before the next starts).
final class ExportSource: @unchecked Sendable {
    private var reader: ExportReader

    init(_ reader: ExportReader) { self.reader = reader }

    /// The next block decoded; nil at the end.
    func next() throws -> DecodedBlock? {
        guard let block = try reader.next() else { return nil }
        return try Ledger.decodeExported(block)
    }
}

/// A run of whole lines of an export, and the number of its first line.
struct ExportBlock {
    let bytes: [UInt8]
    let firstLine: Int
}

/// Reads an export in blocks of whole lines of about `blockBytes`: a block ends after the last
/// newline it holds (the export's last line may have none), and a line longer than a block makes
/// its block as long as the line. A block from a file is read into an array made for it, with the
/// part line the block before left over in front (no zero-filling, no moving of what is left);
/// lines are counted and found with `memchr` (byte by byte in Swift they had been ~9 % of an
/// import's instructions, on its read-ahead thread).
struct ExportReader {
    static let blockBytes = 16 << 20
    private let descriptor: Int32?
    private let blockBytes: Int
    /// Read and not yet handed out: the bytes after the last block (from a file: the start of a
    /// line; in memory: the whole input, from `offset`).
    private var pending: [UInt8]
    private var offset = 0
    private var atEnd: Bool
    private var nextLine = 1

    /// Reads `descriptor` to its end (it stays open).
    init(descriptor: Int32, blockBytes: Int = ExportReader.blockBytes) {
        self.descriptor = descriptor
        self.blockBytes = max(1, blockBytes)
        pending = []
        atEnd = false
    }

    /// Hands out `bytes` in blocks.
    init(bytes: [UInt8], blockBytes: Int = ExportReader.blockBytes) {
        descriptor = nil
        self.blockBytes = max(1, blockBytes)
        pending = bytes
        atEnd = true
    }

    /// The next block; nil at the end.
    mutating func next() throws -> ExportBlock? {
        // A whole block's bytes first, so the block ends after the last newline within them.
        while !atEnd && pending.count - offset < blockBytes { try fill() }
        var scanned = 0  // bytes past the window known to hold no newline
        while true {
            let count = pending.count - offset
            let end: Int? = pending.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[offset...])
                let window = min(count, blockBytes)
                if let last = ExportReader.lastNewline(in: UnsafeRawBufferPointer(rebasing: bytes[..<window])) { return last + 1 }
                let from = max(window, scanned)
                if let first = ExportReader.firstNewline(in: UnsafeRawBufferPointer(rebasing: bytes[from...])) { return from + first + 1 }
                scanned = count
                return atEnd && count > 0 ? count : nil
            }
            if let end { return take(end) }
            if atEnd { return nil }
            try fill()
        }
    }

    /// Hands out the next `count` bytes as a block.
    private mutating func take(_ count: Int) -> ExportBlock {
        let bytes: [UInt8]
        if descriptor == nil {
            bytes = Array(pending[offset..<offset + count])
            offset += count
        } else {
            // The block keeps the array; what follows it (part of a line) starts the next one.
            var block = pending
            pending = Array(block[count...])
            block.removeLast(block.count - count)
            bytes = block
        }
        let block = ExportBlock(bytes: bytes, firstLine: nextLine)
        nextLine += bytes.withUnsafeBytes(ExportReader.newlines(in:))
        return block
    }

    /// Reads up to a block more after what is pending, into a new array; at the end of the input
    /// sets `atEnd`.
    private mutating func fill() throws {
        guard let descriptor else {
            atEnd = true
            return
        }
        let had = pending.count
        var reachedEnd = false
        pending = try [UInt8](unsafeUninitializedCapacity: had + blockBytes) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            pending.withUnsafeBytes { raw.copyMemory(from: $0) }
            initialized = had
            while initialized < buffer.count {
                let read = Glibc.read(descriptor, raw.baseAddress! + initialized, buffer.count - initialized)
                if read < 0 && errno == EINTR { continue }
                guard read >= 0 else { throw StoreError(code: errno, context: "read the export") }
                if read == 0 {
                    reachedEnd = true
                    break
                }
                initialized += read
            }
        }
        if reachedEnd { atEnd = true }
    }

    /// The offset of the last newline in `bytes`, or nil (searched from the end: a block's last
    /// newline is at most a line before it).
    static func lastNewline(in bytes: UnsafeRawBufferPointer) -> Int? { bytes.lastIndex(of: 0x0A) }

    /// The offset of the first newline in `bytes`, or nil.
    static func firstNewline(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, let hit = memchr(base, 0x0A, bytes.count) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// How many newlines `bytes` holds.
    static func newlines(in bytes: UnsafeRawBufferPointer) -> Int {
        var (count, at) = (0, 0)
        while at < bytes.count, let found = firstNewline(in: UnsafeRawBufferPointer(rebasing: bytes[at...])) {
            count += 1
            at += found + 1
        }
        return count
    }
}
