public import KooplogDomain

/// Example organisation numbers (valid Luhn digits) for generated books.
public enum SyntheticOrgs {
    /// The `index`-th organisation number: 7000NN-NNNC with a computed check digit.
    public static func number(_ index: Int) -> String {
        let base = 700_000_000 + index * 7
        let digits = String(base).compactMap { $0.wholeNumberValue }
        let check = OrgNumber.luhnCheckDigit(Array(digits.prefix(9)))
        let text = String(base)
        return "\(text.prefix(6))-\(text.dropFirst(6).prefix(3))\(check)"
    }
}

/// SplitMix64: a small, seeded, deterministic generator.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates random but valid event sequences for one organisation: it keeps just enough state
/// (open invoices and bills, members, active placements, grants, closed years) to stay within
/// every rule, including reversals.
public struct RandomBooks {
    public var rng: SeededGenerator
    public let org: String
    /// The events generated and not yet handed out by `take()`.
    public private(set) var events: [JSON] = []
    /// Events handed out by `take()`: an event's local seq is its place among all generated.
    private var taken = 0
    public private(set) var date: CalendarDate
    private var invoices: [(id: String, outstanding: Int64, seq: Int, paid: Bool)] = []
    private var bills: [(id: String, outstanding: Int64)] = []
    private var members: [String] = []
    private var active: [String] = []
    private var grants: [(id: String, liability: Int64)] = []
    private var reversible: [Int] = []
    private var reversed: Set<Int> = []
    private var counter = 0
    /// Whether the books contain reversals (off for tests that remove events).
    public var allowReversals = true

    /// Days the calendar moves per event, on average (1/4: a day every four events).
    public var daysPerEvent = 0.25

    public init(seed: UInt64, org: String = "769629-1231", start: CalendarDate = CalendarDate(year: 2023, month: 1, day: 2)!) {
        rng = SeededGenerator(seed: seed)
        self.org = org
        date = start
        events.append(
            Self.event(
                "org.registered", org: org, date: CalendarDate(year: start.year, month: 1, day: 1)!.description,
                data: ["name": .string("Kooperativ \(org)"), "fiscalYearStart": "01-01"]))
    }

    static func event(_ type: String, org: String, date: String, data: JSON) -> JSON {
        .object(JSONObject([("type", .string(type)), ("org", .string(org)), ("date", .string(date)), ("data", data)]))
    }

