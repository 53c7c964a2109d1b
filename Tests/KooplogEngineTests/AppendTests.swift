import Foundation
import KooplogDomain
import KooplogEngine
import KooplogStore
import KooplogSynthetic
import KooplogTestSupport
import Testing

func makeEngineLedger(_ directory: TemporaryDirectory, register: Bool = true) throws -> Ledger {
    let ledger = try Ledger.create(at: directory.file("ledger"), clock: FixedClock(1_763_900_000))
    if register { _ = try ledger.append([InputItem(Fixtures.registered())], options: AppendOptions(actor: "test")) }
    return ledger
}

func items(_ events: [JSON]) -> [InputItem] { events.enumerated().map { InputItem($1, line: $0 + 1) } }

@Suite("Appending through the engine")
struct AppendTests {
    @Test("a batch reserves its room in the map before its write transaction: the batch is done once, and it verifies")
    func batchReservesMapRoom() throws {
        let directory = TemporaryDirectory()
        var all: [JSON] = []
        SyntheticLedger(seed: 11, orgs: 2, years: 1).generate(count: 700) { all.append($0) }
        try appendAll(try makeEngineLedger(directory, register: false), Array(all.prefix(100)))
        // Opened with a tiny map, LMDB maps just the data in use: the batch needs more.
        let ledger = try Ledger.open(at: directory.file("ledger"), mapBytes: 4_096)
        let before = ledger.environment.mapBytes
        try #require(before == ledger.environment.usedBytes)
        try appendAll(ledger, Array(all.dropFirst(100)))
        #expect(ledger.environment.mapReservations == 1)
        #expect(ledger.environment.mapGrowths == 0, "the batch filled the map and ran again")
        #expect(ledger.environment.mapBytes > before)
        #expect(try ledger.head().seq == UInt64(all.count))
        #expect(try ledger.verify().ok)
    }

