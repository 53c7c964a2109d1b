import Foundation
import KooplogDomain
import KooplogStore
import KooplogSynthetic
import KooplogTestSupport
import Testing

@testable import KooplogEngine

/// An export of a ledger of `count` synthetic events (several organisations, reversals among them).
private func syntheticExport(_ directory: TemporaryDirectory, count: Int) throws -> (bytes: [UInt8], head: LogHead) {
    let ledger = try makeEngineLedger(directory, register: false)
    var all: [JSON] = []
    SyntheticLedger(seed: 21, orgs: 3, years: 2).generate(count: count) { all.append($0) }
    try appendAll(ledger, all)
    var bytes: [UInt8] = []
    let head = try ledger.exportNDJSON { bytes += $0 }
    return (bytes, head)
}

/// Every stream of a ledger's index (SPEC.md's kinds), with its seqs.
private func streamIndex(_ ledger: Ledger) throws -> [String: [UInt64]] {
    try ledger.environment.read { txn in
        let kinds = ["org:", "type:", "member:", "board:", "person:", "invoice:", "bill:", "grant:", "reversal:"]
        let names = try kinds.flatMap { try ledger.log.streams(withPrefix: $0, txn).map(\.name) }
        return Dictionary(uniqueKeysWithValues: try names.map { ($0, try ledger.log.streamSequences($0, txn)) })
    }
}

private func lines(_ bytes: [UInt8]) -> [[UInt8]] { bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init) }

private func refusal(importing bytes: [UInt8], blockBytes: Int, into path: String) -> Refusal? {
    refusal(of: { try Ledger.importNDJSON(ExportReader(bytes: bytes, blockBytes: blockBytes), into: path, progress: nil) })
}

@Suite("Importing an export")
struct ImportTests {
    @Test("the export is read in blocks of whole lines: every line once, in order, numbered, whatever the block size")
    func blocks() throws {
        let text = Array("{\"a\":1}\n\n{\"b\":\"\(String(repeating: "x", count: 100))\"}\n  \n{\"c\":3}".utf8)
        for blockBytes in [1, 2, 7, 16, 64, 1 << 20] {
            var reader = ExportReader(bytes: text, blockBytes: blockBytes)
            var joined: [UInt8] = []
            var firstLines: [Int] = []
            while let block = try reader.next() {
                #expect(!block.bytes.isEmpty)
                #expect(block.bytes.last == 0x0A || joined.count + block.bytes.count == text.count, "a block ends after a newline, but the last")
                #expect(block.firstLine == joined.filter { $0 == 0x0A }.count + 1)
                firstLines.append(block.firstLine)
                joined += block.bytes
            }
            #expect(joined == text, "block size \(blockBytes)")
            #expect(firstLines == firstLines.sorted())
        }
    }

    @Test("a file is read through its descriptor as the bytes are: the same blocks")
    func descriptor() throws {
        let directory = TemporaryDirectory()
        let (bytes, _) = try syntheticExport(directory, count: 300)
        let path = directory.file("export.ndjson")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var fromFile = ExportReader(descriptor: descriptor, blockBytes: 4_096)
        var fromBytes = ExportReader(bytes: bytes, blockBytes: 4_096)
        var sizes: [Int] = []
        while let block = try fromFile.next() {
            let other = try #require(try fromBytes.next())
            #expect(block.bytes == other.bytes && block.firstLine == other.firstLine)
            sizes.append(block.bytes.count)
        }
        #expect(try fromBytes.next() == nil)
        #expect(sizes.count > 10)
        // Every block but the last is full: it ends after the last newline of its 4 096 bytes.
        let longestLine = bytes.split(separator: 0x0A).map(\.count).max() ?? 0
        #expect(sizes.dropLast().allSatisfy { $0 > 4_096 - longestLine - 1 && $0 <= 4_096 })
    }

    @Test("an import in many small blocks builds the same ledger, which verifies")
    func smallBlocks() throws {
        let directory = TemporaryDirectory()
        let (bytes, head) = try syntheticExport(directory, count: 600)
        let streams = try streamIndex(Ledger.open(at: directory.file("ledger")))
        #expect(streams.count > 100 && streams.keys.contains { $0.hasPrefix("invoice:") })
        for blockBytes in [512, 1 << 20] {
            let path = directory.file("imported-\(blockBytes)")
            let report = try Ledger.importNDJSON(ExportReader(bytes: bytes, blockBytes: blockBytes), into: path, progress: nil)
            #expect(report.head == head)
            let imported = try Ledger.open(at: path)
            var again: [UInt8] = []
            _ = try imported.exportNDJSON { again += $0 }
            #expect(again == bytes)
            #expect(try streamIndex(imported) == streams)  // each block's streams indexed ahead
            #expect(try imported.verify().ok)
        }
    }

