/// One line of a verifikation: debit positive, credit negative.
public struct Posting: Sendable, Equatable, Codable {
    public var account: Int
    public var ore: Int64

    public init(_ account: Account, _ amount: Money) {
        self.account = account.number
        self.ore = amount.ore
    }

    public var amount: Money { Money(ore: ore) }
    public var debit: Money { ore > 0 ? Money(ore: ore) : .zero }
    public var credit: Money { ore < 0 ? Money(ore: -ore) : .zero }
}

/// The fiscal years of an organisation: 12 months from the first day of `startMonth`.
public struct FiscalCalendar: Sendable, Equatable, Codable {
    public var startMonth: Int

    public init(startMonth: Int) { self.startMonth = startMonth }

    /// The fiscal year (by its start year) a date falls in.
    public func year(of date: CalendarDate) -> Int { date.month >= startMonth ? date.year : date.year - 1 }
    public func start(of year: Int) -> CalendarDate { CalendarDate(year: year, month: startMonth, day: 1)! }
    public func end(of year: Int) -> CalendarDate { start(of: year + 1).previousDay }
    /// `2025` for calendar years, `2025/26` for broken ones.
    public func label(_ year: Int) -> String {
        startMonth == 1 ? String(year) : "\(year)/\(String(year + 1).suffix(2))"
    }
}

/// What the posting rules need to know beyond the event itself.
public protocol PostingContext {
    /// Whether the organisation is registered for VAT.
    func vatRegistered(_ org: OrgNumber) throws -> Bool
    /// The grant's funder and its money received but not used (2880) and used but not received (1790).
    func grantAccrual(_ org: OrgNumber, _ grant: String) throws -> (funder: Funder, liability: Money, accrued: Money)?
    /// The lines of an issued invoice.
    func invoiceLines(_ org: OrgNumber, _ invoice: String) throws -> [SalesLine]?
    /// The postings of an earlier event's verifikation (for a reversal), nil when it had none.
    func postings(ofSeq seq: UInt64) throws -> [Posting]?
}

/// The postings of SPEC.md §4: each finance event becomes one balanced verifikation.
public enum Bookkeeping {
    static let bank = Account(1930)
    static let receivables = Account(1510)
    static let accruedIncome = Account(1790)
    static let memberContributions = Account(2083)
    static let reserveFund = Account(2086)
    static let retainedEarnings = Account(2091)
    static let resultOfYear = Account(2099)
    static let payables = Account(2440)
    static let inputVAT = Account(2641)
    static let withheldTax = Account(2710)
    static let employerFeesDue = Account(2731)
    static let grantsUnused = Account(2880)
    static let dividendDue = Account(2898)
    static let subsidyIncome = Account(3988)
    static let employerFeesCost = Account(7510)

    /// Whether this type of event is a verifikation.
    public static func isFinance(_ body: EventBody) -> Bool {
        switch body {
        case .orgRegistered, .fiscalYearClosed, .memberAdmitted, .boardElected, .placementStarted, .placementChanged,
            .placementEnded, .grantAwarded:
            false
        case .memberLeft(let p): !p.refund.isZero
        case .eventReversed: true
        default: true
        }
    }

