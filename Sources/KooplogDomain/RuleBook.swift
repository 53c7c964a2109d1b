/// The rules of SPEC.md §3, applied to one event against the rule state before it. On success the
/// state is updated and the event's postings (its verifikation) are returned; on refusal the
/// state may be partly written, so callers apply a batch in a transaction they can throw away.
public enum RuleBook {
    /// Checks `event` (to be stored as `seq`) and updates `state`.
    @discardableResult
    public static func apply(_ event: Event, seq: UInt64, to state: inout some RuleState) throws -> [Posting]? {
        let org = event.org
        if case .orgRegistered(let p) = event.body {
            if try state.load(RuleKey.org(org), as: OrgRecord.self) != nil {
                throw Refusal(.orgAlreadyRegistered, field: "org", "organisation \(org) is already registered")
            }
            try state.store(RuleKey.org(org), OrgRecord(fiscalYearStartMonth: p.fiscalYearStartMonth, vatRegistered: p.vatRegistered, closedYears: []))
            return nil
        }
        guard var orgRecord = try state.load(RuleKey.org(org), as: OrgRecord.self) else {
            throw Refusal(
                .orgNotRegistered, field: "org",
                "organisation \(org) is not registered; record org.registered for it first")
        }
        let calendar = orgRecord.calendar
        let fiscalYear = calendar.year(of: event.date)
        if orgRecord.closedYears.contains(fiscalYear) {
            throw Refusal(
                .fiscalYearClosed, field: "date",
                "\(event.date) falls in fiscal year \(calendar.label(fiscalYear)), which is closed; date the event in an open year (a correction is dated when it is made)"
            )
        }

        try checkAndUpdateEntities(event, seq: seq, org: org, orgRecord: &orgRecord, calendar: calendar, state: &state)

        guard Bookkeeping.isFinance(event.body) || isReversal(event) else { return nil }
        guard let postings = try Bookkeeping.postings(for: event, context: state) else { return nil }
        let imbalance = Bookkeeping.imbalance(postings)
        precondition(imbalance.isZero, "postings of \(event.type) do not balance by \(imbalance)")
        if case .grantReceived = event.body { try state.store(RuleKey.postings(seq), postings) }
        if case .grantUsed = event.body { try state.store(RuleKey.postings(seq), postings) }
        try commitGrantSplit(event, postings: postings, state: &state)
        let yearKey = RuleKey.year(org, fiscalYear)
        var year = try state.load(yearKey, as: YearRecord.self) ?? YearRecord()
        year.resultOre += Bookkeeping.resultEffect(postings).ore
        if case .surplusAllocated(let p) = event.body {
            var allocated = try state.load(RuleKey.year(org, p.fiscalYear), as: YearRecord.self) ?? YearRecord()
            allocated.allocatedSeq = seq
            try state.store(RuleKey.year(org, p.fiscalYear), allocated)
            if p.fiscalYear == fiscalYear { year.allocatedSeq = seq }
        }
        try state.store(yearKey, year)
        return postings
    }

    private static func isReversal(_ event: Event) -> Bool {
        if case .eventReversed = event.body { return true }
        return false
    }

    // MARK: entity rules

