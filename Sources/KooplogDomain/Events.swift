// One type per event type of SPEC.md §4 (schema version 1). Each decodes its `data` object with a
// FieldReader (every field checked, unknown fields refused) and encodes its canonical `data`:
// amounts as "12500.00", defaults written out, so stored data is exact and self-describing.

/// What every event type provides.
public protocol EventPayload: Sendable, Equatable {
    static var type: String { get }
    init(_ reader: inout FieldReader) throws(Refusal)
    /// Describes the `data` object to a sink, field by field, keys in canonical order
    /// (FieldSink.swift); `fields` and the stored payload are both written from it.
    func emit<Sink: FieldSink>(_ sink: inout Sink)
}

// MARK: organisation

public struct OrgRegistered: EventPayload {
    public static let type = "org.registered"
    public var name: String
    /// Month on whose first day the fiscal year starts (1–12).
    public var fiscalYearStartMonth: Int
    public var vatRegistered: Bool

    public init(name: String, fiscalYearStartMonth: Int = 1, vatRegistered: Bool = true) {
        self.name = name
        self.fiscalYearStartMonth = fiscalYearStartMonth
        self.vatRegistered = vatRegistered
    }

    public init(_ r: inout FieldReader) throws(Refusal) {
        name = try r.freeText("name")
        let start = try r.optionalString("fiscalYearStart") ?? "01-01"
        let parts = start.split(separator: "-")
        guard start.utf8.count == 5, parts.count == 2, let month = Int(parts[0]), (1...12).contains(month), parts[1] == "01"
        else {
            throw Refusal(
                .invalidValue, field: "data.fiscalYearStart",
                "\"\(start)\" is not a fiscal year start; write \"MM-01\" (a fiscal year starts on the first day of a month), e.g. \"07-01\"")
        }
        fiscalYearStartMonth = month
        vatRegistered = try r.bool("vatRegistered", default: true)
    }

    public var fiscalYearStart: String { (fiscalYearStartMonth < 10 ? "0" : "") + "\(fiscalYearStartMonth)-01" }

    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.text("fiscalYearStart", fiscalYearStart)
        s.text("name", name)
        s.bool("vatRegistered", vatRegistered)
    }
}

public struct FiscalYearClosed: EventPayload {
    public static let type = "fiscal-year.closed"
    /// The fiscal year by its start year.
    public var fiscalYear: Int

    public init(fiscalYear: Int) { self.fiscalYear = fiscalYear }
    public init(_ r: inout FieldReader) throws(Refusal) { fiscalYear = try r.integer("fiscalYear", range: 1900...2199, allowText: true) }
    public func emit<Sink: FieldSink>(_ s: inout Sink) { s.text("fiscalYear", String(fiscalYear)) }
}

public struct EventReversed: EventPayload {
    public static let type = "event.reversed"
    public var seq: UInt64
    public var reason: String

    public init(seq: UInt64, reason: String) {
        self.seq = seq
        self.reason = reason
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        seq = UInt64(try r.integer("seq", range: 1...Int.max))
        reason = try r.freeText("reason")
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.text("reason", reason)
        s.number("seq", Int(seq))
    }
}

// MARK: members and governance

public struct MemberAdmitted: EventPayload {
    public static let type = "member.admitted"
    public var member: String
    public var kind: MemberKind
    public var contribution: Money

    public init(member: String, kind: MemberKind, contribution: Money) {
        self.member = member
        self.kind = kind
        self.contribution = contribution
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        member = try r.identifier("member")
        kind = try r.choice("kind", MemberKind.self)
        contribution = try r.money("contribution")
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.money("contribution", contribution)
        s.text("kind", kind.rawValue)
        s.text("member", member)
    }
}

public struct MemberContributionPaid: EventPayload {
    public static let type = "member.contribution-paid"
    public var member: String
    public var amount: Money

    public init(member: String, amount: Money) {
        self.member = member
        self.amount = amount
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        member = try r.identifier("member")
        amount = try r.money("amount", allowZero: false)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.money("amount", amount)
        s.text("member", member)
    }
}

public struct MemberLeft: EventPayload {
    public static let type = "member.left"
    public var member: String
    public var refund: Money