    /// The verifikation's postings, or nil for events that are not finance events. For
    /// `event.reversed`, the opposite of the reversed event's postings (nil when it had none).
    public static func postings(for event: Event, context: some PostingContext) throws -> [Posting]? {
        let org = event.org
        switch event.body {
        case .orgRegistered, .fiscalYearClosed, .memberAdmitted, .boardElected, .placementStarted, .placementChanged,
            .placementEnded, .grantAwarded:
            return nil
        case .memberContributionPaid(let p):
            return [Posting(bank, p.amount), Posting(memberContributions, p.amount.negated)]
        case .memberLeft(let p):
            if p.refund.isZero { return nil }
            return [Posting(memberContributions, p.refund), Posting(bank, p.refund.negated)]
        case .invoiceIssued(let p):
            var postings = starting(Posting(receivables, p.gross), room: 2 * p.lines.count)
            try salesCredits(p.lines, vat: context.vatRegistered(org), into: &postings)
            return postings
        case .invoicePaid(let p):
            return [Posting(bank, p.amount), Posting(receivables, p.amount.negated)]
        case .invoiceCredited(let p):
            let lines: [SalesLine]
            if let given = p.lines {
                lines = given
            } else {
                guard let original = try context.invoiceLines(org, p.invoice) else { return nil }
                lines = original
            }
            let gross = lines.reduce(Money.zero) { $0 + $1.gross }
            var postings = starting(Posting(receivables, gross), room: 2 * lines.count)
            try salesCredits(lines, vat: context.vatRegistered(org), into: &postings)
            return negate(postings)
        case .salePaid(let p):
            let gross = p.lines.reduce(Money.zero) { $0 + $1.gross }
            var postings = starting(Posting(bank, gross), room: 2 * p.lines.count)
            try salesCredits(p.lines, vat: context.vatRegistered(org), into: &postings)
            return postings
        case .billReceived(let p):
            var postings: [Posting] = []
            try costDebits(p.lines, vat: context.vatRegistered(org), into: &postings)
            postings.append(Posting(payables, costGross(p.lines).negated))
            return postings
        case .billPaid(let p):
            return [Posting(payables, p.amount), Posting(bank, p.amount.negated)]
        case .expensePaid(let p):
            var postings: [Posting] = []
            try costDebits(p.lines, vat: context.vatRegistered(org), into: &postings)
            postings.append(Posting(bank, costGross(p.lines).negated))
            return postings
        case .payrollPaid(let p):
            var lines = starting(Posting(p.wageAccount, p.gross), room: 4)
            if !p.employerFees.isZero { lines.append(Posting(employerFeesCost, p.employerFees)) }
            if !p.taxWithheld.isZero { lines.append(Posting(withheldTax, p.taxWithheld.negated)) }
            if !p.employerFees.isZero { lines.append(Posting(employerFeesDue, p.employerFees.negated)) }
            lines.append(Posting(bank, (p.gross - p.taxWithheld).negated))
            lines.removeAll { $0.ore == 0 }
            return lines
        case .payrollTaxesPaid(let p):
            var lines = [Posting]()
            lines.reserveCapacity(3)
            if !p.taxWithheld.isZero { lines.append(Posting(withheldTax, p.taxWithheld)) }
            if !p.employerFees.isZero { lines.append(Posting(employerFeesDue, p.employerFees)) }
            lines.append(Posting(bank, (p.taxWithheld + p.employerFees).negated))
            return lines
        case .subsidyReceived(let p):
            return [Posting(bank, p.amount), Posting(subsidyIncome, p.amount.negated)]
        case .grantReceived(let p):
            guard let grant = try context.grantAccrual(org, p.grant) else { return nil }
            let split = GrantAccrual.receive(p.amount, accrued: grant.accrued)
            var lines = starting(Posting(bank, p.amount), room: 2)
            if !split.toAccrued.isZero { lines.append(Posting(accruedIncome, split.toAccrued.negated)) }
            if !split.toLiability.isZero { lines.append(Posting(grantsUnused, split.toLiability.negated)) }
            return lines
        case .grantUsed(let p):
            guard let grant = try context.grantAccrual(org, p.grant) else { return nil }
            let split = GrantAccrual.use(p.amount, liability: grant.liability)
            var lines = [Posting]()
            lines.reserveCapacity(3)
            if !split.fromLiability.isZero { lines.append(Posting(grantsUnused, split.fromLiability)) }
            if !split.toAccrued.isZero { lines.append(Posting(accruedIncome, split.toAccrued)) }
            lines.append(Posting(grant.funder.incomeAccount, p.amount.negated))
            return lines
        case .grantRepaid(let p):
            return [Posting(grantsUnused, p.amount), Posting(bank, p.amount.negated)]
        case .journalEntry(let p):
            return p.lines.map { Posting($0.account, $0.amount) }
        case .surplusAllocated(let p):
            var lines = starting(Posting(resultOfYear, p.total), room: 3)
            if let x = p.reserveFund, !x.isZero { lines.append(Posting(reserveFund, x.negated)) }
            if let x = p.retained, !x.isZero { lines.append(Posting(retainedEarnings, x.negated)) }
            if let x = p.dividend, !x.isZero { lines.append(Posting(dividendDue, x.negated)) }
            return lines
        case .eventReversed(let p):
            guard let original = try context.postings(ofSeq: p.seq) else { return nil }
            return negate(original)
        }
    }