    private static func checkAndUpdateEntities(
        _ event: Event, seq: UInt64, org: OrgNumber, orgRecord: inout OrgRecord, calendar: FiscalCalendar,
        state: inout some RuleState
    ) throws {
        switch event.body {
        case .orgRegistered:
            break
        case .fiscalYearClosed(let p):
            if orgRecord.closedYears.contains(p.fiscalYear) {
                throw Refusal(.fiscalYearClosed, field: "data.fiscalYear", "fiscal year \(calendar.label(p.fiscalYear)) is already closed")
            }
            let end = calendar.end(of: p.fiscalYear)
            guard end < event.date else {
                throw Refusal(
                    .fiscalYearNotEnded, field: "data.fiscalYear",
                    "fiscal year \(calendar.label(p.fiscalYear)) ends \(end); it can be closed only by an event dated after that")
            }
            orgRecord.closedYears.append(p.fiscalYear)
            orgRecord.closedYears.sort()
            try state.store(RuleKey.org(org), orgRecord)
        case .eventReversed(let p):
            try reverse(p, by: event, seq: seq, state: &state)
        case .memberAdmitted(let p):
            let key = RuleKey.member(org, p.member)
            if try state.load(key, as: MemberRecord.self) != nil {
                throw Refusal(.duplicateIdentifier, field: "data.member", "member \(p.member) is already in the register of \(org)")
            }
            try state.store(key, MemberRecord(admittedSeq: seq, kind: p.kind.rawValue))
        case .memberContributionPaid(let p):
            let key = RuleKey.member(org, p.member)
            var member = try currentMember(org, p.member, key: key, state)
            member.paidOre += p.amount.ore
            try state.store(key, member)
        case .memberLeft(let p):
            let key = RuleKey.member(org, p.member)
            var member = try currentMember(org, p.member, key: key, state)
            let refundable = Money(ore: member.paidOre - member.refundedOre)
            if p.refund > refundable {
                throw Refusal(
                    .paymentExceedsOutstanding, field: "data.refund",
                    "refund \(p.refund.swedish) kr exceeds what member \(p.member) has paid in and not had back (\(refundable.swedish) kr)")
            }
            member.refundedOre += p.refund.ore
            member.leftSeq = seq
            try state.store(key, member)
        case .boardElected(let p):
            for (index, seat) in p.seats.enumerated() {
                _ = try currentMember(org, seat.member, key: RuleKey.member(org, seat.member), state, field: "data.seats[\(index + 1)].member")
            }
        case .placementStarted(let p):
            let key = RuleKey.person(org, p.person)
            if let person = try state.load(key, as: PersonRecord.self), person.active {
                throw Refusal(
                    .duplicateIdentifier, field: "data.person",
                    "person \(p.person) already has an active placement (started by seq \(person.startSeq)); use placement.changed, or end it first")
            }
            try state.store(key, PersonRecord(startSeq: seq, active: true))
        case .placementChanged(let p):
            _ = try activePerson(org, p.person, key: RuleKey.person(org, p.person), state)
        case .placementEnded(let p):
            let key = RuleKey.person(org, p.person)
            var person = try activePerson(org, p.person, key: key, state)
            person.active = false
            person.endedSeq = seq
            try state.store(key, person)
        case .invoiceIssued(let p):
            let key = RuleKey.invoice(org, p.invoice)
            if try state.load(key, as: InvoiceRecord.self) != nil {
                throw Refusal(.duplicateIdentifier, field: "data.invoice", "invoice \(p.invoice) has already been issued by \(org)")
            }
            if !(try state.vatRegistered(org)), let index = p.lines.firstIndex(where: { $0.vat != .zero }) {
                throw Refusal(
                    .invalidValue, field: "data.lines[\(index + 1)].vat",
                    "\(org) is not registered for VAT, so it charges no VAT; use 0")
            }
            if p.due < event.date {
                throw Refusal(.invalidDate, field: "data.due", "the due date \(p.due) is before the invoice date \(event.date)")
            }
            try state.store(key, InvoiceRecord(issuedSeq: seq, grossOre: p.gross.ore))
        case .invoicePaid(let p):
            let key = RuleKey.invoice(org, p.invoice)
            var invoice = try existingInvoice(org, p.invoice, key: key, state)
            if p.amount > invoice.outstanding {
                throw Refusal(
                    .paymentExceedsOutstanding, field: "data.amount",
                    "\(p.amount.swedish) kr exceeds what is outstanding on invoice \(p.invoice) (\(invoice.outstanding.swedish) kr)")
            }
            invoice.paidOre += p.amount.ore
            try state.store(key, invoice)
        case .invoiceCredited(let p):
            let key = RuleKey.invoice(org, p.invoice)
            var invoice = try existingInvoice(org, p.invoice, key: key, state)
            let credited: Money
            if let lines = p.lines {
                credited = lines.reduce(Money.zero) { $0 + $1.gross }
                if credited > invoice.outstanding {
                    throw Refusal(
                        .paymentExceedsOutstanding, field: "data.lines",
                        "the credit of \(credited.swedish) kr exceeds what is outstanding on invoice \(p.invoice) (\(invoice.outstanding.swedish) kr)")
                }
            } else {
                guard invoice.paidOre == 0, invoice.creditedOre == 0 else {
                    throw Refusal(
                        .paymentExceedsOutstanding, field: "data.lines",
                        "invoice \(p.invoice) is partly paid or credited; name the lines to credit (only a wholly unpaid invoice is credited without lines)")
                }
                credited = Money(ore: invoice.grossOre)
            }
            invoice.creditedOre += credited.ore
            try state.store(key, invoice)
        case .salePaid(let p):
            if !(try state.vatRegistered(org)), let index = p.lines.firstIndex(where: { $0.vat != .zero }) {
                throw Refusal(.invalidValue, field: "data.lines[\(index + 1)].vat", "\(org) is not registered for VAT, so it charges no VAT; use 0")
            }
        case .billReceived(let p):
            let key = RuleKey.bill(org, p.bill)
            if try state.load(key, as: BillRecord.self) != nil {
                throw Refusal(.duplicateIdentifier, field: "data.bill", "bill \(p.bill) has already been received by \(org)")
            }
            try state.store(key, BillRecord(receivedSeq: seq, grossOre: p.gross.ore))
        case .billPaid(let p):
            let key = RuleKey.bill(org, p.bill)
            guard var bill = try state.load(key, as: BillRecord.self) else {
                throw Refusal(.unknownReference, field: "data.bill", "bill \(p.bill) has not been received by \(org); record bill.received first")
            }
            if p.amount > bill.outstanding {
                throw Refusal(
                    .paymentExceedsOutstanding, field: "data.amount",
                    "\(p.amount.swedish) kr exceeds what is outstanding on bill \(p.bill) (\(bill.outstanding.swedish) kr)")
            }
            bill.paidOre += p.amount.ore
            try state.store(key, bill)
        case .grantAwarded(let p):
            let key = RuleKey.grant(org, p.grant)
            if try state.load(key, as: GrantRecord.self) != nil {
                throw Refusal(.duplicateIdentifier, field: "data.grant", "grant \(p.grant) has already been awarded to \(org)")
            }
            try state.store(key, GrantRecord(awardedSeq: seq, funder: p.funder.rawValue))
        case .grantReceived(let p):
            _ = try existingGrant(org, p.grant, state)
        case .grantUsed(let p):
            _ = try existingGrant(org, p.grant, state)
        case .grantRepaid(let p):
            let grant = try existingGrant(org, p.grant, state)
            if p.amount.ore > grant.liabilityOre {
                throw Refusal(
                    .paymentExceedsOutstanding, field: "data.amount",
                    "\(p.amount.swedish) kr exceeds the unused money of grant \(p.grant) (\(Money(ore: grant.liabilityOre).swedish) kr)")
            }
        case .surplusAllocated(let p):
            guard orgRecord.closedYears.contains(p.fiscalYear) else {
                throw Refusal(
                    .fiscalYearNotEnded, field: "data.fiscalYear",
                    "fiscal year \(calendar.label(p.fiscalYear)) is not closed; the stämma allocates the result of a closed year")
            }
            let year = try state.load(RuleKey.year(org, p.fiscalYear), as: YearRecord.self) ?? YearRecord()
            if let allocated = year.allocatedSeq {
                throw Refusal(
                    .duplicateIdentifier, field: "data.fiscalYear",
                    "the result of \(calendar.label(p.fiscalYear)) was already allocated (seq \(allocated)); reverse that first")
            }
            let result = Money(ore: year.resultOre)
            guard result > .zero else {
                throw Refusal(
                    .allocationMismatch, field: "data.fiscalYear",
                    "fiscal year \(calendar.label(p.fiscalYear)) has no surplus to allocate (result \(result.swedish) kr)")
            }
            guard p.total == result else {
                throw Refusal(
                    .allocationMismatch, field: "data",
                    "reserveFund + retained + dividend is \(p.total.swedish) kr but the result of \(calendar.label(p.fiscalYear)) is \(result.swedish) kr; they must be equal"
                )
            }
        case .journalEntry, .expensePaid, .payrollPaid, .payrollTaxesPaid, .subsidyReceived:
            break
        }
    }

