// The decoded form of a stored event (docs/FORMAT.md, "decoded"): what decoding its canonical
// payload gives, in the binary record form of BinaryRecord.swift, so a replay that trusts derived
// data (rebuild) reads no JSON. The log stays the authority: `verify` checks every stored form
// against its payload, byte for byte (writing the canonical payload from the form, or decoding the
// payload when that differs; docs/FORMAT.md "Decoded forms").
//
// Layout: tag 0xB1, format, org (text, first so a scan can filter by it), type tag, schema version,
// recorded, by, date, id (optional text), then the type's fields in declaration order. Amounts are
// öre (signed), accounts and dates (YYYYMMDD) unsigned, enumerations their position in `allCases`.
// A change to any of it changes stored bytes: raise `RecordedEvent.decodedFormat` with it.

extension RecordedEvent {
    /// The layout version of the decoded form; a form of another version is not read (the log's
    /// payload is decoded instead). Raise it too when decoding a payload comes to refuse anything
    /// an earlier Kooplog accepted: verify reads an event from its form when the form's payload
    /// is the log's, trusting that the form was written from an event decoding accepted.
    public static let decodedFormat: UInt8 = 1

    /// This event's decoded form.
    public var decodedForm: [UInt8] { BinaryWriter.encode(DecodedForm(event: self), capacity: 192) }

    /// Whether `raw` is, byte for byte, this event's decoded form.
    public func hasDecodedForm(_ raw: UnsafeRawBufferPointer) -> Bool {
        decodedForm.withUnsafeBufferPointer { $0.byteOrder(raw.assumingMemoryBound(to: UInt8.self)) == 0 }
    }

    /// The organisation number's bytes of a decoded form, read without the rest; nil when the
    /// bytes are not a decoded form of this format.
    public static func organisation(ofDecoded raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard raw.count >= 14, raw[0] == BinaryWriter.tag, raw[1] == decodedFormat, raw[2] == 11 else { return nil }
        return UnsafeRawBufferPointer(rebasing: raw[3..<14])
    }

    /// Reads a decoded form where it lies; `seq` is its key.
    public static func decode(seq: UInt64, decoded raw: UnsafeRawBufferPointer) throws(BinaryRecordError) -> RecordedEvent {
        var recorded = try BinaryReader.decode(DecodedForm.self, from: raw).event
        recorded.seq = seq
        return recorded
    }
}

private struct DecodedForm: BinaryRecord {
    var event: RecordedEvent

    init(event: RecordedEvent) { self.event = event }

    func write(to w: inout BinaryWriter) {
        w.unsigned(UInt64(RecordedEvent.decodedFormat))
        w.put(event.event.org)
        w.unsigned(event.event.body.binaryTag)
        w.unsigned(UInt64(event.version))
        w.put(event.recorded)
        w.put(event.by)
        w.put(event.event.date)
        w.put(event.event.id)
        event.event.body.writeFields(to: &w)
    }

    init(from r: inout BinaryReader) throws(BinaryRecordError) {
        let format = try r.unsigned()
        guard format == UInt64(RecordedEvent.decodedFormat) else {
            throw BinaryRecordError(problem: "decoded form \(format); this Kooplog reads \(RecordedEvent.decodedFormat)")
        }
        let org: OrgNumber = try r.get()
        let tag = try r.unsigned()
        let version = try r.unsigned()
        guard version >= 1, version <= 1_000_000 else { throw BinaryRecordError(problem: "schema version \(version)") }
        let recorded = try r.text()
        guard Timestamp.isValid(recorded) else { throw BinaryRecordError(problem: "\"\(recorded)\" is not a UTC timestamp") }
        let by = try r.text()
        let date: CalendarDate = try r.get()
        let id: String? = try r.get()
        let body = try EventBody(tag: tag, from: &r)
        event = RecordedEvent(seq: 0, recorded: recorded, by: by, version: Int(version), event: Event(org: org, date: date, id: id, body: body))
    }
}

// MARK: the building blocks

extension OrgNumber: BinaryRecord {
    public func write(to writer: inout BinaryWriter) { writer.put(text) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        let text = try reader.text()
        guard case .success(let org) = OrgNumber.parse(text) else { throw BinaryRecordError(problem: "\"\(text)\" is not an organisation number") }
        self = org
    }
}

extension CalendarDate: BinaryRecord {
    /// `YYYYMMDD` as one unsigned integer.
    public func write(to writer: inout BinaryWriter) { writer.unsigned(UInt64(year * 10_000 + month * 100 + day)) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        let n = Int(truncatingIfNeeded: try reader.unsigned())
        guard let date = CalendarDate(year: n / 10_000, month: n / 100 % 100, day: n % 100) else {
            throw BinaryRecordError(problem: "\(n) is not a date YYYYMMDD")
        }
        self = date
    }
}

