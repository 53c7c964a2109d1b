public import KooplogDomain

/// One entry of the medlemsförteckning. Entries are kept after a member leaves (with the date).
public struct MemberEntry: Codable, Sendable, Equatable {
    public var member: String
    public var kind: String
    public var admitted: String
    public var admittedSeq: UInt64
    public var contributionOre: Int64
    public var payments: [Movement] = []
    public var refunds: [Movement] = []
    public var left: String?
    public var leftSeq: UInt64?

    public func isMember(on date: String) -> Bool { admitted <= date && (left == nil || date < left!) }
}

public struct BoardElection: Codable, Sendable, Equatable {
    public var seq: UInt64
    public var date: String
    public var seats: [Seat]

    public struct Seat: Codable, Sendable, Equatable {
        public var member: String
        public var role: String
    }
}

public struct MembersState: Codable, Sendable, Equatable {
    public var members: [String: MemberEntry] = [:]
    public var elections: [BoardElection] = []
    public init() {}

    /// The board in office on `date`: the latest election dated up to it.
    public func board(on date: String) -> BoardElection? {
        elections.filter { $0.date <= date }.max { ($0.date, $0.seq) < ($1.date, $1.seq) }
    }
}

/// The members' register, votes and the board (Lag om ekonomiska föreningar).
public enum MembersProjection: Projection {
    public static let name = "members"
    public static let version = 2  // 2: binary state records
    public static func initial() -> MembersState { MembersState() }

    public static func apply(_ recorded: RecordedEvent, to state: inout MembersState, context: some FoldContext) throws {
        // Made only for the events that keep it (most events concern another model).
        var date: String { recorded.event.date.key }
        switch recorded.event.body {
        case .memberAdmitted(let p):
            state.members[p.member] = MemberEntry(
                member: p.member, kind: p.kind.rawValue, admitted: date, admittedSeq: recorded.seq,
                contributionOre: p.contribution.ore)
        case .memberContributionPaid(let p):
            state.members[p.member]?.payments.append(Movement(seq: recorded.seq, date: date, ore: p.amount.ore))
        case .memberLeft(let p):
            state.members[p.member]?.left = date
            state.members[p.member]?.leftSeq = recorded.seq
            if !p.refund.isZero { state.members[p.member]?.refunds.append(Movement(seq: recorded.seq, date: date, ore: p.refund.ore)) }
        case .boardElected(let p):
            state.elections.append(BoardElection(seq: recorded.seq, date: date, seats: p.seats.map { .init(member: $0.member, role: $0.role.rawValue) }))
        case .eventReversed(let p):
            guard let original = try context.event(p.seq) else { return }
            switch original.event.body {
            case .memberAdmitted(let x):
                if state.members[x.member]?.admittedSeq == p.seq { state.members[x.member] = nil }
            case .memberContributionPaid(let x):
                state.members[x.member]?.payments.removeAll { $0.seq == p.seq }
            case .memberLeft(let x):
                if state.members[x.member]?.leftSeq == p.seq {
                    state.members[x.member]?.left = nil
                    state.members[x.member]?.leftSeq = nil
                    state.members[x.member]?.refunds.removeAll { $0.seq == p.seq }
                }
            case .boardElected:
                state.elections.removeAll { $0.seq == p.seq }
            default:
                break
            }
        default:
            break
        }
    }
}
