import Foundation
import KooplogDomain
import KooplogSynthetic
import KooplogTestSupport
import Testing

/// The decoded form (docs/FORMAT.md, "decoded") reads back exactly what was written, for every
/// type and every optional branch, and refuses damaged bytes instead of guessing.
@Suite("Decoded form of stored events")
struct DecodedFormTests {
    private let org = try! OrgNumber.parse("769629-1231").get()
    private let date = CalendarDate(year: 2025, month: 3, day: 14)!

    private func recorded(_ body: EventBody, id: String? = nil, seq: UInt64 = 9) -> RecordedEvent {
        RecordedEvent(seq: seq, recorded: "2025-03-14T10:00:00Z", by: "kassör \"K\"", event: Event(org: org, date: date, id: id, body: body))
    }

    private func roundTrip(_ event: RecordedEvent) throws -> RecordedEvent {
        try event.decodedForm.withUnsafeBytes { raw in
            try RecordedEvent.decode(seq: event.seq, decoded: raw)
        }
    }

    /// The first valid fixture of every type (Schemas/fixtures).
    private func validFixtures() throws -> [Event] {
        try EventCatalogue.types.map { type in
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: PackagePaths.schemas + "/fixtures/\(type)/valid-1.json")))
            return try Event.decode(try JSONParser.parse(bytes))
        }
    }

    /// Every optional branch the valid fixtures leave out.
    private var branches: [EventBody] {
        let jan = Period("2025-01")!
        return [
            .placementStarted(PlacementStarted(person: "P-1", form: .workTraining, extent: 50, targetGroup: true, subsidy: .lonebidrag, referrer: .self)),
            .placementStarted(PlacementStarted(person: "P-1", form: .employment, extent: 100, targetGroup: false)),
            .placementChanged(PlacementChanged(person: "P-2", subsidy: SubsidyChange.none)),
            .placementChanged(PlacementChanged(person: "P-2", form: .volunteer, extent: 20, subsidy: .set(.nystartsjobb))),
            .placementChanged(PlacementChanged(person: "P-2", extent: 1)),
            .invoiceCredited(InvoiceCredited(invoice: "F-1", reason: "fel")),
            .invoiceCredited(
                InvoiceCredited(
                    invoice: "F-1", reason: "fel", lines: [SalesLine(text: "Kaffe", amount: Money(ore: 12_550), vat: .reduced, account: Account(3051))])),
            .subsidyReceived(SubsidyReceived(subsidy: .other, amount: Money(ore: 1), person: "P-3", period: jan, decision: "AF-2025/1")),
            .subsidyReceived(SubsidyReceived(subsidy: .lonebidragUtveckling, amount: Money(ore: 99_999_999))),
            .payrollPaid(PayrollPaid(period: jan, gross: Money(ore: 3_000_000), taxWithheld: .zero, employerFees: Money(ore: 942_600), account: Account(7210))),
            .grantAwarded(
                GrantAwarded(
                    grant: "G-1", funder: .arvsfonden, title: "Café", amount: Money(ore: 100), budget: Money(ore: 300),
                    from: date, to: date, coFinancing: [])),
            .surplusAllocated(SurplusAllocated(fiscalYear: 2024, dividend: Money(ore: -5))),
            .journalEntry(JournalEntry(text: "", lines: [JournalLine(account: Account(1930), amount: Money(ore: -Money.absoluteOreMax))])),
        ]
    }

    @Test("every valid fixture, every optional branch and 3 000 synthetic events read back equal, with and without an id")
    func roundTrips() throws {
        var bodies = try validFixtures().map(\.body)
        bodies += branches
        try SyntheticLedger(seed: 5, orgs: 3, years: 2).generate(count: 3_000) { input in bodies.append(try Event.decode(input).body) }
        var types = Set<String>()
        for (index, body) in bodies.enumerated() {
            for id in [nil, "k-\(index)", "ö\"\\"] as [String?] {
                let event = recorded(body, id: id, seq: UInt64(index + 1))
                #expect(try roundTrip(event) == event, "\(body.type)")
                types.insert(body.type)
            }
        }
        #expect(types == Set(EventCatalogue.types))
    }

    @Test("an event's data written straight to canonical bytes equals its JSON tree written and sorted, and decodes back")
    func directCanonicalData() throws {
        var bodies = try validFixtures().map(\.body)
        try SyntheticLedger(seed: 7, orgs: 3, years: 2).generate(count: 3_000) { input in bodies.append(try Event.decode(input).body) }
        let valid = bodies.count
        // The optional branches; amounts and numbers at their edges, text that needs escapes,
        // dates at both ends of the range: not all of these are valid events (an empty
        // co-financing list, a one-line entry), so they are compared as bytes only.
        bodies += branches
        for ore in [0, 1, 9, 10, 99, 100, 101, 123_456_789, Money.absoluteOreMax] as [Int64] {
            bodies.append(.memberLeft(MemberLeft(member: "M-\"1\"", refund: Money(ore: ore))))
            bodies.append(.journalEntry(JournalEntry(text: "rad\ntvå\u{1}", lines: [JournalLine(account: Account(1930), amount: Money(ore: -ore))])))
        }
        bodies.append(.eventReversed(EventReversed(seq: UInt64(Int.max), reason: "å")))
        bodies.append(
            .grantAwarded(
                GrantAwarded(
                    grant: "G", funder: .esf, title: "t", amount: Money(ore: 1), budget: Money(ore: 2), from: CalendarDate(year: 1900, month: 1, day: 1)!,
                    to: CalendarDate(year: 2199, month: 12, day: 31)!)))
        var types = Set<String>()
        for (index, body) in bodies.enumerated() {
            var direct: [UInt8] = [UInt8(ascii: "x")]
            CanonicalSink.write(body, into: &direct)
            #expect(direct == [UInt8(ascii: "x")] + JSONWriter.canonical(.object(body.fields)), "\(body.type)")
            guard index < valid else { continue }
            let event = recorded(body)
            #expect(try RecordedEvent.decode(seq: event.seq, payload: event.payload) == event, "\(body.type)")
            types.insert(body.type)
        }
        #expect(types == Set(EventCatalogue.types))
    }

    @Test("an event's stream names are docs/FORMAT.md's table, for every type (ids with non-ASCII and slashes too)")
    func streamNames() throws {
        var events = try validFixtures()
        events += branches.map { Event(org: org, date: date, id: nil, body: $0) }
        events.append(Event(org: org, date: date, id: nil, body: .memberAdmitted(MemberAdmitted(member: "Åsa/1", kind: .worker, contribution: .zero))))
        for event in events {
            let o = event.org.text
            var expected = ["org:" + o, "type:" + event.type]
            switch event.body {
            case .memberAdmitted(let p): expected.append("member:" + o + "/" + p.member)
            case .memberContributionPaid(let p): expected.append("member:" + o + "/" + p.member)
            case .memberLeft(let p): expected.append("member:" + o + "/" + p.member)
            case .boardElected: expected.append("board:" + o)
            case .placementStarted(let p): expected.append("person:" + o + "/" + p.person)
            case .placementChanged(let p): expected.append("person:" + o + "/" + p.person)
            case .placementEnded(let p): expected.append("person:" + o + "/" + p.person)
            case .invoiceIssued(let p): expected.append("invoice:" + o + "/" + p.invoice)
            case .invoicePaid(let p): expected.append("invoice:" + o + "/" + p.invoice)
            case .invoiceCredited(let p): expected.append("invoice:" + o + "/" + p.invoice)
            case .billReceived(let p): expected.append("bill:" + o + "/" + p.bill)
            case .billPaid(let p): expected.append("bill:" + o + "/" + p.bill)
            case .grantAwarded(let p): expected.append("grant:" + o + "/" + p.grant)
            case .grantReceived(let p): expected.append("grant:" + o + "/" + p.grant)
            case .grantUsed(let p): expected.append("grant:" + o + "/" + p.grant)
            case .grantRepaid(let p): expected.append("grant:" + o + "/" + p.grant)
            case .subsidyReceived(let p): if let person = p.person { expected.append("person:" + o + "/" + person) }
            case .eventReversed(let p): expected.append("reversal:" + String(p.seq))
            default: break
            }
            #expect(event.streams == expected, "\(event.type)")
        }
    }

    @Test("the organisation is read from the form's head; the type numbers are 1–26, one per type")
    func head() throws {
        let event = recorded(.fiscalYearClosed(FiscalYearClosed(fiscalYear: 2024)))
        let org = event.decodedForm.withUnsafeBytes { raw in RecordedEvent.organisation(ofDecoded: raw).map { Array($0) } }
        #expect(org == Array("769629-1231".utf8))
        // The tag 0xB1, the format, the org (its length 11 and its bytes), then the type number.
        let tags = try validFixtures().map { recorded($0.body).decodedForm[14] }
        #expect(tags.sorted() == Array(1...26))
    }

    @Test("a damaged form is refused: cut at every length, a byte added, another format, a bad check digit, type, choice or date")
    func damage() throws {
        let body = EventBody.invoiceIssued(
            InvoiceIssued(
                invoice: "F-9", customer: "Kommunen", customerKind: .public, due: date,
                lines: [SalesLine(text: "Lunch", amount: Money(ore: 10_000), vat: .reduced)]))
        let form = recorded(body).decodedForm
        func refused(_ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes { raw in (try? RecordedEvent.decode(seq: 1, decoded: raw)) == nil }
        }
        #expect(!refused(form))
        for length in 0..<form.count { #expect(refused(Array(form[0..<length])), "cut at \(length)") }
        #expect(refused(form + [0]))
        var otherFormat = form
        otherFormat[1] = 2
        #expect(refused(otherFormat))
        #expect(otherFormat.withUnsafeBytes { RecordedEvent.organisation(ofDecoded: $0) } == nil)
        var badOrg = form
        badOrg[13] = badOrg[13] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")  // check digit
        #expect(refused(badOrg))
        var badType = form
        badType[14] = 27
        #expect(refused(badType))
        // The customer kind follows the customer's name.
        var badChoice = form
        let kindIndex = form.indices.first { index in index > 8 && Array(form[index - 8..<index]) == Array("Kommunen".utf8) }!
        badChoice[kindIndex] = 7
        #expect(refused(badChoice))
        // Dates are YYYYMMDD in LEB128: 2025-03-14 becomes 2025-02-30 (the same length).
        let march = leb128(20_250_314)
        let start = form.indices.first { Array(form[$0..<min(form.count, $0 + march.count)]) == march }!
        var badDate = form
        badDate.replaceSubrange(start..<start + march.count, with: leb128(20_250_230))
        #expect(badDate.count == form.count)
        #expect(refused(badDate))
    }

    private func leb128(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        return bytes + [UInt8(v)]
    }
}
