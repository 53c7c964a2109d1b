import Foundation
import Glibc
import KooplogDomain
import KooplogStore

// Verify's decoded forms, spooled by replay group. The forms are keyed by seq, so each group's
// pass, reading its organisations' forms one seq after another, mapped pages of forms all over
// the file, and the memory budget dropped them again between groups: at 10^7 events (a hundred
// groups) that page traffic was half of verify's time. One pass in seq order copies every form
// into a temporary file of its group (the organisation the form names says which), and each
// group's replay (or a long full rebuild's) then reads its own file front to back with pread(2):
// no mapped pages, no searches. The same forms, read from elsewhere: a form the spool lacks (none
// stored, or one naming an organisation of another group) is looked up by its seq as before, so
// every finding is what it was.

/// One temporary file of forms per replay group: entries of seq (8 bytes), length (4 bytes) and
/// the form's bytes, in seq order.
final class FormSpool: @unchecked Sendable {
    private let files: [Int32]

    private init(files: [Int32]) { self.files = files }

    deinit { for file in files { close(file) } }

    /// Spools every form of `forms` in `txn` by the group of the organisation it names (a form
    /// naming none, or an organisation of no group, is left out). Nil when the temporary files
    /// cannot be made or written (no room in `$TMPDIR`): the replay then looks the forms up.
    static func make(groups: [[String]], forms: Database, _ txn: borrowing Transaction, release: () -> Void) -> FormSpool? {
        var group: [OrganisationBytes: Int] = [:]
        for (index, orgs) in groups.enumerated() {
            for org in orgs { group[OrganisationBytes(text: org)] = index }
        }
        raiseOpenFileLimit(toAtLeast: groups.count + 256)
        var files: [Int32] = []
        for _ in groups {
            guard let file = temporaryFile() else {
                for file in files { close(file) }
                return nil
            }
            files.append(file)
        }
        let spool = FormSpool(files: files)
        var buffers = [[UInt8]](repeating: [], count: groups.count)
        func flush(_ index: Int) -> Bool {
            defer { buffers[index].removeAll(keepingCapacity: true) }
            return buffers[index].withUnsafeBytes { writeAll(files[index], $0) }
        }
        var written = true
        var count = 0
        do {
            try txn.scan(forms) { key, value in
                count += 1
                if count % 256 == 0 { release() }
                guard key.count == 8, let org = RecordedEvent.organisation(ofDecoded: value), let index = group[OrganisationBytes(bytes: org)] else {
                    return true
                }
                withUnsafeBytes(of: BigEndian.uint64(key).littleEndian) { buffers[index].append(contentsOf: $0) }
                withUnsafeBytes(of: UInt32(value.count).littleEndian) { buffers[index].append(contentsOf: $0) }
                buffers[index].append(contentsOf: value)
                if buffers[index].count >= spoolBufferBytes { written = flush(index) }
                return written
            }
        } catch {
            return nil
        }
        for index in groups.indices where written { written = flush(index) }
        return written ? spool : nil
    }

    /// A reader of group `index`'s forms, from the start.
    func reader(_ index: Int) -> SpooledForms { SpooledForms(file: files[index]) }

    /// Bytes a group's forms gather before they are written out (a hundred groups at 10^7 events).
    private static let spoolBufferBytes = 64 << 10

    /// Raises the soft limit of open files to `count` (at most the hard limit) when it is lower:
    /// a file per group is a hundred at 10^7 events and a thousand at 10^8, where the usual soft
    /// limit of 1 024 would have left the spool to fall back on lookups. Best effort.
    static func raiseOpenFileLimit(toAtLeast count: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(count) else { return }
        limit.rlim_cur = min(limit.rlim_max, rlim_t(count))
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)  // best effort: the spool falls back on lookups
    }

    /// A file in `$TMPDIR` (or /tmp), unlinked at once: gone when closed, whatever happens.
    static func temporaryFile() -> Int32? {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(directory)/kooplog-verify-XXXXXX".utf8CString)
        let file = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard file >= 0 else { return nil }
        _ = fcntl(file, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return file
    }

    static func writeAll(_ file: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let wrote = write(file, bytes.baseAddress! + done, bytes.count - done)
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { return false }
            done += wrote
        }
        return true
    }
}

