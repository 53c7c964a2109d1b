public import KooplogDomain

/// Debits and credits on one account, in öre.
public struct DebitCredit: Codable, Sendable, Equatable {
    public var debit: Int64 = 0
    public var credit: Int64 = 0
    public var balance: Int64 { debit - credit }
    public init(debit: Int64 = 0, credit: Int64 = 0) {
        self.debit = debit
        self.credit = credit
    }
    mutating func add(_ ore: Int64) {
        if ore >= 0 { debit += ore } else { credit -= ore }
    }
}

/// One fiscal year's books: totals per account and how many verifikations were numbered.
public struct FiscalYearBooks: Codable, Sendable, Equatable {
    public var accounts: [Int: DebitCredit] = [:]
    public var verifikations: Int = 0
}

/// An issued invoice as the receivables need it.
public struct InvoiceEntry: Codable, Sendable, Equatable {
    public var invoice: String
    public var customer: String
    public var customerKind: String
    public var date: String
    public var due: String
    public var issuedSeq: UInt64
    public var grossOre: Int64
    /// Payments and credits, dated.
    public var settlements: [Movement] = []
    public var outstandingOre: Int64 { grossOre - settlements.total() }
}

/// A grant's money as the postings need it: received not used (2880), used not received (1790).
public struct GrantAccrualEntry: Codable, Sendable, Equatable {
    public var funder: String
    public var liabilityOre: Int64 = 0
    public var accruedOre: Int64 = 0
}

/// The stämma's allocation of a closed year's result.
public struct Allocation: Codable, Sendable, Equatable {
    public var seq: UInt64
    public var date: String
    public var reserveFundOre: Int64
    public var retainedOre: Int64
    public var dividendOre: Int64
    public var reinvestedOre: Int64
}

/// One verifikation, as the journal (grundbok) shows it.
public struct Verifikation: Sendable, Equatable {
    public var fiscalYear: Int
    public var number: Int
    public var seq: UInt64
    public var date: CalendarDate
    public var recorded: String
    public var by: String
    public var text: String
    public var postings: [Posting]
}

/// The finances of one organisation (double entry on the BAS chart).
public struct FinanceState: Codable, Sendable, Equatable {
    public var name = ""
    public var registered = false
    public var startMonth = 1
    public var vatRegistered = true
    public var closedYears: [Int] = []
    /// The latest business date of any event of the organisation.
    public var lastDate: String?
    public var years: [Int: FiscalYearBooks] = [:]
    public var invoices: [String: InvoiceEntry] = [:]
    /// Lines of invoices, kept so an unpaid invoice can be credited whole.
    public var invoiceLines: [String: [StoredSalesLine]] = [:]
    public var grants: [String: GrantAccrualEntry] = [:]
    /// Postings that depended on state when made (grant splits, whole-invoice credits).
    public var statefulPostings: [String: [Posting]] = [:]
    public var allocations: [Int: Allocation] = [:]

    public var calendar: FiscalCalendar { FiscalCalendar(startMonth: startMonth) }

    public init() {}

    /// Checks the books' invariant: every fiscal year's totals balance (debits = credits).
    public func checkInvariants() -> String? {
        for (year, books) in years {
            let sum = books.accounts.values.reduce(Int64(0)) { $0 + $1.balance }
            if sum != 0 { return "fiscal year \(year) does not balance by \(Money(ore: sum).swedish) kr" }
        }
        return nil
    }
}

/// A sales line in a read model.
public struct StoredSalesLine: Codable, Sendable, Equatable {
    public var text: String
    public var ore: Int64
    public var vat: Int
    public var account: Int?

    init(_ line: SalesLine) {
        text = line.text
        ore = line.amount.ore
        vat = line.vat.rawValue
        account = line.account?.number
    }

    var line: SalesLine {
        SalesLine(text: text, amount: Money(ore: ore), vat: VATRate(rawValue: vat) ?? .zero, account: account.map(Account.init))
    }
}

/// Every finance event becomes a verifikation with balanced postings (SPEC.md §4), numbered per
/// organisation and fiscal year in registration order.
public enum FinanceProjection: Projection {
    public static let name = "finance"
    public static let version = 2  // 2: binary state records
    public static func initial() -> FinanceState { FinanceState() }

    public static func apply(_ recorded: RecordedEvent, to state: inout FinanceState, context: some FoldContext) throws {
        _ = try post(recorded, state: &state, context: context)
    }