    @Test("an export another tool re-formatted (keys reordered, spaces) imports to the same head")
    func reformatted() throws {
        let directory = TemporaryDirectory()
        let (bytes, head) = try syntheticExport(directory, count: 200)
        var reformatted: [UInt8] = []
        for line in lines(bytes) where !line.isEmpty {
            guard case .object(let object) = try JSONParser.parse(line) else { throw CancellationError() }
            // Reversed key order, a space after each colon and comma.
            func text(_ value: JSON) -> String { String(decoding: JSONWriter.canonical(value), as: UTF8.self) }
            let members = object.members.reversed().map { "\(text(.string($0.key))): \(text($0.value))" }
            reformatted += Array(("{" + members.joined(separator: ", ") + "}\n").utf8)
        }
        #expect(reformatted != bytes)
        let report = try Ledger.importNDJSON(reformatted, into: directory.file("imported"))
        #expect(report.head == head)
        #expect(try Ledger.open(at: directory.file("imported")).verify().ok)
    }

    @Test("a stored payload other than the one its typed event writes (an older build's) imports through its JSON, to the same head")
    func storedByAnOlderBuild() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory, register: false)
        // Without the default `vatRegistered` (today's payload writes it): a record of the store's
        // own, as an older build may have left it.
        let payload = Array(
            #"{"by":"old","data":{"fiscalYearStart":"01-01","name":"Tvätten"},"date":"2024-01-01","org":"769629-1231","recorded":"2024-01-01T00:00:00Z","type":"org.registered","v":1}"#
                .utf8)
        let recorded = try RecordedEvent.decode(seq: 1, payload: payload)
        #expect(recorded.payload != payload)
        try ledger.environment.write { txn in
            _ = try ledger.log.append(PendingRecord(payload: payload, streams: recorded.event.streams), after: .empty, &txn)
        }
        var bytes: [UInt8] = []
        let head = try ledger.exportNDJSON { bytes += $0 }
        let report = try Ledger.importNDJSON(bytes, into: directory.file("imported"))
        #expect(report.head == head)
        var again: [UInt8] = []
        _ = try Ledger.open(at: directory.file("imported")).exportNDJSON { again += $0 }
        #expect(again == bytes)
    }

    @Test("a refusal names its line in whichever block it lies, in line order, and leaves no ledger")
    func refusalsNameTheirLine() throws {
        let directory = TemporaryDirectory()
        let (bytes, _) = try syntheticExport(directory, count: 400)
        var all = lines(bytes)
        // Line 300: a changed amount (its hash no longer matches); line 350: not JSON.
        let changed = try #require((250..<all.count).first { String(decoding: all[$0], as: UTF8.self).contains("\"amount\":\"") })
        all[changed] = Array(String(decoding: all[changed], as: UTF8.self).replacingOccurrences(of: "\"amount\":\"", with: "\"amount\":\"1").utf8)
        all[changed + 20] = Array("{not json".utf8)
        let bad = Array(all.joined(separator: [0x0A]))
        for blockBytes in [700, 1 << 20] {
            let path = directory.file("bad-\(blockBytes)")
            let found = try #require(refusal(importing: bad, blockBytes: blockBytes, into: path))
            #expect(found.message.contains("line \(changed + 1) "), "\(found.message)")
            #expect(found.message.contains("was changed"))
            #expect(!FileManager.default.fileExists(atPath: path))
        }
        // The export's chain broken before the change: that is named first.
        var broken = all
        let earlier = changed - 10
        let prev = try #require(String(decoding: broken[earlier], as: UTF8.self).range(of: "\"prev\":\""))
        var text = String(decoding: broken[earlier], as: UTF8.self)
        text.replaceSubrange(prev.upperBound..<text.index(prev.upperBound, offsetBy: 1), with: text[prev.upperBound] == "0" ? "1" : "0")
        broken[earlier] = Array(text.utf8)
        let chain = try #require(refusal(importing: Array(broken.joined(separator: [0x0A])), blockBytes: 700, into: directory.file("broken")))
        #expect(chain.message.contains("line \(earlier + 1) "), "\(chain.message)")
        #expect(chain.message.contains("chain is broken"))
        // Not JSON, alone: named with its line.
        var syntax = lines(bytes)
        syntax[changed + 20] = Array("{not json".utf8)
        let malformed = try #require(refusal(importing: Array(syntax.joined(separator: [0x0A])), blockBytes: 700, into: directory.file("syntax")))
        #expect(malformed.code == .malformedJSON)
        #expect(malformed.message.hasPrefix("line \(changed + 21):"), "\(malformed.message)")
    }
}
