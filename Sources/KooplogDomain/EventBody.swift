/// An event's typed data: one case per event type of SPEC.md §4.
public enum EventBody: Sendable, Equatable {
    case orgRegistered(OrgRegistered)
    case fiscalYearClosed(FiscalYearClosed)
    case eventReversed(EventReversed)
    case memberAdmitted(MemberAdmitted)
    case memberContributionPaid(MemberContributionPaid)
    case memberLeft(MemberLeft)
    case boardElected(BoardElected)
    case placementStarted(PlacementStarted)
    case placementChanged(PlacementChanged)
    case placementEnded(PlacementEnded)
    case invoiceIssued(InvoiceIssued)
    case invoicePaid(InvoicePaid)
    case invoiceCredited(InvoiceCredited)
    case salePaid(SalePaid)
    case billReceived(BillReceived)
    case billPaid(BillPaid)
    case expensePaid(ExpensePaid)
    case payrollPaid(PayrollPaid)
    case payrollTaxesPaid(PayrollTaxesPaid)
    case subsidyReceived(SubsidyReceived)
    case grantAwarded(GrantAwarded)
    case grantReceived(GrantReceived)
    case grantUsed(GrantUsed)
    case grantRepaid(GrantRepaid)
    case journalEntry(JournalEntry)
    case surplusAllocated(SurplusAllocated)

    /// The payload inside, as its protocol.
    public var payload: any EventPayload {
        switch self {
        case .orgRegistered(let p): p
        case .fiscalYearClosed(let p): p
        case .eventReversed(let p): p
        case .memberAdmitted(let p): p
        case .memberContributionPaid(let p): p
        case .memberLeft(let p): p
        case .boardElected(let p): p
        case .placementStarted(let p): p
        case .placementChanged(let p): p
        case .placementEnded(let p): p
        case .invoiceIssued(let p): p
        case .invoicePaid(let p): p
        case .invoiceCredited(let p): p
        case .salePaid(let p): p
        case .billReceived(let p): p
        case .billPaid(let p): p
        case .expensePaid(let p): p
        case .payrollPaid(let p): p
        case .payrollTaxesPaid(let p): p
        case .subsidyReceived(let p): p
        case .grantAwarded(let p): p
        case .grantReceived(let p): p
        case .grantUsed(let p): p
        case .grantRepaid(let p): p
        case .journalEntry(let p): p
        case .surplusAllocated(let p): p
        }
    }

    /// The type's name, by a switch: through `payload` each call would box the body in an
    /// existential (a heap allocation for most types).
    public var type: String {
        switch self {
        case .orgRegistered: OrgRegistered.type
        case .fiscalYearClosed: FiscalYearClosed.type
        case .eventReversed: EventReversed.type
        case .memberAdmitted: MemberAdmitted.type
        case .memberContributionPaid: MemberContributionPaid.type
        case .memberLeft: MemberLeft.type
        case .boardElected: BoardElected.type
        case .placementStarted: PlacementStarted.type
        case .placementChanged: PlacementChanged.type
        case .placementEnded: PlacementEnded.type
        case .invoiceIssued: InvoiceIssued.type
        case .invoicePaid: InvoicePaid.type
        case .invoiceCredited: InvoiceCredited.type
        case .salePaid: SalePaid.type
        case .billReceived: BillReceived.type
        case .billPaid: BillPaid.type
        case .expensePaid: ExpensePaid.type
        case .payrollPaid: PayrollPaid.type
        case .payrollTaxesPaid: PayrollTaxesPaid.type
        case .subsidyReceived: SubsidyReceived.type
        case .grantAwarded: GrantAwarded.type
        case .grantReceived: GrantReceived.type
        case .grantUsed: GrantUsed.type
        case .grantRepaid: GrantRepaid.type
        case .journalEntry: JournalEntry.type
        case .surplusAllocated: SurplusAllocated.type
        }
    }
    public var fields: JSONObject { payload.fields }
}

/// The catalogue: every event type, its current schema version, and its decoder.
public enum EventCatalogue {
    /// Schema version of every type in this build. A later version of a type is read next to
    /// the old one by `Upcaster` (stored events keep their version).
    public static let currentVersion = 1

    typealias Decoder = @Sendable (inout FieldReader) throws(Refusal) -> EventBody