/// A group's spooled forms, read front to back (`pread`, so readers of different groups share
/// nothing); each `form(_:)` asks for a later seq than the one before.
final class SpooledForms {
    private let file: Int32
    private var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 8)
    /// The file's offset of `buffer[0]`.
    private var offset: off_t = 0
    private var start = 0
    private var end = 0
    private var atEnd = false
    /// The seqs passed so far and where their entries start in the file (`earlier`).
    private var passedSeqs: [UInt64] = []
    private var passedOffsets: [off_t] = []
    private var scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4_096, alignment: 8)

    fileprivate init(file: Int32) { self.file = file }

    deinit {
        buffer.deallocate()
        scratch.deallocate()
    }

    /// The form of a seq passed already (an earlier event of the group: a reversal's original),
    /// read again from the file (valid until the next call); nil when the group has none.
    func earlier(_ seq: UInt64) throws -> UnsafeRawBufferPointer? {
        var low = 0
        var high = passedSeqs.count
        while low < high {
            let middle = (low + high) / 2
            if passedSeqs[middle] < seq { low = middle + 1 } else { high = middle }
        }
        guard low < passedSeqs.count, passedSeqs[low] == seq else { return nil }
        guard try readFully(12, at: passedOffsets[low]) else { return nil }
        let length = Int(UInt32(littleEndian: scratch.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        guard try readFully(length, at: passedOffsets[low] + 12) else { return nil }
        return UnsafeRawBufferPointer(rebasing: scratch[..<length])
    }

    /// Reads `count` bytes at `position` into `scratch` (grown as needed); false at the file's end.
    private func readFully(_ count: Int, at position: off_t) throws -> Bool {
        if scratch.count < count {
            scratch.deallocate()
            scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        }
        var done = 0
        while done < count {
            let got = pread(file, scratch.baseAddress! + done, count - done, position + off_t(done))
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw StoreError(code: errno, context: "read verify's spooled forms") }
            if got == 0 { return false }
            done += got
        }
        return true
    }

    /// The form of `seq` (valid until the next call), or nil when the group has none: the forms
    /// before `seq` are passed over. Throws when the file cannot be read.
    func form(_ seq: UInt64) throws -> UnsafeRawBufferPointer? {
        while true {
            guard try fill(12) else { return nil }
            let entrySeq = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            let length = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: start + 8, as: UInt32.self)))
            if entrySeq > seq { return nil }
            guard try fill(12 + length) else { throw StoreError.integrity.with("verify's spooled forms end inside the form of seq \(entrySeq)") }
            passedSeqs.append(entrySeq)
            passedOffsets.append(offset + off_t(start))
            let at = start + 12
            start = at + length
            if entrySeq == seq { return UnsafeRawBufferPointer(rebasing: buffer[at..<at + length]) }
        }
    }

    /// Whether `count` bytes from `start` are in the buffer, reading more (and moving what is
    /// left to the front, growing the buffer for a long form) as needed.
    private func fill(_ count: Int) throws -> Bool {
        while end - start < count {
            if atEnd { return false }
            if start > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start)
                offset += off_t(start)
                end -= start
                start = 0
            }
            if buffer.count < count {
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
                larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
                buffer.deallocate()
                buffer = larger
            }
            let got = pread(file, buffer.baseAddress! + end, buffer.count - end, offset + off_t(end))
            if got < 0 {
                if errno == EINTR { continue }
                throw StoreError(code: errno, context: "read verify's spooled forms")
            }
            if got == 0 { atEnd = true }
            end += got
        }
        return true
    }
}

/// Verify's replayed rule-state records keyed by seq (`reversed/<seq>`, `postings/<seq>`), from
/// every organisation, gathered in an unlinked temporary file and compared with the stored ones at
/// the end, a chunk at a time in key order through one cursor. Looked up organisation by
/// organisation, one organisation's records lay all over their key range (at 10^7 events those
/// lookups were a third of verify's page faults). Entries: the pass (1 the first replay, 2 a
/// replay again), the kind, the seq, the organisation and the record's encoded value.
final class CrossRecordSpool: @unchecked Sendable {
    private let file: Int32
    private let lock = NSLock()
    /// Bytes of whole entries written; nothing is added after a write fails.
    private var length: off_t = 0
    private var failed = false