    /// Applies the event and returns its verifikation, if it is one.
    public static func verifikation(_ recorded: RecordedEvent, state: inout FinanceState, context: some FoldContext) throws -> Verifikation? {
        guard let (year, number, postings) = try post(recorded, state: &state, context: context) else { return nil }
        let event = recorded.event
        return Verifikation(
            fiscalYear: year, number: number, seq: recorded.seq, date: event.date, recorded: recorded.recorded,
            by: recorded.by, text: text(for: event, context: context), postings: postings)
    }

    /// A verifikation as a fold leaves it: its fiscal year, its number in the year, its postings.
    private typealias Posted = (year: Int, number: Int, postings: [Posting])

    /// Applies the event; for a verifikation, its fiscal year, number and postings (a fold needs
    /// no more: its text is made only for the journal).
    private static func post(_ recorded: RecordedEvent, state: inout FinanceState, context: some FoldContext) throws -> Posted? {
        let event = recorded.event
        let date = event.date.key
        if state.lastDate == nil || date > state.lastDate! { state.lastDate = date }
        switch event.body {
        case .orgRegistered(let p):
            state.name = p.name
            state.registered = true
            state.startMonth = p.fiscalYearStartMonth
            state.vatRegistered = p.vatRegistered
            return nil
        case .fiscalYearClosed(let p):
            state.closedYears.append(p.fiscalYear)
            state.closedYears.sort()
            return nil
        default:
            break
        }
        // The posting context reads the state where it lies (a copy retained every field of the
        // state per event); it is gone before the state is changed.
        let postings = try withUnsafeMutablePointer(to: &state) { pointer in
            try Bookkeeping.postings(for: event, context: FinancePostingContext(state: UnsafePointer(pointer), context: context))
        }
        try updateEntities(recorded, postings: postings, state: &state, context: context)
        guard let postings else { return nil }
        precondition(Bookkeeping.imbalance(postings).isZero, "unbalanced postings for seq \(recorded.seq)")
        let year = state.calendar.year(of: event.date)
        // Posted in place: books taken out of the dictionary would copy their accounts every time.
        let number = add(postings, to: &state.years[year, default: FiscalYearBooks()])
        return (year, number, postings)
    }

    /// Adds a verifikation's postings to a year's books; returns its number in the year.
    private static func add(_ postings: [Posting], to books: inout FiscalYearBooks) -> Int {
        books.verifikations += 1
        for posting in postings { books.accounts[posting.account, default: DebitCredit()].add(posting.ore) }
        return books.verifikations
    }

    private static func updateEntities(_ recorded: RecordedEvent, postings: [Posting]?, state: inout FinanceState, context: some FoldContext) throws {
        let event = recorded.event
        // Made only for the events that keep it.
        var date: String { event.date.key }
        switch event.body {
        case .invoiceIssued(let p):
            state.invoices[p.invoice] = InvoiceEntry(
                invoice: p.invoice, customer: p.customer, customerKind: p.customerKind.rawValue, date: date,
                due: p.due.key, issuedSeq: recorded.seq, grossOre: p.gross.ore)
            state.invoiceLines[p.invoice] = p.lines.map(StoredSalesLine.init)
        case .invoicePaid(let p):
            state.invoices[p.invoice]?.settlements.append(Movement(seq: recorded.seq, date: date, ore: p.amount.ore))
        case .invoiceCredited(let p):
            let credited = p.lines.map { $0.reduce(Money.zero) { $0 + $1.gross } } ?? Money(ore: state.invoices[p.invoice]?.outstandingOre ?? 0)
            state.invoices[p.invoice]?.settlements.append(Movement(seq: recorded.seq, date: date, ore: credited.ore))
            if p.lines == nil, let postings { state.statefulPostings[String(recorded.seq)] = postings }
        case .grantAwarded(let p):
            state.grants[p.grant] = GrantAccrualEntry(funder: p.funder.rawValue)
        case .grantReceived(let p):
            if let postings {
                state.statefulPostings[String(recorded.seq)] = postings
                moveGrant(p.grant, postings, &state)
            }
        case .grantUsed(let p):
            if let postings {
                state.statefulPostings[String(recorded.seq)] = postings
                moveGrant(p.grant, postings, &state)
            }
        case .grantRepaid(let p):
            if let postings { moveGrant(p.grant, postings, &state) }
        case .surplusAllocated(let p):
            let reinvested = (p.reinvestments ?? []).reduce(Int64(0)) { $0 + $1.amount.ore }
            state.allocations[p.fiscalYear] = Allocation(
                seq: recorded.seq, date: date, reserveFundOre: p.reserveFund?.ore ?? 0,
                retainedOre: p.retained?.ore ?? 0, dividendOre: p.dividend?.ore ?? 0, reinvestedOre: reinvested)
        case .eventReversed(let p):
            guard let original = try context.event(p.seq) else { return }
            switch original.event.body {
            case .invoiceIssued(let x):
                state.invoices[x.invoice] = nil
                state.invoiceLines[x.invoice] = nil
            case .invoicePaid(let x):
                state.invoices[x.invoice]?.settlements.removeAll { $0.seq == p.seq }
            case .invoiceCredited(let x):
                state.invoices[x.invoice]?.settlements.removeAll { $0.seq == p.seq }
            case .grantAwarded(let x):
                state.grants[x.grant] = nil
            case .grantReceived(let x):
                if let postings { moveGrant(x.grant, postings, &state) }
            case .grantUsed(let x):
                if let postings { moveGrant(x.grant, postings, &state) }
            case .grantRepaid(let x):
                if let postings { moveGrant(x.grant, postings, &state) }
            case .surplusAllocated(let x):
                if state.allocations[x.fiscalYear]?.seq == p.seq { state.allocations[x.fiscalYear] = nil }
            default:
                break
            }
        default:
            break
        }
    }