    static let decoders: [String: Decoder] = [
        OrgRegistered.type: { (r) throws(Refusal) in .orgRegistered(try OrgRegistered(&r)) },
        FiscalYearClosed.type: { (r) throws(Refusal) in .fiscalYearClosed(try FiscalYearClosed(&r)) },
        EventReversed.type: { (r) throws(Refusal) in .eventReversed(try EventReversed(&r)) },
        MemberAdmitted.type: { (r) throws(Refusal) in .memberAdmitted(try MemberAdmitted(&r)) },
        MemberContributionPaid.type: { (r) throws(Refusal) in .memberContributionPaid(try MemberContributionPaid(&r)) },
        MemberLeft.type: { (r) throws(Refusal) in .memberLeft(try MemberLeft(&r)) },
        BoardElected.type: { (r) throws(Refusal) in .boardElected(try BoardElected(&r)) },
        PlacementStarted.type: { (r) throws(Refusal) in .placementStarted(try PlacementStarted(&r)) },
        PlacementChanged.type: { (r) throws(Refusal) in .placementChanged(try PlacementChanged(&r)) },
        PlacementEnded.type: { (r) throws(Refusal) in .placementEnded(try PlacementEnded(&r)) },
        InvoiceIssued.type: { (r) throws(Refusal) in .invoiceIssued(try InvoiceIssued(&r)) },
        InvoicePaid.type: { (r) throws(Refusal) in .invoicePaid(try InvoicePaid(&r)) },
        InvoiceCredited.type: { (r) throws(Refusal) in .invoiceCredited(try InvoiceCredited(&r)) },
        SalePaid.type: { (r) throws(Refusal) in .salePaid(try SalePaid(&r)) },
        BillReceived.type: { (r) throws(Refusal) in .billReceived(try BillReceived(&r)) },
        BillPaid.type: { (r) throws(Refusal) in .billPaid(try BillPaid(&r)) },
        ExpensePaid.type: { (r) throws(Refusal) in .expensePaid(try ExpensePaid(&r)) },
        PayrollPaid.type: { (r) throws(Refusal) in .payrollPaid(try PayrollPaid(&r)) },
        PayrollTaxesPaid.type: { (r) throws(Refusal) in .payrollTaxesPaid(try PayrollTaxesPaid(&r)) },
        SubsidyReceived.type: { (r) throws(Refusal) in .subsidyReceived(try SubsidyReceived(&r)) },
        GrantAwarded.type: { (r) throws(Refusal) in .grantAwarded(try GrantAwarded(&r)) },
        GrantReceived.type: { (r) throws(Refusal) in .grantReceived(try GrantReceived(&r)) },
        GrantUsed.type: { (r) throws(Refusal) in .grantUsed(try GrantUsed(&r)) },
        GrantRepaid.type: { (r) throws(Refusal) in .grantRepaid(try GrantRepaid(&r)) },
        JournalEntry.type: { (r) throws(Refusal) in .journalEntry(try JournalEntry(&r)) },
        SurplusAllocated.type: { (r) throws(Refusal) in .surplusAllocated(try SurplusAllocated(&r)) },
    ]

    /// Every event type, sorted.
    public static var types: [String] { decoders.keys.sorted() }

    /// Decodes a type's `data` object (current version).
    public static func decode(type: String, data: JSONValue) throws(Refusal) -> EventBody {
        guard let decoder = decoders[type] else {
            throw Refusal(.unknownType, field: "type", "\"\(type)\" is not an event type; known types: \(types.joined(separator: ", "))")
        }
        var reader = try FieldReader.object(data, path: "data")
        let body = try decoder(&reader)
        try reader.finish()
        return body
    }
}

/// Reads stored data of an older schema version into today's type. Each step turns version n's
/// `data` into version n+1's; a stored record keeps the version it was written with, and the
/// decoder of today's type reads the lifted data.
public struct Upcaster: Sendable {
    public typealias Step = @Sendable (JSONObject) -> JSONObject

    /// Today's version per type (absent: `EventCatalogue.currentVersion`).
    public var current: [String: Int]
    /// Steps by type and from-version.
    public var steps: [String: [Int: Step]]

    public init(current: [String: Int] = [:], steps: [String: [Int: Step]] = [:]) {
        self.current = current
        self.steps = steps
    }

    /// This build: every type is at version 1, no steps.
    public static let standard = Upcaster()

    public func currentVersion(of type: String) -> Int { current.isEmpty ? EventCatalogue.currentVersion : current[type] ?? EventCatalogue.currentVersion }

    /// `data` stored at `version`, lifted to the current version.
    public func upcast(type: String, version: Int, data: JSONObject) throws(Refusal) -> JSONObject {
        let target = currentVersion(of: type)
        guard version >= 1, version <= target else {
            throw Refusal(.invalidValue, field: "v", "schema version \(version) of \(type) is unknown to this Kooplog (current \(target))")
        }
        var data = data
        var v = version
        while v < target {
            guard let step = steps[type]?[v] else {
                throw Refusal(.invalidValue, field: "v", "no upgrade from version \(v) of \(type)")
            }
            data = step(data)
            v += 1
        }
        return data
    }
}