    /// Moves the grant's 2880 / 1790 balances by the postings just made.
    private static func commitGrantSplit(_ event: Event, postings: [Posting], state: inout some RuleState) throws {
        let grantID: String
        switch event.body {
        case .grantReceived(let p): grantID = p.grant
        case .grantUsed(let p): grantID = p.grant
        case .grantRepaid(let p): grantID = p.grant
        default: return
        }
        try adjustGrant(event.org, grantID, event.body, postings: postings, sign: 1, state: &state)
    }

    static func adjustGrant(
        _ org: OrgNumber, _ grantID: String, _ body: EventBody, postings: [Posting], sign: Int64, state: inout some RuleState
    ) throws {
        let key = RuleKey.grant(org, grantID)
        guard var grant = try state.load(key, as: GrantRecord.self) else { return }
        let movement = GrantAccrual.movement(of: postings)
        grant.liabilityOre += sign * movement.liabilityOre
        grant.accruedOre += sign * movement.accruedOre
        switch body {
        case .grantReceived(let p): grant.receivedOre += sign * p.amount.ore
        case .grantUsed(let p): grant.usedOre += sign * p.amount.ore
        case .grantRepaid(let p): grant.repaidOre += sign * p.amount.ore
        default: break
        }
        if grant.liabilityOre < 0 || grant.accruedOre < 0 {
            throw Refusal(
                .notReversible, field: "data.seq",
                "reversing this would leave grant \(grantID) with negative unused or accrued money; reverse the later grant events first")
        }
        try state.store(key, grant)
    }