    public init(member: String, refund: Money) {
        self.member = member
        self.refund = refund
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        member = try r.identifier("member")
        refund = try r.money("refund")
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.text("member", member)
        s.money("refund", refund)
    }
}

public struct BoardSeat: Sendable, Equatable {
    public var member: String
    public var role: BoardRole
    public init(member: String, role: BoardRole) {
        self.member = member
        self.role = role
    }
}

public struct BoardElected: EventPayload {
    public static let type = "board.elected"
    public var seats: [BoardSeat]

    public init(seats: [BoardSeat]) { self.seats = seats }
    public init(_ r: inout FieldReader) throws(Refusal) {
        seats = try r.list("seats", maxCount: 50) { (s) throws(Refusal) in
            BoardSeat(member: try s.identifier("member"), role: try s.choice("role", BoardRole.self))
        }
        var seen = Set<String>()
        for seat in seats where !seen.insert(seat.member).inserted {
            throw Refusal(.duplicateIdentifier, field: "data.seats", "member \(seat.member) holds more than one seat")
        }
        if seats.filter({ $0.role == .chair }).count > 1 {
            throw Refusal(.invalidValue, field: "data.seats", "the board has more than one chair")
        }
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.objects("seats", seats) { seat, o in
            o.text("member", seat.member)
            o.text("role", seat.role.rawValue)
        }
    }
}

// MARK: people in work

public struct PlacementStarted: EventPayload {
    public static let type = "placement.started"
    public var person: String
    public var form: WorkForm
    public var extent: Int
    public var targetGroup: Bool
    public var subsidy: Subsidy?
    public var referrer: Referrer?

    public init(person: String, form: WorkForm, extent: Int, targetGroup: Bool, subsidy: Subsidy? = nil, referrer: Referrer? = nil) {
        self.person = person
        self.form = form
        self.extent = extent
        self.targetGroup = targetGroup
        self.subsidy = subsidy
        self.referrer = referrer
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        person = try r.identifier("person")
        form = try r.choice("form", WorkForm.self)
        extent = try r.integer("extent", range: 1...100)
        targetGroup = try r.bool("targetGroup")
        subsidy = try r.optionalChoice("subsidy", Subsidy.self)
        referrer = try r.optionalChoice("referrer", Referrer.self)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.number("extent", extent)
        s.text("form", form.rawValue)
        s.text("person", person)
        s.text("referrer", referrer?.rawValue)
        s.text("subsidy", subsidy?.rawValue)
        s.bool("targetGroup", targetGroup)
    }
}

public struct PlacementChanged: EventPayload {
    public static let type = "placement.changed"
    public var person: String
    public var form: WorkForm?
    public var extent: Int?
    public var subsidy: SubsidyChange?

    public init(person: String, form: WorkForm? = nil, extent: Int? = nil, subsidy: SubsidyChange? = nil) {
        self.person = person
        self.form = form
        self.extent = extent
        self.subsidy = subsidy
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        person = try r.identifier("person")
        form = try r.optionalChoice("form", WorkForm.self)
        extent = try r.optionalInteger("extent", range: 1...100)
        if let value = r.optionalValue("subsidy") {
            if value.isString("none") {
                subsidy = SubsidyChange.none
            } else {
                subsidy = .set(try FieldReader.checkedChoice(value, field: "data.subsidy", Subsidy.self))
            }
        }
        if form == nil && extent == nil && subsidy == nil {
            throw Refusal(.missingField, field: "data", "placement.changed needs at least one of form, extent, subsidy")
        }
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.number("extent", extent)
        s.text("form", form?.rawValue)
        s.text("person", person)
        switch subsidy {
        case .none?: s.text("subsidy", "none")
        case .set(let subsidy)?: s.text("subsidy", subsidy.rawValue)
        case nil: break
        }
    }
}

public struct PlacementEnded: EventPayload {
    public static let type = "placement.ended"
    public var person: String
    public var outcome: Outcome

    public init(person: String, outcome: Outcome) {
        self.person = person
        self.outcome = outcome
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        person = try r.identifier("person")
        outcome = try r.choice("outcome", Outcome.self)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.text("outcome", outcome.rawValue)
        s.text("person", person)
    }
}