extension Money: BinaryRecord {
    /// Öre, signed.
    public func write(to writer: inout BinaryWriter) { writer.signed(ore) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        let ore = try reader.signed()
        guard ore.magnitude <= UInt64(Money.absoluteOreMax) else { throw BinaryRecordError(problem: "\(ore) öre is out of range") }
        self.init(ore: ore)
    }
}

extension Account: BinaryRecord {
    public func write(to writer: inout BinaryWriter) { writer.unsigned(UInt64(number)) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        let n = try reader.unsigned()
        guard (1000...9999).contains(n) else { throw BinaryRecordError(problem: "\(n) is not a BAS account") }
        self.init(Int(n))
    }
}

extension Period: BinaryRecord {
    /// `YYYYMM` as one unsigned integer.
    public func write(to writer: inout BinaryWriter) { writer.unsigned(UInt64(year * 100 + month)) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        let n = Int(truncatingIfNeeded: try reader.unsigned())
        guard (1900...2199).contains(n / 100), (1...12).contains(n % 100) else { throw BinaryRecordError(problem: "\(n) is not a period YYYYMM") }
        self.init(year: n / 100, month: n % 100)
    }
}

extension VATRate: BinaryRecord {
    /// The rate in percent.
    public func write(to writer: inout BinaryWriter) { writer.unsigned(UInt64(rawValue)) }
    public init(from reader: inout BinaryReader) throws(BinaryRecordError) {
        let n = try reader.unsigned()
        guard n <= 100, let rate = VATRate(rawValue: Int(n)) else { throw BinaryRecordError(problem: "\(n) is not a VAT rate") }
        self = rate
    }
}

/// An enumeration written as its position in `allCases` (declaration order: add cases at the end).
protocol BinaryChoice: CaseIterable, Equatable where AllCases == [Self] {}

extension MemberKind: BinaryChoice {}
extension BoardRole: BinaryChoice {}
extension WorkForm: BinaryChoice {}
extension Subsidy: BinaryChoice {}
extension Referrer: BinaryChoice {}
extension Outcome: BinaryChoice {}
extension CustomerKind: BinaryChoice {}
extension Funder: BinaryChoice {}

extension BinaryWriter {
    mutating func choice<C: BinaryChoice>(_ value: C) { unsigned(UInt64(C.allCases.firstIndex(of: value)!)) }

    mutating func choice<C: BinaryChoice>(_ value: C?) {
        if let value {
            unsigned(1)
            choice(value)
        } else {
            unsigned(0)
        }
    }
}

extension BinaryReader {
    mutating func choice<C: BinaryChoice>(_ type: C.Type = C.self) throws(BinaryRecordError) -> C {
        let index = try unsigned()
        guard index < UInt64(C.allCases.count) else { throw BinaryRecordError(problem: "\(index) is not a case of \(C.self)") }
        return C.allCases[Int(index)]
    }

    mutating func optionalChoice<C: BinaryChoice>(_ type: C.Type = C.self) throws(BinaryRecordError) -> C? {
        try Bool(from: &self) ? try choice(type) : nil
    }
}

// MARK: the body

extension EventBody {
    /// The type's number in a decoded form (docs/FORMAT.md lists them; never reuse one).
    var binaryTag: UInt64 {
        switch self {
        case .orgRegistered: 1
        case .fiscalYearClosed: 2
        case .eventReversed: 3
        case .memberAdmitted: 4
        case .memberContributionPaid: 5
        case .memberLeft: 6
        case .boardElected: 7
        case .placementStarted: 8
        case .placementChanged: 9
        case .placementEnded: 10
        case .invoiceIssued: 11
        case .invoicePaid: 12
        case .invoiceCredited: 13
        case .salePaid: 14
        case .billReceived: 15
        case .billPaid: 16
        case .expensePaid: 17
        case .payrollPaid: 18
        case .payrollTaxesPaid: 19
        case .subsidyReceived: 20
        case .grantAwarded: 21
        case .grantReceived: 22
        case .grantUsed: 23
        case .grantRepaid: 24
        case .journalEntry: 25
        case .surplusAllocated: 26
        }
    }

    func writeFields(to w: inout BinaryWriter) {
        switch self {
        case .orgRegistered(let p): w.put(p)
        case .fiscalYearClosed(let p): w.put(p)
        case .eventReversed(let p): w.put(p)
        case .memberAdmitted(let p): w.put(p)
        case .memberContributionPaid(let p): w.put(p)
        case .memberLeft(let p): w.put(p)
        case .boardElected(let p): w.put(p)
        case .placementStarted(let p): w.put(p)
        case .placementChanged(let p): w.put(p)
        case .placementEnded(let p): w.put(p)
        case .invoiceIssued(let p): w.put(p)
        case .invoicePaid(let p): w.put(p)
        case .invoiceCredited(let p): w.put(p)
        case .salePaid(let p): w.put(p)
        case .billReceived(let p): w.put(p)
        case .billPaid(let p): w.put(p)
        case .expensePaid(let p): w.put(p)
        case .payrollPaid(let p): w.put(p)
        case .payrollTaxesPaid(let p): w.put(p)
        case .subsidyReceived(let p): w.put(p)
        case .grantAwarded(let p): w.put(p)
        case .grantReceived(let p): w.put(p)
        case .grantUsed(let p): w.put(p)
        case .grantRepaid(let p): w.put(p)
        case .journalEntry(let p): w.put(p)
        case .surplusAllocated(let p): w.put(p)
        }
    }