    // MARK: lookups

    /// Member `id`, under its `key` (built once by the caller, which stores under it too).
    private static func currentMember(
        _ org: OrgNumber, _ id: String, key: RuleKey, _ state: some RuleState, field: String = "data.member"
    ) throws -> MemberRecord {
        guard let member = try state.load(key, as: MemberRecord.self) else {
            throw Refusal(.unknownReference, field: field, "member \(id) is not in the register of \(org); record member.admitted first")
        }
        if let left = member.leftSeq {
            throw Refusal(.unknownReference, field: field, "member \(id) has left \(org) (seq \(left))")
        }
        return member
    }

    private static func activePerson(_ org: OrgNumber, _ id: String, key: RuleKey, _ state: some RuleState) throws -> PersonRecord {
        guard let person = try state.load(key, as: PersonRecord.self), person.active else {
            throw Refusal(
                .unknownReference, field: "data.person",
                "person \(id) has no active placement at \(org); record placement.started first")
        }
        return person
    }

    private static func existingInvoice(_ org: OrgNumber, _ id: String, key: RuleKey, _ state: some RuleState) throws -> InvoiceRecord {
        guard let invoice = try state.load(key, as: InvoiceRecord.self) else {
            throw Refusal(.unknownReference, field: "data.invoice", "invoice \(id) has not been issued by \(org); record invoice.issued first")
        }
        return invoice
    }

    private static func existingGrant(_ org: OrgNumber, _ id: String, _ state: some RuleState) throws -> GrantRecord {
        guard let grant = try state.load(RuleKey.grant(org, id), as: GrantRecord.self) else {
            throw Refusal(.unknownReference, field: "data.grant", "grant \(id) has not been awarded to \(org); record grant.awarded first")
        }
        return grant
    }
}