// MARK: finances: lines

/// A sales line: net amount, VAT rate, optional revenue account (default by VAT rate).
public struct SalesLine: Sendable, Equatable {
    public var text: String
    public var amount: Money
    public var vat: VATRate
    public var account: Account?

    public init(text: String, amount: Money, vat: VATRate, account: Account? = nil) {
        self.text = text
        self.amount = amount
        self.vat = vat
        self.account = account
    }

    static func read(_ r: inout FieldReader) throws(Refusal) -> SalesLine {
        let line = SalesLine(
            text: try r.freeText("text"), amount: try r.money("amount", allowZero: false),
            vat: try r.vatRate("vat"), account: try r.optionalAccount("account"))
        if let account = line.account, !account.isRevenue {
            throw Refusal(.invalidAccount, field: r.name("account"), "\(account) is not a revenue account; sales go on 3000–3999")
        }
        return line
    }

    public var revenueAccount: Account { account ?? vat.salesAccount }
    public var vatAmount: Money { amount.percent(vat.rawValue) }
    public var gross: Money { amount + vatAmount }

    static func emit<Sink: FieldSink>(_ line: SalesLine, _ s: inout Sink) {
        emitLine(account: line.account, amount: line.amount, text: line.text, vat: line.vat, &s)
    }
}

/// A cost line: net amount, VAT rate, cost or asset account (required).
public struct CostLine: Sendable, Equatable {
    public var text: String
    public var amount: Money
    public var vat: VATRate
    public var account: Account

    public init(text: String, amount: Money, vat: VATRate, account: Account) {
        self.text = text
        self.amount = amount
        self.vat = vat
        self.account = account
    }

    static func read(_ r: inout FieldReader) throws(Refusal) -> CostLine {
        let line = CostLine(
            text: try r.freeText("text"), amount: try r.money("amount", allowZero: false),
            vat: try r.vatRate("vat"), account: try r.account("account"))
        let n = line.account.number
        guard (1000..<2000).contains(n) || (4000..<8000).contains(n) || (8400..<8500).contains(n) else {
            throw Refusal(
                .invalidAccount, field: r.name("account"),
                "\(n) is not a cost or asset account; use 1000–1999 (assets), 4000–7999 (costs) or 8400–8499 (interest)")
        }
        return line
    }

    public var vatAmount: Money { amount.percent(vat.rawValue) }
    public var gross: Money { amount + vatAmount }

    static func emit<Sink: FieldSink>(_ line: CostLine, _ s: inout Sink) {
        emitLine(account: line.account, amount: line.amount, text: line.text, vat: line.vat, &s)
    }
}

/// A sales or cost line's fields (the same four; a sales line's account is optional).
private func emitLine<Sink: FieldSink>(account: Account?, amount: Money, text: String, vat: VATRate, _ s: inout Sink) {
    s.account("account", account)
    s.money("amount", amount)
    s.text("text", text)
    s.number("vat", vat.rawValue)
}

extension FieldReader {
    mutating func vatRate(_ key: String) throws(Refusal) -> VATRate {
        let number = try integer(key, range: 0...100)
        guard let rate = VATRate(rawValue: number) else {
            throw Refusal(.invalidValue, field: name(key), "\(number) is not a Swedish VAT rate; use 25, 12, 6 or 0")
        }
        return rate
    }

    /// Free text (names of customers, descriptions). Refuses what looks like a personal identity
    /// number: events never carry personal data.
    mutating func freeText(_ key: String, maxLength: Int = 200) throws(Refusal) -> String {
        let text = try string(key, maxLength: maxLength)
        try PersonalData.check(text, field: name(key))
        return text
    }

    mutating func optionalFreeText(_ key: String, maxLength: Int = 200) throws(Refusal) -> String? {
        guard has(key) else {
            _ = optionalValue(key)
            return nil
        }
        return try freeText(key, maxLength: maxLength)
    }
}

// MARK: finances: events

public struct InvoiceIssued: EventPayload {
    public static let type = "invoice.issued"
    public var invoice: String
    public var customer: String
    public var customerKind: CustomerKind
    public var due: CalendarDate
    public var lines: [SalesLine]