    /// Moves the grant's 2880 / 1790 balances by its postings (`GrantAccrual.movement`).
    private static func moveGrant(_ grant: String, _ postings: [Posting], _ state: inout FinanceState) {
        guard var entry = state.grants[grant] else { return }
        let movement = GrantAccrual.movement(of: postings)
        entry.liabilityOre += movement.liabilityOre
        entry.accruedOre += movement.accruedOre
        state.grants[grant] = entry
    }

    /// The verifikation text a treasurer recognises.
    static func text(for event: Event, context: some FoldContext) -> String {
        switch event.body {
        case .memberContributionPaid(let p): "Insats inbetald, medlem \(p.member)"
        case .memberLeft(let p): "Insats återbetald, medlem \(p.member)"
        case .invoiceIssued(let p): "Faktura \(p.invoice), \(p.customer)"
        case .invoicePaid(let p): "Betalning faktura \(p.invoice)"
        case .invoiceCredited(let p): "Kredit faktura \(p.invoice): \(p.reason)"
        case .salePaid(let p): "Försäljning: \(p.lines.first?.text ?? "")"
        case .billReceived(let p): "Leverantörsfaktura \(p.bill), \(p.supplier)"
        case .billPaid(let p): "Betalning leverantörsfaktura \(p.bill)"
        case .expensePaid(let p): "Utlägg \(p.supplier): \(p.lines.first?.text ?? "")"
        case .payrollPaid(let p): "Löner \(p.period)"
        case .payrollTaxesPaid(let p): "Skatter och avgifter \(p.period)"
        case .subsidyReceived(let p): "Lönestöd \(p.subsidy.rawValue)" + (p.period.map { " \($0)" } ?? "")
        case .grantReceived(let p): "Bidrag mottaget \(p.grant)"
        case .grantUsed(let p): "Bidrag förbrukat \(p.grant): \(p.text)"
        case .grantRepaid(let p): "Bidrag återbetalt \(p.grant)"
        case .journalEntry(let p): p.text
        case .surplusAllocated(let p): "Vinstdisposition \(p.fiscalYear)"
        case .eventReversed(let p): "Rättelse av seq \(p.seq): \(p.reason)"
        default: event.type
        }
    }
}

/// Answers the posting rules from the finance state (and the log, for reversals); valid only
/// inside the call that made it. Not generic over the fold context: a generic one had its type
/// metadata looked up at run time for every event (~330 instructions); the context is asked only
/// for a reversal's original.
struct FinancePostingContext: PostingContext {
    let state: UnsafePointer<FinanceState>
    let context: any FoldContext

    func vatRegistered(_ org: OrgNumber) throws -> Bool { state.pointee.vatRegistered }

    func grantAccrual(_ org: OrgNumber, _ grant: String) throws -> (funder: Funder, liability: Money, accrued: Money)? {
        guard let entry = state.pointee.grants[grant], let funder = Funder(rawValue: entry.funder) else { return nil }
        return (funder, Money(ore: entry.liabilityOre), Money(ore: entry.accruedOre))
    }

    func invoiceLines(_ org: OrgNumber, _ invoice: String) throws -> [SalesLine]? {
        state.pointee.invoiceLines[invoice]?.map(\.line)
    }

    func postings(ofSeq seq: UInt64) throws -> [Posting]? {
        if let stored = state.pointee.statefulPostings[String(seq)] { return stored }
        guard let original = try context.event(seq) else { return nil }
        return try Bookkeeping.postings(for: original.event, context: self)
    }
}
