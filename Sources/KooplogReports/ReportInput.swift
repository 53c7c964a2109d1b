public import KooplogDomain
public import KooplogProjections

/// Everything a report is computed from: the organisation's read models at one log position.
public struct ReportInput: Sendable {
    public var org: OrgNumber
    public var asOfSeq: UInt64
    public var asOfHash: String
    /// The business date the report is as of (facts dated after it are not in the models).
    public var date: CalendarDate
    /// The fiscal year asked for (by its start year).
    public var year: Int
    /// Whether `--year` was given (headcount adds its monthly series then).
    public var yearGiven: Bool
    public var finance: FinanceState
    public var headcount: HeadcountState
    public var members: MembersState
    public var grants: GrantsState
    /// The verifikations of `year`, for the journal.
    public var journal: [Verifikation]

    public init(
        org: OrgNumber, asOfSeq: UInt64, asOfHash: String, date: CalendarDate, year: Int, yearGiven: Bool, finance: FinanceState,
        headcount: HeadcountState, members: MembersState, grants: GrantsState, journal: [Verifikation]
    ) {
        self.org = org
        self.asOfSeq = asOfSeq
        self.asOfHash = asOfHash
        self.date = date
        self.year = year
        self.yearGiven = yearGiven
        self.finance = finance
        self.headcount = headcount
        self.members = members
        self.grants = grants
        self.journal = journal
    }
}