    public init(invoice: String, customer: String, customerKind: CustomerKind, due: CalendarDate, lines: [SalesLine]) {
        self.invoice = invoice
        self.customer = customer
        self.customerKind = customerKind
        self.due = due
        self.lines = lines
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        invoice = try r.identifier("invoice")
        customer = try r.freeText("customer")
        customerKind = try r.choice("customerKind", CustomerKind.self)
        due = try r.date("due")
        lines = try r.list("lines", maxCount: 500, SalesLine.read)
    }
    public var gross: Money { lines.reduce(.zero) { $0 + $1.gross } }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.text("customer", customer)
        s.text("customerKind", customerKind.rawValue)
        s.date("due", due)
        s.text("invoice", invoice)
        s.objects("lines", lines) { SalesLine.emit($0, &$1) }
    }
}

public struct InvoicePaid: EventPayload {
    public static let type = "invoice.paid"
    public var invoice: String
    public var amount: Money

    public init(invoice: String, amount: Money) {
        self.invoice = invoice
        self.amount = amount
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        invoice = try r.identifier("invoice")
        amount = try r.money("amount", allowZero: false)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.money("amount", amount)
        s.text("invoice", invoice)
    }
}

public struct InvoiceCredited: EventPayload {
    public static let type = "invoice.credited"
    public var invoice: String
    public var reason: String
    /// The credited lines; nil credits the whole invoice (which must then be unpaid).
    public var lines: [SalesLine]?

    public init(invoice: String, reason: String, lines: [SalesLine]? = nil) {
        self.invoice = invoice
        self.reason = reason
        self.lines = lines
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        invoice = try r.identifier("invoice")
        reason = try r.freeText("reason")
        lines = try r.optionalList("lines", maxCount: 500, SalesLine.read)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.text("invoice", invoice)
        if let lines { s.objects("lines", lines) { SalesLine.emit($0, &$1) } }
        s.text("reason", reason)
    }
}

public struct SalePaid: EventPayload {
    public static let type = "sale.paid"
    public var customerKind: CustomerKind
    public var lines: [SalesLine]

    public init(customerKind: CustomerKind, lines: [SalesLine]) {
        self.customerKind = customerKind
        self.lines = lines
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        customerKind = try r.choice("customerKind", CustomerKind.self)
        lines = try r.list("lines", maxCount: 500, SalesLine.read)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.text("customerKind", customerKind.rawValue)
        s.objects("lines", lines) { SalesLine.emit($0, &$1) }
    }
}

public struct BillReceived: EventPayload {
    public static let type = "bill.received"
    public var bill: String
    public var supplier: String
    public var due: CalendarDate
    public var lines: [CostLine]

    public init(bill: String, supplier: String, due: CalendarDate, lines: [CostLine]) {
        self.bill = bill
        self.supplier = supplier
        self.due = due
        self.lines = lines
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        bill = try r.identifier("bill")
        supplier = try r.freeText("supplier")
        due = try r.date("due")
        lines = try r.list("lines", maxCount: 500, CostLine.read)
    }
    public var gross: Money { lines.reduce(.zero) { $0 + $1.gross } }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.text("bill", bill)
        s.date("due", due)
        s.objects("lines", lines) { CostLine.emit($0, &$1) }
        s.text("supplier", supplier)
    }
}

public struct BillPaid: EventPayload {
    public static let type = "bill.paid"
    public var bill: String
    public var amount: Money

    public init(bill: String, amount: Money) {
        self.bill = bill
        self.amount = amount
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        bill = try r.identifier("bill")
        amount = try r.money("amount", allowZero: false)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.money("amount", amount)
        s.text("bill", bill)
    }
}

public struct ExpensePaid: EventPayload {
    public static let type = "expense.paid"
    public var supplier: String
    public var lines: [CostLine]

    public init(supplier: String, lines: [CostLine]) {
        self.supplier = supplier
        self.lines = lines
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        supplier = try r.freeText("supplier")
        lines = try r.list("lines", maxCount: 500, CostLine.read)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.objects("lines", lines) { CostLine.emit($0, &$1) }
        s.text("supplier", supplier)
    }
}