    @Test("a batch of several decoding chunks is stored in input order; the first refusal in input order is named, nothing stored")
    func chunkedDecoding() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory, register: false)
        let size = Limits.decodeChunkEvents
        var all: [JSON] = []
        SyntheticLedger(seed: 9, orgs: 3, years: 2).generate(count: 3 * size) { all.append($0) }
        try #require(all.count > 2 * size + 10, "three chunks at least")
        func ndjson(_ events: [JSON]) -> [UInt8] { Array(events.map { JSONWriter.canonical($0) + [0x0A] }.joined()) }
        // Impossible dates in the second chunk and in the last: the second chunk's is named.
        var bad = all
        for index in [size + 5, all.count - 2] {
            guard case .object(var object) = bad[index] else { throw CancellationError() }
            object["date"] = .string("2025-02-30")
            bad[index] = .object(object)
        }
        for attempt in [
            { try ledger.append(Ledger.parseInput(ndjson(bad)), options: AppendOptions(actor: "t")) },
            { try ledger.append(items(bad), options: AppendOptions(actor: "t")) },
        ] {
            do {
                _ = try attempt()
                Issue.record("a batch with impossible dates was stored")
            } catch let refusal as Refusal {
                #expect(refusal.position?.index == size + 6, "\(refusal)")
                #expect(refusal.position?.line == size + 6, "\(refusal)")
                #expect(refusal.field == "date", "\(refusal)")
            }
        }
        #expect(try ledger.head().seq == 0)
        let results = try ledger.append(Ledger.parseInput(ndjson(all)), options: AppendOptions(actor: "t"))
        #expect(results.map(\.seq) == (1...UInt64(all.count)).map { $0 })
        var stored: [String] = []
        try ledger.forEachEvent { event in
            stored.append(event.recorded.event.type + (event.recorded.event.id ?? ""))
            return true
        }
        #expect(stored == all.map { ($0.objectValue?["type"]?.stringValue ?? "") + ($0.objectValue?["id"]?.stringValue ?? "") })
        #expect(try ledger.verify().ok)
    }

    @Test("the same id twice is one event; the second append reports the first seq, in one batch and across batches")
    func idempotency() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory)
        let first = try ledger.append(items([Fixtures.journal(id: "bank-1")]), options: AppendOptions(actor: "t"))
        let again = try ledger.append(
            items([Fixtures.journal(id: "bank-1"), Fixtures.journal(id: "bank-2"), Fixtures.journal(id: "bank-2")]), options: AppendOptions(actor: "t"))
        #expect(first[0].seq == 2 && !first[0].duplicate)
        #expect(again[0].seq == 2 && again[0].duplicate && again[0].hash == first[0].hash)
        #expect(again[1].seq == 3 && !again[1].duplicate)
        #expect(again[2].seq == 3 && again[2].duplicate)
        #expect(try ledger.head().seq == 3)
    }

    @Test("an invoice and its payment travel in one batch; a bad event anywhere refuses the whole batch")
    func batchesValidateInOrder() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory)
        let issued = Fixtures.event(
            "invoice.issued", date: "2025-03-01",
            data: [
                "invoice": "2025-017", "customer": "Dalby kommun", "customerKind": "public", "due": "2025-03-31",
                "lines": [["text": "Biltvätt", "amount": "10000", "vat": 25]],
            ])
        let paid = Fixtures.event("invoice.paid", date: "2025-03-14", id: "bank-7", data: ["invoice": "2025-017", "amount": "12500.00"])
        let overpaid = Fixtures.event("invoice.paid", date: "2025-03-15", data: ["invoice": "2025-017", "amount": "0.01"])
        #expect(throws: Refusal.self) { try ledger.append(items([issued, paid, overpaid]), options: AppendOptions(actor: "t")) }
        #expect(try ledger.head().seq == 1)
        let results = try ledger.append(items([issued, paid]), options: AppendOptions(actor: "t"))
        #expect(results.map(\.seq) == [2, 3])
        do {
            _ = try ledger.append(items([overpaid]), options: AppendOptions(actor: "t"))
            Issue.record("overpayment accepted")
        } catch let refusal as Refusal {
            #expect(refusal.code == .paymentExceedsOutstanding)
            #expect(refusal.description == "line 1 (invoice.paid): data.amount: 0,01 kr exceeds what is outstanding on invoice 2025-017 (0,00 kr)")
        }
    }

    @Test("rules read events stored earlier in the same batch as a later append reads them from the ledger")
    func earlierEventsOfTheBatch() throws {
        let issued = Fixtures.event(
            "invoice.issued", date: "2025-03-01",
            data: [
                "invoice": "2025-017", "customer": "Dalby kommun", "customerKind": "public", "due": "2025-03-31",
                "lines": [["text": "Biltvätt", "amount": "10000", "vat": 25], ["text": "Polering", "amount": "800", "vat": 12]],
            ])
        // Seqs 2…7 after the registration: the credit reads the invoice's lines, the reversals
        // their originals' postings.
        let events = [
            issued, Fixtures.event("invoice.credited", date: "2025-03-05", data: ["invoice": "2025-017", "reason": "Fel kund"]),
            Fixtures.journal(), Fixtures.event("event.reversed", date: "2025-03-06", data: ["seq": 4, "reason": "Fel"]),
            Fixtures.journal(amount: "250.00"), Fixtures.event("event.reversed", date: "2025-03-07", data: ["seq": 3, "reason": "Fel"]),
        ]
        let directory = TemporaryDirectory()
        let together = try makeEngineLedger(directory)
        _ = try together.append(items(events), options: AppendOptions(actor: "t"))
        let other = TemporaryDirectory()
        let apart = try makeEngineLedger(other)
        for event in events { _ = try apart.append(items([event]), options: AppendOptions(actor: "t")) }
        func contents(_ ledger: Ledger, _ name: String) throws -> [[UInt8]] {
            try ledger.environment.read { txn in
                var all: [[UInt8]] = []
                try txn.scan(ledger.environment.database(name)) { key, value in
                    all.append(Array(key) + [0] + Array(value))
                    return true
                }
                return all
            }
        }
        #expect(try together.head() == apart.head())
        #expect(try contents(together, "state") == contents(apart, "state"))
        #expect(try contents(together, "decoded") == contents(apart, "decoded"))
        #expect(try together.verify().ok)
        // A reversal of a reversal stored earlier in the batch: refused because of what seq 9 is.
        do {
            _ = try together.append(
                items([
                    Fixtures.journal(), Fixtures.event("event.reversed", date: "2025-03-08", data: ["seq": 8, "reason": "Fel"]),
                    Fixtures.event("event.reversed", date: "2025-03-08", data: ["seq": 9, "reason": "Fel"]),
                ]),
                options: AppendOptions(actor: "t"))
            Issue.record("a reversal of a reversal was accepted")
        } catch let refusal as Refusal {
            #expect(refusal.code == .notReversible, "\(refusal)")
            #expect(refusal.description.contains("event 9 is a event.reversed, which cannot be reversed"), "\(refusal)")
        }
    }

    @Test("optimistic concurrency: an expected head or stream version that moved is refused")
    func expectedHead() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory)
        _ = try ledger.append(items([Fixtures.journal()]), options: AppendOptions(actor: "t", expectedHead: 1))
        #expect(throws: Refusal.self) { try ledger.append(items([Fixtures.journal()]), options: AppendOptions(actor: "t", expectedHead: 1)) }
        _ = try ledger.append(items([Fixtures.journal()]), options: AppendOptions(actor: "t", expectedStream: ("org:\(Fixtures.carWash)", 2)))
        #expect(throws: Refusal.self) {
            try ledger.append(items([Fixtures.journal()]), options: AppendOptions(actor: "t", expectedStream: ("org:\(Fixtures.carWash)", 2)))
        }
        #expect(try ledger.head().seq == 3)
    }

    @Test("a dry run checks and shows, stores nothing")
    func dryRun() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory)
        let results = try ledger.append(items([Fixtures.journal(id: "x")]), options: AppendOptions(actor: "t", dryRun: true))
        #expect(results.first?.seq == 2)
        #expect(try ledger.head().seq == 1)
    }

    @Test("stored events read back unchanged, with the ledger's envelope")
    func readBack() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory)
        let event = Fixtures.journal(id: "kassa-1", amount: "12500.5")
        _ = try ledger.append(items([event]), options: AppendOptions(actor: "kassör"))
        let stored = try #require(try ledger.event(2))
        #expect(stored.recorded.by == "kassör")
        #expect(stored.recorded.recorded == "2025-11-23T12:13:20Z")
        #expect(stored.recorded.event == (try Event.decode(event)))
        #expect(stored.envelope.objectValue?["data"]?.objectValue?["lines"]?.arrayValue?.first?.objectValue?["debit"] == "12500.50")
    }

    @Test("random valid books for one organisation are never refused, and verify agrees", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomValidBooks(seed: UInt64) throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory, register: false)
        var books = RandomBooks(seed: seed)
        books.generate(600)
        // In batches of random size, as a treasurer or a script would send them.
        var generator = SeededGenerator(seed: seed)
        var index = 0
        while index < books.events.count {
            let size = Int.random(in: 1...60, using: &generator)
            let batch = Array(books.events[index..<min(index + size, books.events.count)])
            do {
                _ = try ledger.append(items(batch), options: AppendOptions(actor: "t"))
            } catch {
                Issue.record("seed \(seed): refused \(error)")
                return
            }
            index += size
        }
        #expect(try ledger.head().seq == UInt64(books.events.count))
        let report = try ledger.verify()
        #expect(report.ok, "\(report.discrepancies)")
    }

    @Test("random single mutations of valid events are refused or stay valid, never crash", arguments: [11, 12] as [UInt64])
    func mutations(seed: UInt64) throws {
        var books = RandomBooks(seed: seed)
        books.generate(120)
        var generator = SeededGenerator(seed: seed)
        let fixed = books.events
        var refused = 0
        var accepted = 0
        for round in 0..<150 {
            let directory = TemporaryDirectory()
            let ledger = try makeEngineLedger(directory, register: false)
            let cut = Int.random(in: 1..<fixed.count, using: &generator)
            _ = try ledger.append(items(Array(fixed[0..<cut])), options: AppendOptions(actor: "t"))
            let mutated = Mutator.mutate(fixed[cut], using: &generator)
            let head = try ledger.head()
            do {
                _ = try ledger.append(items([mutated]), options: AppendOptions(actor: "t"))
                accepted += 1
                #expect(try ledger.head().seq == head.seq + 1)
            } catch let refusal as Refusal {
                refused += 1
                #expect(!refusal.message.isEmpty)
                #expect(try ledger.head() == head, "round \(round): a refusal changed the ledger")
            }
        }
        #expect(refused > 0)
        #expect(accepted + refused == 150)
    }
}

/// Random single changes to a JSON event.
enum Mutator {
    static func mutate(_ value: JSON, using rng: inout SeededGenerator) -> JSON {
        guard case .object(var object) = value else { return value }
        let choice = Int.random(in: 0..<7, using: &rng)
        switch choice {
        case 0: object["date"] = ["2025-02-30", "2020-01-01", "tomorrow", "2031-12-31"].randomElement(using: &rng).map { .string($0) }!
        case 1: object["org"] = ["716431-0059", "769629-1230", "x", "769629-1231"].randomElement(using: &rng).map { .string($0) }!
        case 2: object["type"] = .string(EventCatalogue.types.randomElement(using: &rng)!)
        case 3: object["unexpected"] = "x"
        default:
            guard case .object(var data)? = object["data"], !data.members.isEmpty else { break }
            let index = Int.random(in: 0..<data.members.count, using: &rng)
            let key = data.members[index].key
            let replacements: [JSON] = ["-1", "1.005", .number("12"), .bool(true), "", "M-1", "99999999999999", .null, [], "P-404", .number("0")]
            if Bool.random(using: &rng) { data[key] = replacements.randomElement(using: &rng)! } else { data[key] = nil }
            object["data"] = .object(data)
        }
        return .object(object)
    }
}