    /// `first` in an array with room for `room` more postings (an array literal grown by appends
    /// was reallocated once or twice per event).
    private static func starting(_ first: Posting, room: Int) -> [Posting] {
        var postings = [Posting]()
        postings.reserveCapacity(1 + room)
        postings.append(first)
        return postings
    }

    /// The result effect of postings: credits minus debits on result accounts (3000–8999).
    public static func resultEffect(_ postings: [Posting]) -> Money {
        Money(ore: -postings.reduce(Int64(0)) { $0 + ($1.account >= 3000 ? $1.ore : 0) })
    }

    /// Debits minus credits; zero for a balanced verifikation.
    public static func imbalance(_ postings: [Posting]) -> Money {
        Money(ore: postings.reduce(Int64(0)) { $0 + $1.ore })
    }

    static func negate(_ postings: [Posting]) -> [Posting] {
        var negated = postings
        for index in negated.indices { negated[index].ore = -negated[index].ore }
        return negated
    }

    /// Appends the credits of sales lines, one posting per revenue and output-VAT account (merged
    /// only among themselves, not with the postings before them).
    private static func salesCredits(_ lines: [SalesLine], vat: Bool, into postings: inout [Posting]) {
        let start = postings.count
        postings.reserveCapacity(start + 2 * lines.count)
        for line in lines { add(&postings, from: start, line.revenueAccount, line.amount.negated) }
        if vat {
            for line in lines {
                if let output = line.vat.outputAccount { add(&postings, from: start, output, line.vatAmount.negated) }
            }
        }
    }

    /// Appends the debits of cost lines, one posting per account and one of input VAT (merged only
    /// among themselves).
    private static func costDebits(_ lines: [CostLine], vat: Bool, into postings: inout [Posting]) {
        let start = postings.count
        postings.reserveCapacity(start + lines.count + 2)
        for line in lines { add(&postings, from: start, line.account, vat ? line.amount : line.gross) }
        if vat {
            let input = lines.reduce(Money.zero) { $0 + $1.vatAmount }
            if !input.isZero { add(&postings, from: start, inputVAT, input) }
        }
    }

    private static func costGross(_ lines: [CostLine]) -> Money { lines.reduce(.zero) { $0 + $1.gross } }

    /// Adds to the posting on the same account at or after `start`, or appends one.
    private static func add(_ postings: inout [Posting], from start: Int, _ account: Account, _ amount: Money) {
        if let index = postings[start...].firstIndex(where: { $0.account == account.number }) {
            postings[index].ore += amount.ore
        } else {
            postings.append(Posting(account, amount))
        }
    }
}

/// Grant accrual (SPEC.md §4): money received before use is a liability (2880); income recognised
/// before the money arrives is accrued (1790).
public enum GrantAccrual {
    /// Receiving `amount`: first repays accrued income, the rest becomes a liability.
    public static func receive(_ amount: Money, accrued: Money) -> (toAccrued: Money, toLiability: Money) {
        let toAccrued = min(amount, max(accrued, .zero))
        return (toAccrued, amount - toAccrued)
    }

    /// How postings move a grant's balances, in öre: 2880 (received, not used) is credited when money
    /// comes and debited when it is used or repaid; 1790 (used, not received) the opposite.
    public static func movement(of postings: [Posting]) -> (liabilityOre: Int64, accruedOre: Int64) {
        var liability: Int64 = 0
        var accrued: Int64 = 0
        for posting in postings {
            if posting.account == Bookkeeping.grantsUnused.number { liability -= posting.ore }
            if posting.account == Bookkeeping.accruedIncome.number { accrued += posting.ore }
        }
        return (liability, accrued)
    }

    /// Using `amount`: first consumes the liability, the rest is accrued.
    public static func use(_ amount: Money, liability: Money) -> (fromLiability: Money, toAccrued: Money) {
        let fromLiability = min(amount, max(liability, .zero))
        return (fromLiability, amount - fromLiability)
    }
}