/// A payroll period `YYYY-MM`.
public struct Period: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 7, parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
            (1900...2199).contains(year), (1...12).contains(month)
        else { return nil }
        self.year = year
        self.month = month
    }

    /// A checked year and month (the decoded form checks them first).
    init(year: Int, month: Int) {
        precondition((1900...2199).contains(year) && (1...12).contains(month), "period \(year)-\(month)")
        self.year = year
        self.month = month
    }

    public static func < (lhs: Period, rhs: Period) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }
    public var description: String { "\(year)-\(month < 10 ? "0" : "")\(month)" }
}

extension FieldReader {
    mutating func period(_ key: String) throws(Refusal) -> Period {
        let text = try string(key, maxLength: 7)
        guard let period = Period(text) else {
            throw Refusal(.invalidValue, field: name(key), "\"\(text)\" is not a period; write YYYY-MM, e.g. 2025-03")
        }
        return period
    }
    mutating func optionalPeriod(_ key: String) throws(Refusal) -> Period? {
        guard has(key) else {
            _ = optionalValue(key)
            return nil
        }
        return try period(key)
    }
}

public struct PayrollPaid: EventPayload {
    public static let type = "payroll.paid"
    public var period: Period
    public var gross: Money
    public var taxWithheld: Money
    public var employerFees: Money
    public var account: Account?

    public init(period: Period, gross: Money, taxWithheld: Money, employerFees: Money, account: Account? = nil) {
        self.period = period
        self.gross = gross
        self.taxWithheld = taxWithheld
        self.employerFees = employerFees
        self.account = account
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        period = try r.period("period")
        gross = try r.money("gross", allowZero: false)
        taxWithheld = try r.money("taxWithheld")
        employerFees = try r.money("employerFees")
        account = try r.optionalAccount("account")
        if taxWithheld > gross {
            throw Refusal(
                .invalidValue, field: "data.taxWithheld",
                "\(taxWithheld.swedish) kr is more than the gross pay \(gross.swedish) kr")
        }
        if let account, !(7000..<7700).contains(account.number) {
            throw Refusal(.invalidAccount, field: "data.account", "\(account) is not a personnel cost account; use 7000–7699 (default 7010)")
        }
    }
    public var wageAccount: Account { account ?? Account(7010) }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.account("account", account)
        s.money("employerFees", employerFees)
        s.money("gross", gross)
        s.text("period", period.description)
        s.money("taxWithheld", taxWithheld)
    }
}

public struct PayrollTaxesPaid: EventPayload {
    public static let type = "payroll.taxes-paid"
    public var period: Period
    public var taxWithheld: Money
    public var employerFees: Money

    public init(period: Period, taxWithheld: Money, employerFees: Money) {
        self.period = period
        self.taxWithheld = taxWithheld
        self.employerFees = employerFees
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        period = try r.period("period")
        taxWithheld = try r.money("taxWithheld")
        employerFees = try r.money("employerFees")
        if taxWithheld.isZero && employerFees.isZero {
            throw Refusal(.invalidAmount, field: "data", "taxWithheld and employerFees are both zero; nothing is paid")
        }
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.money("employerFees", employerFees)
        s.text("period", period.description)
        s.money("taxWithheld", taxWithheld)
    }
}

public struct SubsidyReceived: EventPayload {
    public static let type = "subsidy.received"
    public var subsidy: Subsidy
    public var amount: Money
    public var person: String?
    public var period: Period?
    public var decision: String?

    public init(subsidy: Subsidy, amount: Money, person: String? = nil, period: Period? = nil, decision: String? = nil) {
        self.subsidy = subsidy
        self.amount = amount
        self.person = person
        self.period = period
        self.decision = decision
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        subsidy = try r.choice("subsidy", Subsidy.self)
        amount = try r.money("amount", allowZero: false)
        person = r.has("person") ? try r.identifier("person") : nil
        period = try r.optionalPeriod("period")
        decision = try r.optionalFreeText("decision", maxLength: 64)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.money("amount", amount)
        s.text("decision", decision)
        s.text("period", period?.description)
        s.text("person", person)
        s.text("subsidy", subsidy.rawValue)
    }
}

