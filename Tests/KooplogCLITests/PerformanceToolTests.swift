import Foundation
import KooplogDomain
import KooplogEngine
import KooplogTestSupport
import Testing

func toolExists(_ name: String) -> Bool {
    (try? runProcess("/usr/bin/env", ["which", name]).status) == 0
}

func syntheticEvents(seed: UInt64, orgs: Int, count: Int) -> [JSON] {
    var events: [JSON] = []
    SyntheticLedger(seed: seed, orgs: orgs, years: 10).generate(count: count) { events.append($0) }
    return events
}

@Suite("The benchmark's generator and the peer exports")
struct PerformanceToolTests {
    @Test("the generator is deterministic from its seed, spans ten years, and its books are valid")
    func generatorDeterminism() throws {
        let a = syntheticEvents(seed: 5, orgs: 3, count: 3000)
        let b = syntheticEvents(seed: 5, orgs: 3, count: 3000)
        let c = syntheticEvents(seed: 6, orgs: 3, count: 3000)
        #expect(a == b)
        #expect(a != c)
        let dates = a.compactMap { $0.objectValue?["date"]?.stringValue }
        #expect(dates == dates.sorted(), "events are in date order")
        // Within a date, by organisation (the merge's order, which the seeded books' bytes rest on).
        let orgIndex = Dictionary(uniqueKeysWithValues: (0..<3).map { (SyntheticOrgs.number($0), $0) })
        let keys = a.map { ($0.objectValue?["date"]?.stringValue ?? "", orgIndex[$0.objectValue?["org"]?.stringValue ?? ""] ?? -1) }
        #expect(keys.elementsEqual(keys.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }) { $0 == $1 }, "within a date, organisations in order")
        #expect(Set(keys.map(\.0)).count < keys.count, "some dates hold several events")
        #expect(Set(dates.map { $0.prefix(4) }).count >= 10, "ten fiscal years")
        #expect(Set(a.compactMap { $0.objectValue?["org"]?.stringValue }).count == 3)
        let types = Set(a.compactMap { $0.objectValue?["type"]?.stringValue })
        for type in ["invoice.issued", "invoice.paid", "bill.received", "payroll.paid", "placement.started", "grant.used", "event.reversed"] {
            #expect(types.contains(type), "\(type) in the mix")
        }
        let directory = TemporaryDirectory()
        let ledger = try Ledger.create(at: directory.file("ledger"), clock: FixedClock(1_763_900_000))
        _ = try ledger.append(a.map { InputItem($0) }, options: AppendOptions(actor: "t"))
        #expect(try ledger.verify().ok)
    }

    @Test("the generator's NDJSON from the tool equals the library's", arguments: [1] as [UInt64])
    func generatorTool(seed: UInt64) throws {
        let bench = Binaries.directory + "/kooplog-bench"
        guard FileManager.default.isExecutableFile(atPath: bench) else { return }
        let output = try runProcess(bench, ["generate", "--events", "2000", "--orgs", "2", "--seed", String(seed)])
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        let expected = syntheticEvents(seed: seed, orgs: 2, count: 2000).map(JSONWriter.canonicalString)
        #expect(lines == expected)
    }

    func exportedLedger(_ directory: TemporaryDirectory) throws -> String {
        let path = directory.file("ledger")
        #expect(try kooplog(["init", "--ledger", path]).status == 0)
        let events = syntheticEvents(seed: 9, orgs: 2, count: 1500)
        #expect(try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson(events)).status == 0)
        return path
    }

    @Test(
        "the ledger-cli export parses in ledger-cli and balances to zero",
        .enabled(if: toolExists("ledger"), "ledger-cli is not installed (apt-get install ledger)"))
    func ledgerCLI() throws {
        let directory = TemporaryDirectory()
        let path = try exportedLedger(directory)
        #expect(try kooplog(["export", "--ledger", path, "--format", "ledger", "--output", directory.file("books.ledger")]).status == 0)
        let balance = try runProcess("/usr/bin/env", ["ledger", "-f", directory.file("books.ledger"), "balance"])
        #expect(balance.status == 0, "\(balance.stderr)")
        #expect(balance.stdout.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) == "0")
    }

    @Test("the ledger-cli export parses in hledger", .enabled(if: toolExists("hledger"), "hledger is not installed (apt-get install hledger)"))
    func hledger() throws {
        let directory = TemporaryDirectory()
        let path = try exportedLedger(directory)
        #expect(try kooplog(["export", "--ledger", path, "--format", "ledger", "--output", directory.file("books.ledger")]).status == 0)
        let check = try runProcess("/usr/bin/env", ["hledger", "-f", directory.file("books.ledger"), "check"])
        #expect(check.status == 0, "\(check.stderr)")
    }

    @Test("the beancount export passes bean-check", .enabled(if: toolExists("bean-check"), "beancount is not installed (pip install beancount)"))
    func beancount() throws {
        let directory = TemporaryDirectory()
        let path = try exportedLedger(directory)
        #expect(try kooplog(["export", "--ledger", path, "--format", "beancount", "--output", directory.file("books.beancount")]).status == 0)
        let check = try runProcess("/usr/bin/env", ["bean-check", directory.file("books.beancount")])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}
