import Foundation
import KooplogDomain
import KooplogEngine
import KooplogReports
import KooplogStore
import KooplogTestSupport
import Testing

func appendAll(_ ledger: Ledger, _ events: [JSON]) throws {
    _ = try ledger.append(items(events), options: AppendOptions(actor: "t"))
}

func report(_ ledger: Ledger, _ name: ReportName, org: String = Fixtures.carWash, year: Int? = nil, asOf: String? = nil) throws -> JSONObject {
    try #require(
        try ledger.report(ReportRequest(name: name, org: try OrgNumber.parse(org).get(), year: year, asOf: asOf.flatMap { CalendarDate($0) })).objectValue)
}

/// A report without its position in the log (to compare ledgers with different histories).
func figures(_ object: JSONObject) -> JSONObject {
    var copy = object
    copy["asOf"] = nil
    return copy
}

@Suite("Read models and reports")
struct ReadModelTests {
    @Test("after random books: the trial balance sums to zero, assets = liabilities + equity, verify agrees", arguments: [21, 22, 23] as [UInt64])
    func invariants(seed: UInt64) throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory, register: false)
        var books = RandomBooks(seed: seed)
        books.generate(800)
        try appendAll(ledger, books.events)
        for year in 2023...2026 {
            let tb = try report(ledger, .trialBalance, year: year)
            let totals = try #require(tb["totals"]?.objectValue)
            #expect(totals["balance"] == "0.00")
            #expect(totals["debit"] == totals["credit"])
            let balance = try report(ledger, .balance, year: year)
            let assets = try Money.parse(balance["assets"]!.stringValue!).get()
            let liabilities = try Money.parse(balance["liabilities"]!.stringValue!).get()
            let equity = try Money.parse(balance["equity"]!.stringValue!).get()
            #expect(assets == liabilities + equity, "\(year)")
        }
        #expect(try ledger.verify().ok)
    }

    @Test("incremental catch-up after every prefix equals a full rebuild of that prefix")
    func incrementalEqualsFull() throws {
        let directory = TemporaryDirectory()
        let incremental = try makeEngineLedger(directory, register: false)
        let fullDirectory = TemporaryDirectory()
        var books = RandomBooks(seed: 31)
        books.generate(300)
        var generator = SeededGenerator(seed: 31)
        var index = 0
        var full: Ledger?
        while index < books.events.count {
            let size = Int.random(in: 1...40, using: &generator)
            let batch = Array(books.events[index..<min(index + size, books.events.count)])
            try appendAll(incremental, batch)
            index += batch.count
            _ = try incremental.rebuild(full: false)
            // The same prefix in a fresh ledger, rebuilt from scratch.
            if full == nil { full = try Ledger.create(at: fullDirectory.file("l"), clock: FixedClock(1_763_900_000)) }
            try appendAll(full!, batch)
            _ = try full!.rebuild(full: true)
            for name in [ReportName.trialBalance, .headcount, .members, .grants, .receivables, .surplus] {
                #expect(try report(incremental, name) == (try report(full!, name)), "\(name) after \(index) events")
            }
        }
        #expect(try incremental.verify().ok)
    }

    @Test("reversing an event and rebuilding equals never having had it", arguments: [41, 42, 43, 44] as [UInt64])
    func reversalUndoes(seed: UInt64) throws {
        var books = RandomBooks(seed: seed)
        books.allowReversals = false
        books.generate(250)
        let events = books.events
        var generator = SeededGenerator(seed: seed)
        let reversibleTypes: Set<String> = [
            "sale.paid", "expense.paid", "payroll.paid", "journal.entry", "subsidy.received", "member.contribution-paid", "placement.changed",
        ]
        let lastYear = events.last!.objectValue!["date"]!.stringValue!.prefix(4)
        let candidates = events.indices.filter {
            reversibleTypes.contains(events[$0].objectValue!["type"]!.stringValue!) && events[$0].objectValue!["date"]!.stringValue!.hasPrefix(lastYear)
        }
        let target = candidates.randomElement(using: &generator)!
        let lastDate = events.last!.objectValue!["date"]!.stringValue!
        let withReversal = TemporaryDirectory()
        let a = try makeEngineLedger(withReversal, register: false)
        try appendAll(a, events + [Fixtures.event("event.reversed", date: lastDate, data: ["seq": .number(String(target + 1)), "reason": "Fel"])])
        let without = TemporaryDirectory()
        let b = try makeEngineLedger(without, register: false)
        var remaining = events
        remaining.remove(at: target)
        try appendAll(b, remaining)
        let tbA = try report(a, .trialBalance)["accounts"]!.arrayValue!.compactMap { $0.objectValue }.filter { $0["balance"] != "0.00" }.map {
            [$0["account"]!, $0["balance"]!]
        }
        let tbB = try report(b, .trialBalance)["accounts"]!.arrayValue!.compactMap { $0.objectValue }.filter { $0["balance"] != "0.00" }.map {
            [$0["account"]!, $0["balance"]!]
        }
        #expect(tbA == tbB, "reversing seq \(target + 1) (\(events[target].objectValue!["type"]!))")
        for name in [ReportName.income, .balance, .headcount, .grants] {
            #expect(figures(try report(a, name)) == figures(try report(b, name)), "\(name)")
        }
        let membersA = try report(a, .members)["members"]
        let membersB = try report(b, .members)["members"]
        #expect(membersA == membersB)
    }

    @Test("a stored read model of another version is rebuilt from the first event; rebuild --full equals incremental")
    func rebuilds() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory, register: false)
        var books = RandomBooks(seed: 51)
        books.generate(200)
        try appendAll(ledger, Array(books.events[0..<100]))
        let first = try ledger.rebuild(full: false)
        #expect(first.rebuiltModels.count == 4)
        try appendAll(ledger, Array(books.events[100...]))
        let second = try ledger.rebuild(full: false)
        #expect(second.fromSeq == 101 && second.events == UInt64(books.events.count - 100) && second.rebuiltModels.isEmpty)
        let incremental = try report(ledger, .trialBalance)
        let full = try ledger.rebuild(full: true)
        #expect(full.events == UInt64(books.events.count))
        #expect(try report(ledger, .trialBalance) == incremental)
        #expect(try ledger.rebuild(full: false).events == 0)
        // A checkpoint written by another version of the finance fold: rebuilt from the first event.
        try ledger.environment.write { txn in
            try txn.put(
                ledger.environment.database("models"), Array("checkpoint/finance".utf8),
                Array(#"{"hash":"\#(full.head.hash.hex)","seq":\#(full.head.seq),"version":99}"#.utf8))
        }
        let after = try ledger.rebuild(full: false)
        #expect(after.rebuiltModels == ["finance"])
        #expect(after.events == UInt64(books.events.count))
        #expect(try report(ledger, .trialBalance) == incremental)
        #expect(try ledger.verify().ok)
    }
}