    init?() {
        guard let file = FormSpool.temporaryFile() else { return nil }
        self.file = file
    }

    deinit { close(file) }

    /// Adds one organisation's records of a replay pass. False when they could not be written: the
    /// caller compares them itself.
    func add(pass: UInt8, org: String, _ records: [(key: RuleKey, value: [UInt8])]) -> Bool {
        let orgBytes = Array(org.utf8)
        guard orgBytes.count <= Int(UInt8.max) else { return false }
        var entries: [UInt8] = []
        for (key, value) in records {
            guard let seq = key.seq else { return false }
            entries.append(pass)
            entries.append(key.kind.rawValue)
            withUnsafeBytes(of: seq.littleEndian) { entries.append(contentsOf: $0) }
            entries.append(UInt8(orgBytes.count))
            entries += orgBytes
            withUnsafeBytes(of: UInt32(value.count).littleEndian) { entries.append(contentsOf: $0) }
            entries += value
        }
        return lock.withLock {
            guard !failed else { return false }
            let wrote = entries.withUnsafeBytes { bytes in
                var done = 0
                while done < bytes.count {
                    let got = pwrite(file, bytes.baseAddress! + done, bytes.count - done, length + off_t(done))
                    if got < 0 && errno == EINTR { continue }
                    guard got > 0 else { return false }
                    done += got
                }
                return true
            }
            if wrote { length += off_t(entries.count) } else { failed = true }
            return wrote
        }
    }

    /// Calls `body(org, key, value)` for every record added, but those of the first pass of the
    /// organisations in `replayedAgain`, in chunks of up to `chunk` records each sorted by kind and
    /// seq (lookups in that order share leaf pages).
    func forEach(skippingFirstPassOf replayedAgain: Set<String>, chunk: Int = 65_536, _ body: (String, RuleKey, [UInt8]) throws -> Void) throws {
        var pending: [(order: (UInt8, UInt64), org: String, key: RuleKey, value: [UInt8])] = []
        func flush() throws {
            pending.sort { $0.order < $1.order }
            for record in pending { try body(record.org, record.key, record.value) }
            pending.removeAll(keepingCapacity: true)
        }
        // Read 4 MiB at a time; an entry cut by a block's end is completed by the next read.
        var block: [UInt8] = []
        var offset: off_t = 0
        var at = 0
        while true {
            /// The entry at `at` when it is whole in `block`: its bytes' end.
            func entryEnd() -> Int? {
                guard block.count - at >= 11 else { return nil }
                let orgCount = Int(block[at + 10])
                guard block.count - at >= 15 + orgCount else { return nil }
                let valueCount = block.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at + 11 + orgCount, as: UInt32.self))) }
                let end = at + 15 + orgCount + valueCount
                return end <= block.count ? end : nil
            }
            while let end = entryEnd() {
                let (pass, kind, orgCount) = (block[at], block[at + 1], Int(block[at + 10]))
                let seq = block.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: at + 2, as: UInt64.self)) }
                let org = String(decoding: block[(at + 11)..<(at + 11 + orgCount)], as: UTF8.self)
                let value = Array(block[(at + 15 + orgCount)..<end])
                at = end
                guard pass != 1 || !replayedAgain.contains(org) else { continue }
                let key: RuleKey = kind == RuleKey.Kind.reversal.rawValue ? .reversal(seq) : .postings(seq)
                pending.append(((kind, seq), org, key, value))
                if pending.count >= chunk { try flush() }
            }
            guard offset < length else { break }
            block.removeFirst(at)
            at = 0
            let want = Int(min(4 << 20, length - offset))
            let had = block.count
            block += [UInt8](repeating: 0, count: want)
            var done = 0
            while done < want {
                let got = block.withUnsafeMutableBytes { pread(file, $0.baseAddress! + had + done, want - done, offset + off_t(done)) }
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { throw StoreError(code: got < 0 ? errno : EIO, context: "read verify's spooled rule-state records") }
                done += got
            }
            offset += off_t(want)
        }
        guard at == block.count else { throw StoreError.integrity.with("verify's spooled rule-state records end inside a record") }
        try flush()
    }
}
