import Foundation
import KooplogDomain
import KooplogEngine
import KooplogReports
import KooplogTestSupport
import Testing

/// A small cooperative over three fiscal years, with figures worked out by hand.
enum Example {
    static let org = Fixtures.cooperative

    static func e(_ type: String, _ date: String, _ data: JSON, id: String? = nil) -> JSON {
        Fixtures.event(type, org: org, date: date, id: id, data: data)
    }

    static var events: [JSON] {
        [
            e("org.registered", "2023-01-01", ["name": "Kooperativet Exempel ek. för.", "fiscalYearStart": "01-01"]),
            e("member.admitted", "2023-01-02", ["member": "M-001", "kind": "worker", "contribution": "1000"]),
            e("member.admitted", "2023-01-02", ["member": "M-002", "kind": "worker", "contribution": "1000"]),
            e("member.admitted", "2023-01-02", ["member": "M-003", "kind": "supporting", "contribution": "5000"]),
            e("member.contribution-paid", "2023-01-20", ["member": "M-001", "amount": "1000"]),
            e("member.contribution-paid", "2023-01-20", ["member": "M-003", "amount": "2500"]),
            e(
                "board.elected", "2023-01-02",
                ["seats": [["member": "M-001", "role": "chair"], ["member": "M-002", "role": "ordinary"], ["member": "M-003", "role": "deputy"]]]),
            // People: P-1 employment 100 % with subsidy; P-2 work training 50 % → employment 75 % in June; P-3 internship 25 %, ends in April.
            e("placement.started", "2023-01-01", ["person": "P-1", "form": "employment", "extent": 100, "targetGroup": true, "subsidy": "lonebidrag"]),
            e("placement.started", "2023-02-01", ["person": "P-2", "form": "work-training", "extent": 50, "targetGroup": true, "referrer": "kommun"]),
            e("placement.started", "2023-03-01", ["person": "P-3", "form": "internship", "extent": 25, "targetGroup": false]),
            e("placement.ended", "2023-04-30", ["person": "P-3", "outcome": "education"]),
            e("placement.changed", "2023-06-01", ["person": "P-2", "form": "employment", "extent": 75, "subsidy": "nystartsjobb"]),
            // 2023: sales 200 000 net, wages 100 000 + 31 420 fees, subsidy 40 000 → result 108 580.
            e(
                "invoice.issued", "2023-03-01",
                [
                    "invoice": "23-1", "customer": "Kommunen", "customerKind": "public", "due": "2023-03-31",
                    "lines": [["text": "Trädgård", "amount": "200000", "vat": 25]],
                ]),
            e("invoice.paid", "2023-03-25", ["invoice": "23-1", "amount": "200000"]),
            e("payroll.paid", "2023-06-25", ["period": "2023-06", "gross": "100000", "taxWithheld": "24000", "employerFees": "31420"]),
            e("subsidy.received", "2023-06-30", ["subsidy": "lonebidrag", "amount": "40000", "person": "P-1"]),
            e("fiscal-year.closed", "2024-02-01", ["fiscalYear": "2023"]),
            e(
                "surplus.allocated", "2024-05-01",
                [
                    "fiscalYear": "2023", "reserveFund": "8580", "retained": "90000", "dividend": "10000",
                    "reinvestments": [["purpose": "Nya maskiner", "amount": "50000"]],
                ]),
            // 2024: sales 50 000, costs 80 000 → loss 30 000 (nothing to allocate).
            e("sale.paid", "2024-03-01", ["customerKind": "private", "lines": [["text": "Café", "amount": "50000", "vat": 12]]]),
            e("expense.paid", "2024-04-01", ["supplier": "Grossisten", "lines": [["text": "Varor", "amount": "80000", "vat": 12, "account": "4010"]]]),
            e("fiscal-year.closed", "2025-02-01", ["fiscalYear": "2024"]),
            // 2025: an ESF grant, received before use, partly used; a wrong sale reversed.
            e(
                "grant.awarded", "2025-01-15",
                [
                    "grant": "ESF-1", "funder": "esf", "title": "Förstudie", "amount": "248750", "budget": "497504",
                    "from": "2025-02-01", "to": "2025-12-31", "coFinancing": [["source": "Kommunen", "amount": "248754"]],
                ]),
            e("grant.received", "2025-02-10", ["grant": "ESF-1", "amount": "100000"]),
            e("grant.used", "2025-03-31", ["grant": "ESF-1", "amount": "60000", "text": "Projektledning"]),
            e("sale.paid", "2025-04-01", ["customerKind": "private", "lines": [["text": "Café", "amount": "999", "vat": 12]]], id: "fel"),
            e("event.reversed", "2025-04-02", ["seq": 25, "reason": "Fel belopp"]),
            e("sale.paid", "2025-04-02", ["customerKind": "private", "lines": [["text": "Café", "amount": "99", "vat": 12]]]),
            e("member.left", "2025-05-01", ["member": "M-003", "refund": "2500"]),
        ]
    }

