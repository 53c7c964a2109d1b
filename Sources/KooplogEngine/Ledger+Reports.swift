import Foundation
public import KooplogDomain
import KooplogProjections
public import KooplogReports
import KooplogStore

/// What a report is asked for.
public struct ReportRequest: Sendable {
    public var name: ReportName
    /// One organisation; nil means the only one (refused when there are several).
    public var org: OrgNumber?
    public var year: Int?
    public var asOf: CalendarDate?

    public init(name: ReportName, org: OrgNumber? = nil, year: Int? = nil, asOf: CalendarDate? = nil) {
        self.name = name
        self.org = org
        self.year = year
        self.asOf = asOf
    }
}

extension Ledger {
    /// Builds a report at the head (catching the read models up first).
    public func report(_ request: ReportRequest) throws -> JSON {
        let (models, rebuild) = try catchUp()
        let orgs = try organisations()
        guard !orgs.isEmpty else { throw Refusal(.orgNotRegistered, field: "--org", "the ledger holds no organisation yet") }
        let org: OrgNumber
        if let asked = request.org {
            guard orgs.contains(asked) else {
                throw Refusal(
                    .orgNotRegistered, field: "--org", "\(asked) is not an organisation of this ledger (it has \(orgs.map(\.text).joined(separator: ", ")))")
            }
            org = asked
        } else {
            guard orgs.count == 1 else {
                throw Refusal(
                    .missingField, field: "--org",
                    "the ledger holds \(orgs.count) organisations (\(orgs.map(\.text).joined(separator: ", "))); name one with --org, or --org all")
            }
            org = orgs[0]
        }
        return try report(request, org: org, models: models, head: rebuild.head)
    }

    /// Reports for every organisation side by side (`--org all`).
    public func reportAll(_ request: ReportRequest) throws -> JSON {
        let (models, rebuild) = try catchUp()
        let reports = try organisations().map { try report(request, org: $0, models: models, head: rebuild.head) }
        return .object(
            JSONObject([
                ("report", .string(request.name.rawValue)), ("org", "all"),
                ("asOf", .object(JSONObject([("seq", .number(String(rebuild.head.seq))), ("hash", .string(rebuild.head.hash.hex))]))),
                ("orgs", .array(reports)),
            ]))
    }

    func report(_ request: ReportRequest, org: OrgNumber, models: ModelSet, head: LogHead, yearGiven: Bool? = nil) throws -> JSON {
        let key = org.text
        var finance = try models.finance.state(key)
        var headcount = try models.headcount.state(key)
        var members = try models.members.state(key)
        var grants = try models.grants.state(key)
        let lastDate = finance.lastDate.flatMap { CalendarDate($0) }
        var date = request.asOf ?? lastDate ?? CalendarDate(year: 2000, month: 1, day: 1)!
        // A year without a date: as of the end of that year (or the last fact, if earlier).
        if request.asOf == nil, let year = request.year, finance.calendar.end(of: year) < date { date = finance.calendar.end(of: year) }
        let year = request.year ?? finance.calendar.year(of: date)
        let context = LedgerFoldContext(ledger: self)
        var journal: [Verifikation] = []
        // Facts dated after the report date are left out: replay the organisation's events up to it.
        let needsReplay = (lastDate.map { date < $0 } ?? false)
        if needsReplay || request.name == .journal {
            var replayed = (FinanceProjection.initial(), HeadcountProjection.initial(), MembersProjection.initial(), GrantsProjection.initial())
            try forEachEvent(EventFilter(to: head.seq, org: org)) { stored in
                let recorded = stored.recorded
                if recorded.event.date > date && needsReplay { return true }
                if let v = try FinanceProjection.verifikation(recorded, state: &replayed.0, context: context), v.fiscalYear == year {
                    journal.append(v)
                }
                if needsReplay {
                    try HeadcountProjection.apply(recorded, to: &replayed.1, context: context)
                    try MembersProjection.apply(recorded, to: &replayed.2, context: context)
                    try GrantsProjection.apply(recorded, to: &replayed.3, context: context)
                }
                return true
            }
            if needsReplay { (finance, headcount, members, grants) = replayed }
        }
        if let problem = finance.checkInvariants() { throw StoreError.integrity.with("read model finance of \(org): \(problem)") }
        let input = ReportInput(
            org: org, asOfSeq: head.seq, asOfHash: head.hash.hex, date: date, year: year, yearGiven: yearGiven ?? (request.year != nil),
            finance: finance, headcount: headcount, members: members, grants: grants, journal: journal)
        return Reports.json(request.name, input)
    }
}