public struct CoFinancing: Sendable, Equatable {
    public var source: String
    public var amount: Money
}

public struct GrantAwarded: EventPayload {
    public static let type = "grant.awarded"
    public var grant: String
    public var funder: Funder
    public var title: String
    public var amount: Money
    public var budget: Money
    public var from: CalendarDate
    public var to: CalendarDate
    public var coFinancing: [CoFinancing]?

    public init(
        grant: String, funder: Funder, title: String, amount: Money, budget: Money, from: CalendarDate, to: CalendarDate,
        coFinancing: [CoFinancing]? = nil
    ) {
        self.grant = grant
        self.funder = funder
        self.title = title
        self.amount = amount
        self.budget = budget
        self.from = from
        self.to = to
        self.coFinancing = coFinancing
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        grant = try r.identifier("grant")
        funder = try r.choice("funder", Funder.self)
        title = try r.freeText("title")
        amount = try r.money("amount", allowZero: false)
        budget = try r.money("budget", allowZero: false)
        from = try r.date("from")
        to = try r.date("to")
        coFinancing = try r.optionalList("coFinancing", maxCount: 50) { (c) throws(Refusal) in
            CoFinancing(source: try c.freeText("source"), amount: try c.money("amount", allowZero: false))
        }
        if budget < amount {
            throw Refusal(.invalidValue, field: "data.budget", "the budget \(budget.swedish) kr is smaller than the grant \(amount.swedish) kr")
        }
        if to < from {
            throw Refusal(.invalidDate, field: "data.to", "the project ends (\(to)) before it starts (\(from))")
        }
        let coTotal = (coFinancing ?? []).reduce(Money.zero) { $0 + $1.amount }
        if coTotal > budget - amount {
            throw Refusal(
                .invalidValue, field: "data.coFinancing",
                "co-financing \(coTotal.swedish) kr exceeds what the budget leaves beside the grant (\((budget - amount).swedish) kr)")
        }
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.money("amount", amount)
        s.money("budget", budget)
        if let coFinancing {
            s.objects("coFinancing", coFinancing) { part, o in
                o.money("amount", part.amount)
                o.text("source", part.source)
            }
        }
        s.date("from", from)
        s.text("funder", funder.rawValue)
        s.text("grant", grant)
        s.text("title", title)
        s.date("to", to)
    }
}

/// `grant.received`, `grant.repaid`: a grant and an amount.
public struct GrantMoney: Sendable, Equatable {
    public var grant: String
    public var amount: Money
    public init(grant: String, amount: Money) {
        self.grant = grant
        self.amount = amount
    }
    init(_ r: inout FieldReader) throws(Refusal) {
        grant = try r.identifier("grant")
        amount = try r.money("amount", allowZero: false)
    }
    func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.money("amount", amount)
        s.text("grant", grant)
    }
}

public struct GrantReceived: EventPayload {
    public static let type = "grant.received"
    public var grant: String
    public var amount: Money
    public init(grant: String, amount: Money) {
        self.grant = grant
        self.amount = amount
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        let g = try GrantMoney(&r)
        (grant, amount) = (g.grant, g.amount)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) { GrantMoney(grant: grant, amount: amount).emit(&s) }
}

public struct GrantRepaid: EventPayload {
    public static let type = "grant.repaid"
    public var grant: String
    public var amount: Money
    public init(grant: String, amount: Money) {
        self.grant = grant
        self.amount = amount
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        let g = try GrantMoney(&r)
        (grant, amount) = (g.grant, g.amount)
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) { GrantMoney(grant: grant, amount: amount).emit(&s) }
}

public struct GrantUsed: EventPayload {
    public static let type = "grant.used"
    public var grant: String
    public var amount: Money
    public var text: String
    public init(grant: String, amount: Money, text: String) {
        self.grant = grant
        self.amount = amount
        self.text = text
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        let g = try GrantMoney(&r)
        (grant, amount) = (g.grant, g.amount)
        text = try r.freeText("text")
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        GrantMoney(grant: grant, amount: amount).emit(&s)
        s.text("text", text)
    }
}

/// One journal line: a debit or a credit on an account.
public struct JournalLine: Sendable, Equatable {
    public var account: Account
    /// Positive for a debit, negative for a credit.
    public var amount: Money
    public init(account: Account, amount: Money) {
        self.account = account
        self.amount = amount
    }
}