    init(tag: UInt64, from r: inout BinaryReader) throws(BinaryRecordError) {
        switch tag {
        case 1: self = .orgRegistered(try r.get())
        case 2: self = .fiscalYearClosed(try r.get())
        case 3: self = .eventReversed(try r.get())
        case 4: self = .memberAdmitted(try r.get())
        case 5: self = .memberContributionPaid(try r.get())
        case 6: self = .memberLeft(try r.get())
        case 7: self = .boardElected(try r.get())
        case 8: self = .placementStarted(try r.get())
        case 9: self = .placementChanged(try r.get())
        case 10: self = .placementEnded(try r.get())
        case 11: self = .invoiceIssued(try r.get())
        case 12: self = .invoicePaid(try r.get())
        case 13: self = .invoiceCredited(try r.get())
        case 14: self = .salePaid(try r.get())
        case 15: self = .billReceived(try r.get())
        case 16: self = .billPaid(try r.get())
        case 17: self = .expensePaid(try r.get())
        case 18: self = .payrollPaid(try r.get())
        case 19: self = .payrollTaxesPaid(try r.get())
        case 20: self = .subsidyReceived(try r.get())
        case 21: self = .grantAwarded(try r.get())
        case 22: self = .grantReceived(try r.get())
        case 23: self = .grantUsed(try r.get())
        case 24: self = .grantRepaid(try r.get())
        case 25: self = .journalEntry(try r.get())
        case 26: self = .surplusAllocated(try r.get())
        default: throw BinaryRecordError(problem: "\(tag) is not an event type's number")
        }
    }
}

// MARK: the types' fields, in declaration order

extension OrgRegistered: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(name)
        w.put(fiscalYearStartMonth)
        w.put(vatRegistered)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(name: try r.get(), fiscalYearStartMonth: try r.get(), vatRegistered: try r.get())
    }
}

extension FiscalYearClosed: BinaryRecord {
    public func write(to w: inout BinaryWriter) { w.put(fiscalYear) }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(fiscalYear: try r.get()) }
}

extension EventReversed: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(seq)
        w.put(reason)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(seq: try r.get(), reason: try r.get()) }
}

extension MemberAdmitted: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(member)
        w.choice(kind)
        w.put(contribution)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(member: try r.get(), kind: try r.choice(), contribution: try r.get())
    }
}

extension MemberContributionPaid: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(member)
        w.put(amount)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(member: try r.get(), amount: try r.get()) }
}

extension MemberLeft: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(member)
        w.put(refund)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(member: try r.get(), refund: try r.get()) }
}

extension BoardSeat: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(member)
        w.choice(role)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(member: try r.get(), role: try r.choice()) }
}

extension BoardElected: BinaryRecord {
    public func write(to w: inout BinaryWriter) { w.put(seats) }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(seats: try r.get()) }
}

extension PlacementStarted: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(person)
        w.choice(form)
        w.put(extent)
        w.put(targetGroup)
        w.choice(subsidy)
        w.choice(referrer)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(
            person: try r.get(), form: try r.choice(), extent: try r.get(), targetGroup: try r.get(), subsidy: try r.optionalChoice(),
            referrer: try r.optionalChoice())
    }
}

extension PlacementChanged: BinaryRecord {
    /// `subsidy`: 0 unchanged, 1 removed ("none"), 2 followed by the new subsidy.
    public func write(to w: inout BinaryWriter) {
        w.put(person)
        w.choice(form)
        w.put(extent)
        switch subsidy {
        case nil: w.unsigned(0)
        case .none?: w.unsigned(1)
        case .set(let s)?:
            w.unsigned(2)
            w.choice(s)
        }
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        let person: String = try r.get()
        let form: WorkForm? = try r.optionalChoice()
        let extent: Int? = try r.get()
        let subsidy: SubsidyChange?
        switch try r.unsigned() {
        case 0: subsidy = nil
        case 1: subsidy = SubsidyChange.none
        case 2: subsidy = .set(try r.choice())
        case let n: throw BinaryRecordError(problem: "\(n) is not a subsidy change")
        }
        self.init(person: person, form: form, extent: extent, subsidy: subsidy)
    }
}

