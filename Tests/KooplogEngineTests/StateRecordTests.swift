import Foundation
import KooplogProjections
import KooplogReports
import KooplogStore
import KooplogTestSupport
import Testing

@testable import KooplogDomain
@testable import KooplogEngine

@Suite("Binary state records, generations and workers")
struct StateRecordTests {
    /// A ledger of random books with its read models stored.
    private func books(_ directory: TemporaryDirectory, seed: UInt64 = 31) throws -> Ledger {
        let ledger = try makeEngineLedger(directory, register: false)
        var books = RandomBooks(seed: seed)
        books.generate(600)
        try appendAll(ledger, books.events)
        _ = try ledger.rebuild(full: false)
        return ledger
    }

    private func entries(_ ledger: Ledger, _ database: String) throws -> [(String, [UInt8])] {
        try ledger.environment.read { txn in
            var result: [(String, [UInt8])] = []
            try txn.scan(ledger.environment.database(database)) { key, value in
                result.append((String(decoding: key, as: UTF8.self), Array(value)))
                return true
            }
            return result
        }
    }

    @Test("every stored rule-state record and read model reads back and writes the same bytes")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let ledger = try books(directory)
        let rules = try entries(ledger, "state")
        #expect(rules.count > 50)
        for (key, bytes) in rules {
            #expect(bytes.first == BinaryWriter.tag, "\(key)")
            #expect(StateCodec.encode(try StateCodec.decodeRule(key, bytes)) == bytes, "\(key)")
        }
        var models = 0
        for (key, bytes) in try entries(ledger, "models") where key.contains("@") {
            models += 1
            let encoded: [UInt8] =
                switch key.prefix(while: { $0 != "@" }) {
                case "finance": StateCodec.encode(try StateCodec.decode(FinanceState.self, from: bytes, key: key))
                case "headcount": StateCodec.encode(try StateCodec.decode(HeadcountState.self, from: bytes, key: key))
                case "members": StateCodec.encode(try StateCodec.decode(MembersState.self, from: bytes, key: key))
                default: StateCodec.encode(try StateCodec.decode(GrantsState.self, from: bytes, key: key))
                }
            #expect(encoded == bytes, "\(key)")
        }
        #expect(models >= 4)
    }

    @Test("a changed or cut record is refused with its key, never misread")
    func damagedRecords() throws {
        let sample = InvoiceRecord(issuedSeq: 300, grossOre: 125_000, paidOre: 25_000, creditedOre: 0)
        let bytes = StateCodec.encode(sample)
        #expect(try BinaryReader.decode(InvoiceRecord.self, from: bytes) == sample)
        #expect(throws: StoreError.self) { try StateCodec.decode(InvoiceRecord.self, from: Array(bytes.dropLast()), key: "invoice/x/1") }
        #expect(throws: StoreError.self) { try StateCodec.decode(InvoiceRecord.self, from: bytes + [0], key: "invoice/x/1") }
        var badBool = StateCodec.encode(PersonRecord(startSeq: 5, active: true, endedSeq: nil))
        badBool[2] = 7  // the boolean after the one-byte seq
        #expect(throws: StoreError.self) { try StateCodec.decode(PersonRecord.self, from: badBool, key: "person/x/p") }
        do {
            _ = try StateCodec.decode(InvoiceRecord.self, from: Array(bytes.dropLast()), key: "invoice/556677-8899/2025-001")
        } catch let error as StoreError {
            #expect(error.description.contains("invoice/556677-8899/2025-001"))
        }
    }

    @Test("rule state written as JSON by an older Kooplog still reads: verify agrees and appends go on")
    func legacyJSONRuleState() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory, register: false)
        var books = RandomBooks(seed: 34)
        books.generate(600)
        try appendAll(ledger, Array(books.events[..<400]))
        let state = ledger.environment.database("state")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every record back to the JSON form ledgers had before the binary one.
        for (key, bytes) in try entries(ledger, "state") {
            let value = try StateCodec.decodeRule(key, bytes)
            let json = try encoder.encode(value.value)
            try ledger.environment.write { txn in try txn.put(state, Array(key.utf8), Array(json)) }
        }
        #expect(try ledger.verify().ok)
        try appendAll(ledger, Array(books.events[400...]))  // the rules read the JSON records
        #expect(try ledger.head().seq == UInt64(books.events.count))
        #expect(try ledger.verify().ok)
    }

    @Test("a full rebuild leaves one generation of states; a second one replaces it; reports are unchanged")
    func generations() throws {
        let directory = TemporaryDirectory()
        let ledger = try books(directory)
        let org = try #require(try ledger.organisations().first?.text)
        let before = try report(ledger, .trialBalance, org: org)
        func generationsStored() throws -> Set<String> {
            Set(try entries(ledger, "models").map(\.0).filter { $0.contains("@") }.map { String($0.split(separator: "/")[0]) })
        }
        _ = try ledger.rebuild(full: true)
        let first = try generationsStored()
        _ = try ledger.rebuild(full: true)
        let second = try generationsStored()
        #expect(first.count == 4 && second.count == 4 && first.isDisjoint(with: second))
        #expect(try report(ledger, .trialBalance, org: org) == before)
        #expect(try ledger.verify().ok)
    }

    @Test("workers return every output in job order, on one thread or several; the first error stops them", arguments: [1, 2, 5])
    func workers(count: Int) throws {
        let jobs = Array(0..<200)
        #expect(try Workers.map(jobs, workers: count) { job, _ in job * job } == jobs.map { $0 * $0 })
        struct Stop: Error {}
        #expect(throws: Stop.self) { try Workers.map(jobs, workers: count) { job, _ in if job == 17 { throw Stop() } else { job } } }
    }

    @Test("verify gives the same answer with one worker as with several", arguments: ["1", "3"])
    func workerCounts(workers: String) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("ledger")
        var books = RandomBooks(seed: 33)
        books.generate(500)
        _ = try kooplog(["init", "--ledger", path])
        let input = books.events.map { JSONWriter.canonicalString($0) }.joined(separator: "\n")
        #expect(try kooplog(["append", "--ledger", path], stdin: input).status == 0)
        let result = try kooplog(["verify", "--ledger", path], environment: ["KOOPLOG_WORKERS": workers])
        #expect(result.status == 0)
        #expect(result.stdout.contains("verify: everything agrees"))
    }
}