    static func ledger(_ directory: TemporaryDirectory) throws -> Ledger {
        let ledger = try Ledger.create(at: directory.file("ledger"), clock: FixedClock(1_763_900_000))
        try appendAll(ledger, events)
        return ledger
    }
}

@Suite("Worked examples")
struct WorkedExampleTests {
    @Test("headcount: people per form, FTE, target-group share, outcomes, monthly series")
    func headcount() throws {
        let directory = TemporaryDirectory()
        let ledger = try Example.ledger(directory)
        // 2023-03-15: P-1 employment 100, P-2 work-training 50, P-3 internship 25 (not target group).
        let march = try report(ledger, .headcount, org: Example.org, asOf: "2023-03-15")
        #expect(march["people"] == .number("3"))
        #expect(march["fte"] == "1.75")
        #expect(march["targetGroupShare"] == "0.67")
        #expect(march["subsidized"] == .number("1"))
        #expect(march["employedHere"] == .number("1"))
        #expect(march["byForm"]?.objectValue?["work-training"] == .number("1"))
        #expect(march["outcomes"]?.objectValue?["education"] == .number("0"))
        // 2023-07-01: P-3 has left (education); P-2 moved into employment at 75 % with nystartsjobb.
        let july = try report(ledger, .headcount, org: Example.org, asOf: "2023-07-01")
        #expect(july["people"] == .number("2"))
        #expect(july["fte"] == "1.75")
        #expect(july["targetGroupShare"] == "1.00")
        #expect(july["employedHere"] == .number("2"))
        #expect(july["subsidized"] == .number("2"))
        #expect(july["outcomes"]?.objectValue?["education"] == .number("1"))
        let year = try report(ledger, .headcount, org: Example.org, year: 2023)
        let months = try #require(year["months"]?.arrayValue)
        #expect(months.count == 12)
        #expect(months[0].objectValue?["people"] == .number("1"))  // January: P-1
        #expect(months[2].objectValue?["fte"] == "1.75")  // March: 100 + 50 + 25
        #expect(months[3].objectValue?["people"] == .number("2"))  // April 30: P-3's leaving day
        #expect(months[5].objectValue?["fte"] == "1.75")  // June: 100 + 75
    }