public struct JournalEntry: EventPayload {
    public static let type = "journal.entry"
    public var text: String
    public var lines: [JournalLine]

    public init(text: String, lines: [JournalLine]) {
        self.text = text
        self.lines = lines
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        text = try r.freeText("text")
        lines = try r.list("lines", minCount: 2, maxCount: 10_000) { (l) throws(Refusal) in
            let account = try l.account("account")
            let hasDebit = l.has("debit")
            let hasCredit = l.has("credit")
            guard hasDebit != hasCredit else {
                _ = l.optionalValue("debit")
                _ = l.optionalValue("credit")
                throw Refusal(.invalidValue, field: l.name("debit"), "a line has either \"debit\" or \"credit\", exactly one of them")
            }
            let amount = hasDebit ? try l.money("debit", allowZero: false) : try l.money("credit", allowZero: false)
            return JournalLine(account: account, amount: hasDebit ? amount : amount.negated)
        }
        var debit = Money.zero
        var credit = Money.zero
        for line in lines {
            if line.amount.isNegative { credit += line.amount.negated } else { debit += line.amount }
        }
        if debit != credit {
            throw Refusal(
                .unbalancedEntry, field: "data.lines",
                "debits \(debit.swedish) kr and credits \(credit.swedish) kr differ by \((debit - credit).magnitude.swedish) kr; a journal entry must balance")
        }
    }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.objects("lines", lines) { line, o in
            o.account("account", line.account)
            if line.amount.isNegative { o.money("credit", line.amount.negated) } else { o.money("debit", line.amount) }
        }
        s.text("text", text)
    }
}

public struct Reinvestment: Sendable, Equatable {
    public var purpose: String
    public var amount: Money
}

public struct SurplusAllocated: EventPayload {
    public static let type = "surplus.allocated"
    public var fiscalYear: Int
    public var reserveFund: Money?
    public var retained: Money?
    public var dividend: Money?
    public var reinvestments: [Reinvestment]?

    public init(fiscalYear: Int, reserveFund: Money? = nil, retained: Money? = nil, dividend: Money? = nil, reinvestments: [Reinvestment]? = nil) {
        self.fiscalYear = fiscalYear
        self.reserveFund = reserveFund
        self.retained = retained
        self.dividend = dividend
        self.reinvestments = reinvestments
    }
    public init(_ r: inout FieldReader) throws(Refusal) {
        fiscalYear = try r.integer("fiscalYear", range: 1900...2199, allowText: true)
        reserveFund = try r.optionalMoney("reserveFund")
        retained = try r.optionalMoney("retained")
        dividend = try r.optionalMoney("dividend")
        reinvestments = try r.optionalList("reinvestments", maxCount: 100) { (x) throws(Refusal) in
            Reinvestment(purpose: try x.freeText("purpose"), amount: try x.money("amount", allowZero: false))
        }
        if reserveFund == nil && retained == nil && dividend == nil {
            throw Refusal(.missingField, field: "data", "surplus.allocated needs at least one of reserveFund, retained, dividend")
        }
        let reinvested = (reinvestments ?? []).reduce(Money.zero) { $0 + $1.amount }
        if reinvested > (reserveFund ?? .zero) + (retained ?? .zero) {
            throw Refusal(
                .allocationMismatch, field: "data.reinvestments",
                "reinvestments of \(reinvested.swedish) kr exceed reserve fund plus retained (\(((reserveFund ?? .zero) + (retained ?? .zero)).swedish) kr)")
        }
    }
    public var total: Money { (reserveFund ?? .zero) + (retained ?? .zero) + (dividend ?? .zero) }
    public func emit<Sink: FieldSink>(_ s: inout Sink) {
        s.money("dividend", dividend)
        s.text("fiscalYear", String(fiscalYear))
        if let reinvestments {
            s.objects("reinvestments", reinvestments) { part, o in
                o.money("amount", part.amount)
                o.text("purpose", part.purpose)
            }
        }
        s.money("reserveFund", reserveFund)
        s.money("retained", retained)
    }
}