extension PlacementEnded: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(person)
        w.choice(outcome)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(person: try r.get(), outcome: try r.choice()) }
}

extension SalesLine: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(text)
        w.put(amount)
        w.put(vat)
        w.put(account)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(text: try r.get(), amount: try r.get(), vat: try r.get(), account: try r.get())
    }
}

extension CostLine: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(text)
        w.put(amount)
        w.put(vat)
        w.put(account)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(text: try r.get(), amount: try r.get(), vat: try r.get(), account: try r.get())
    }
}

extension InvoiceIssued: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(invoice)
        w.put(customer)
        w.choice(customerKind)
        w.put(due)
        w.put(lines)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(invoice: try r.get(), customer: try r.get(), customerKind: try r.choice(), due: try r.get(), lines: try r.get())
    }
}

extension InvoicePaid: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(invoice)
        w.put(amount)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(invoice: try r.get(), amount: try r.get()) }
}

extension InvoiceCredited: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(invoice)
        w.put(reason)
        w.put(lines)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(invoice: try r.get(), reason: try r.get(), lines: try r.get())
    }
}

extension SalePaid: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.choice(customerKind)
        w.put(lines)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(customerKind: try r.choice(), lines: try r.get()) }
}

extension BillReceived: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(bill)
        w.put(supplier)
        w.put(due)
        w.put(lines)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(bill: try r.get(), supplier: try r.get(), due: try r.get(), lines: try r.get())
    }
}

extension BillPaid: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(bill)
        w.put(amount)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(bill: try r.get(), amount: try r.get()) }
}

extension ExpensePaid: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(supplier)
        w.put(lines)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(supplier: try r.get(), lines: try r.get()) }
}

extension PayrollPaid: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(period)
        w.put(gross)
        w.put(taxWithheld)
        w.put(employerFees)
        w.put(account)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(period: try r.get(), gross: try r.get(), taxWithheld: try r.get(), employerFees: try r.get(), account: try r.get())
    }
}

extension PayrollTaxesPaid: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(period)
        w.put(taxWithheld)
        w.put(employerFees)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(period: try r.get(), taxWithheld: try r.get(), employerFees: try r.get())
    }
}

extension SubsidyReceived: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.choice(subsidy)
        w.put(amount)
        w.put(person)
        w.put(period)
        w.put(decision)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(subsidy: try r.choice(), amount: try r.get(), person: try r.get(), period: try r.get(), decision: try r.get())
    }
}

extension CoFinancing: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(source)
        w.put(amount)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(source: try r.get(), amount: try r.get()) }
}

extension GrantAwarded: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(grant)
        w.choice(funder)
        w.put(title)
        w.put(amount)
        w.put(budget)
        w.put(from)
        w.put(to)
        w.put(coFinancing)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(
            grant: try r.get(), funder: try r.choice(), title: try r.get(), amount: try r.get(), budget: try r.get(), from: try r.get(),
            to: try r.get(), coFinancing: try r.get())
    }
}

/// `grant.received`, `grant.repaid` and the start of `grant.used`: the grant and the amount.
extension GrantMoney: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(grant)
        w.put(amount)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(grant: try r.get(), amount: try r.get()) }
}

extension GrantReceived: BinaryRecord {
    public func write(to w: inout BinaryWriter) { w.put(GrantMoney(grant: grant, amount: amount)) }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        let g: GrantMoney = try r.get()
        self.init(grant: g.grant, amount: g.amount)
    }
}

extension GrantRepaid: BinaryRecord {
    public func write(to w: inout BinaryWriter) { w.put(GrantMoney(grant: grant, amount: amount)) }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        let g: GrantMoney = try r.get()
        self.init(grant: g.grant, amount: g.amount)
    }
}

extension GrantUsed: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(GrantMoney(grant: grant, amount: amount))
        w.put(text)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        let g: GrantMoney = try r.get()
        self.init(grant: g.grant, amount: g.amount, text: try r.get())
    }
}

extension JournalLine: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(account)
        w.put(amount)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(account: try r.get(), amount: try r.get()) }
}

extension JournalEntry: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(text)
        w.put(lines)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(text: try r.get(), lines: try r.get()) }
}

extension Reinvestment: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(purpose)
        w.put(amount)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) { self.init(purpose: try r.get(), amount: try r.get()) }
}

extension SurplusAllocated: BinaryRecord {
    public func write(to w: inout BinaryWriter) {
        w.put(fiscalYear)
        w.put(reserveFund)
        w.put(retained)
        w.put(dividend)
        w.put(reinvestments)
    }
    public init(from r: inout BinaryReader) throws(BinaryRecordError) {
        self.init(fiscalYear: try r.get(), reserveFund: try r.get(), retained: try r.get(), dividend: try r.get(), reinvestments: try r.get())
    }
}