    @Test("surplus over three years: allocation with a dividend, a loss year, an open year")
    func surplus() throws {
        let directory = TemporaryDirectory()
        let ledger = try Example.ledger(directory)
        let surplus = try report(ledger, .surplus, org: Example.org, year: 2025)
        let years = (surplus["years"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(years.count == 3)
        #expect(years[0]["year"] == .number("2023"))
        #expect(years[0]["revenue"] == "240000.00")
        #expect(years[0]["costs"] == "131420.00")
        #expect(years[0]["result"] == "108580.00")
        #expect(years[0]["reserveFund"] == "8580.00")
        #expect(years[0]["retained"] == "90000.00")
        #expect(years[0]["dividend"] == "10000.00")
        #expect(years[0]["reinvestedShare"] == "0.91")  // 98 580 / 108 580
        #expect(years[1]["result"] == "-30000.00")
        #expect(years[1]["reinvestedShare"] == .null)
        // 2025: grant income 60 000 + café 99 (the wrong 999 reversed within the year).
        #expect(years[2]["revenue"] == "60099.00")
        #expect(years[2]["costs"] == "0.00")
        let cumulative = try #require(surplus["cumulative"]?.objectValue)
        #expect(cumulative["result"] == "138679.00")
        #expect(cumulative["dividend"] == "10000.00")
    }

    @Test("members, board majority, grants and the balance sheet of the example")
    func membersGrantsBalance() throws {
        let directory = TemporaryDirectory()
        let ledger = try Example.ledger(directory)
        let members = try report(ledger, .members, org: Example.org, asOf: "2025-06-01")
        #expect(members["votes"] == .number("2"))
        #expect(members["boardWorkerMajority"] == .bool(true))
        let m3 = try #require((members["members"]?.arrayValue ?? []).compactMap(\.objectValue).first { $0["member"] == "M-003" })
        #expect(m3["left"] == "2025-05-01")
        #expect(m3["paid"] == "2500.00")
        #expect(m3["refunded"] == "2500.00")
        let grants = try report(ledger, .grants, org: Example.org, asOf: "2025-06-01")
        let esf = try #require(grants["grants"]?.arrayValue?.first?.objectValue)
        #expect(esf["coFinancingRequired"] == "248754.00")
        #expect(esf["unused"] == "40000.00")
        #expect(esf["status"] == "active")
        let balance = try report(ledger, .balance, org: Example.org, asOf: "2025-12-31")
        // 2880 holds the 40 000 received and not used.
        #expect(balance["lines"]?.arrayValue?.contains { $0.objectValue?["account"] == "2880" && $0.objectValue?["amount"] == "40000.00" } == true)
        // Equity: contributions 3 500 − 2 500 refunded + reserve 8 580 + retained 90 000 + 2024 loss −30 000 + 2025 result 60 099.
        #expect(balance["equity"] == "129679.00")
    }

    @Test("several organisations in one ledger: each report per org; --org all side by side; one org needs --org")
    func severalOrgs() throws {
        let directory = TemporaryDirectory()
        let ledger = try Example.ledger(directory)
        try appendAll(ledger, [Fixtures.registered(), Fixtures.journal(date: "2025-03-01", amount: "777")])
        #expect(throws: Refusal.self) { try ledger.report(ReportRequest(name: .trialBalance)) }
        let all = try ledger.reportAll(ReportRequest(name: .income))
        let orgs = try #require(all.objectValue?["orgs"]?.arrayValue)
        #expect(orgs.map { $0.objectValue?["org"] } == [.string(Fixtures.cooperative), .string(Fixtures.carWash)].sorted { $0.stringValue! < $1.stringValue! })
        let carWash = try report(ledger, .income)
        #expect(carWash["revenue"] == "777.00")
    }
}

@Suite("Report snapshots")
struct SnapshotTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    @Test("every report of the example ledger, text and JSON, equals its pinned snapshot", arguments: ReportName.allCases)
    func snapshot(_ name: ReportName) throws {
        let directory = TemporaryDirectory()
        let ledger = try Example.ledger(directory)
        let request = ReportRequest(name: name, org: try OrgNumber.parse(Example.org).get(), year: 2025)
        let json = try ledger.report(request)
        let outputs = [("json", JSONWriter.pretty(json) + "\n"), ("txt", ReportText.text(json) + "\n"), ("csv", ReportText.csv(json))]
        for (kind, text) in outputs {
            let file = Self.directory.appendingPathComponent("\(name.rawValue).\(kind)")
            if ProcessInfo.processInfo.environment["KOOPLOG_RECORD_SNAPSHOTS"] == "1" {
                try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
                try text.write(to: file, atomically: true, encoding: .utf8)
                continue
            }
            let pinned = try String(contentsOf: file, encoding: .utf8)
            #expect(text == pinned, "\(name.rawValue).\(kind) differs from its snapshot (KOOPLOG_RECORD_SNAPSHOTS=1 re-records)")
        }
    }
}