    private mutating func nextID(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    private mutating func amount(_ low: Int, _ high: Int) -> Int64 { Int64.random(in: Int64(low)...Int64(high), using: &rng) }

    private func kr(_ ore: Int64) -> JSON { .string(Money(ore: ore).canonical) }

    private mutating func add(_ type: String, _ data: JSON, reversible canReverse: Bool = false) {
        events.append(Self.event(type, org: org, date: date.description, data: data))
        if canReverse { reversible.append(generated) }
    }

    /// Events generated so far, handed out or not.
    public var generated: Int { taken + events.count }

    /// Adds `count` more steps (a step adds one event, or none when its draw does not fit).
    public mutating func generate(_ count: Int) {
        for _ in 0..<count { step() }
    }

    /// Hands out the events generated since the last call and forgets them: a long merge of many
    /// organisations' books then holds only the events it has not written yet.
    public mutating func take() -> [JSON] {
        let out = events
        taken += events.count
        events = []
        return out
    }

    private mutating func advanceDate() {
        // Whole days, plus one more with the fractional part's probability.
        var days = Int(daysPerEvent)
        if Double.random(in: 0..<1, using: &rng) < daysPerEvent - Double(days) { days += 1 }
        for _ in 0..<days {
            let day = date.day + 1
            if day > 28 {
                date = date.month == 12 ? CalendarDate(year: date.year + 1, month: 1, day: 1)! : CalendarDate(year: date.year, month: date.month + 1, day: 1)!
            } else {
                date = CalendarDate(year: date.year, month: date.month, day: day)!
            }
        }
    }

    private mutating func step() {
        advanceDate()
        switch Int.random(in: 0..<15, using: &rng) {
        case 0:
            let id = nextID("INV")
            let net = amount(100, 5_000_000)
            let gross = net + Money(ore: net).percent(25).ore
            add(
                "invoice.issued",
                [
                    "invoice": .string(id), "customer": "Kund AB", "customerKind": "public",
                    "due": .string(CalendarDate(year: date.year + 1, month: 1, day: 31)!.description),
                    "lines": [["text": "Tvätt", "amount": kr(net), "vat": 25]],
                ])
            invoices.append((id, gross, generated, false))
        case 1 where !invoices.isEmpty:
            let index = Int.random(in: 0..<invoices.count, using: &rng)
            let pay = Int64.random(in: 1...invoices[index].outstanding, using: &rng)
            add("invoice.paid", ["invoice": .string(invoices[index].id), "amount": kr(pay)])
            invoices[index].outstanding -= pay
            invoices[index].paid = true
            if invoices[index].outstanding == 0 { invoices.remove(at: index) }
        case 2:
            add("sale.paid", ["customerKind": "private", "lines": [["text": "Kort", "amount": kr(amount(100, 900_000)), "vat": 12]]], reversible: true)
        case 3:
            let id = nextID("B")
            let net = amount(100, 300_000)
            add(
                "bill.received",
                [
                    "bill": .string(id), "supplier": "Leverantör AB", "due": .string(date.description),
                    "lines": [["text": "Material", "amount": kr(net), "vat": 25, "account": "4010"]],
                ])
            bills.append((id, net + Money(ore: net).percent(25).ore))
        case 4 where !bills.isEmpty:
            let index = Int.random(in: 0..<bills.count, using: &rng)
            add("bill.paid", ["bill": .string(bills[index].id), "amount": kr(bills[index].outstanding)])
            bills.remove(at: index)
        case 5:
            add(
                "expense.paid", ["supplier": "Butik", "lines": [["text": "Förbrukning", "amount": kr(amount(100, 200_000)), "vat": 25, "account": "5460"]]],
                reversible: true)
        case 6:
            let gross = amount(1_000_000, 5_000_000)
            let period = "\(date.year)-\(date.month < 10 ? "0" : "")\(date.month)"
            add(
                "payroll.paid", ["period": .string(period), "gross": kr(gross), "taxWithheld": kr(gross / 5), "employerFees": kr(gross * 3142 / 10000)],
                reversible: true)
        case 7:
            let id = nextID("M")
            add("member.admitted", ["member": .string(id), "kind": Bool.random(using: &rng) ? "worker" : "supporting", "contribution": "500"])
            members.append(id)
        case 8 where !members.isEmpty:
            add("member.contribution-paid", ["member": .string(members.randomElement(using: &rng)!), "amount": kr(amount(100, 50_000))], reversible: true)
        case 9:
            let id = nextID("P")
            add(
                "placement.started",
                [
                    "person": .string(id), "form": ["employment", "work-training", "internship"].randomElement(using: &rng).map { .string($0) }!,
                    "extent": .number(String(Int.random(in: 1...100, using: &rng))), "targetGroup": .bool(Bool.random(using: &rng)),
                ])
            active.append(id)
        case 10 where !active.isEmpty:
            let index = Int.random(in: 0..<active.count, using: &rng)
            if Bool.random(using: &rng) {
                add("placement.changed", ["person": .string(active[index]), "extent": .number(String(Int.random(in: 1...100, using: &rng)))], reversible: true)
            } else {
                add("placement.ended", ["person": .string(active[index]), "outcome": "employment-elsewhere"])
                active.remove(at: index)
            }
        case 11:
            if grants.isEmpty || Int.random(in: 0..<5, using: &rng) == 0 {
                let id = nextID("G")
                add(
                    "grant.awarded",
                    [
                        "grant": .string(id), "funder": "esf", "title": "Projekt", "amount": "1000000", "budget": "2000000",
                        "from": .string(date.description), "to": .string(CalendarDate(year: date.year + 2, month: 12, day: 31)!.description),
                    ])
                grants.append((id, 0))
            } else {
                let index = Int.random(in: 0..<grants.count, using: &rng)
                let x = amount(100, 2_000_000)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0:
                    add("grant.received", ["grant": .string(grants[index].id), "amount": kr(x)])
                    grants[index].liability += x  // approximate: the accrued part is repaid first, so liability ≤ this
                case 1:
                    add("grant.used", ["grant": .string(grants[index].id), "amount": kr(x), "text": "Kostnader"])
                    grants[index].liability = 0  // conservative: do not repay after a use
                default:
                    break
                }
            }
        case 12:
            let x = amount(1, 1_000_000)
            add(
                "journal.entry", ["text": "Omföring", "lines": [["account": "1930", "debit": kr(x)], ["account": "2893", "credit": kr(x)]]], reversible: true)
        case 13 where date.month >= 2 && !closedPrevious:
            add("fiscal-year.closed", ["fiscalYear": .string(String(date.year - 1))])
            closedYear = date.year - 1
        case 14 where !reversible.isEmpty && allowReversals:
            let index = Int.random(in: 0..<reversible.count, using: &rng)
            let seq = reversible.remove(at: index)
            guard !reversed.contains(seq) else { return }
            reversed.insert(seq)
            add("event.reversed", ["seq": .number(String(seq)), "reason": "Rättelse"])
        default:
            add("subsidy.received", ["subsidy": "lonebidrag", "amount": kr(amount(1000, 3_000_000))], reversible: true)
        }
    }

    private var closedYear = 2022
    private var closedPrevious: Bool { closedYear >= date.year - 1 }
}
