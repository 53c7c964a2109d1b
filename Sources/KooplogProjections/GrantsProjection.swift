public import KooplogDomain

/// One grant: what was awarded and budgeted, and the money received, used and repaid, dated.
public struct GrantEntry: Codable, Sendable, Equatable {
    public var grant: String
    public var funder: String
    public var title: String
    public var awardedOre: Int64
    public var budgetOre: Int64
    public var from: String
    public var to: String
    public var awardedSeq: UInt64
    public var awardedDate: String
    public var coFinancing: [CoFinancingEntry]
    public var received: [Movement] = []
    public var used: [Movement] = []
    public var repaid: [Movement] = []

    public struct CoFinancingEntry: Codable, Sendable, Equatable {
        public var source: String
        public var ore: Int64
    }

    /// planned before `from`, active from `from` through `to`, ended after.
    public func status(on date: String) -> String { date < from ? "planned" : (date <= to ? "active" : "ended") }
}

public struct GrantsState: Codable, Sendable, Equatable {
    public var grants: [String: GrantEntry] = [:]
    public init() {}
}

/// Grants: awarded, budget, co-financing, received, used, unused, status.
public enum GrantsProjection: Projection {
    public static let name = "grants"
    public static let version = 2  // 2: binary state records
    public static func initial() -> GrantsState { GrantsState() }

    public static func apply(_ recorded: RecordedEvent, to state: inout GrantsState, context: some FoldContext) throws {
        // Made only for the events that keep it (most events concern another model).
        var date: String { recorded.event.date.key }
        let movement = { (ore: Int64) in Movement(seq: recorded.seq, date: date, ore: ore) }
        switch recorded.event.body {
        case .grantAwarded(let p):
            state.grants[p.grant] = GrantEntry(
                grant: p.grant, funder: p.funder.rawValue, title: p.title, awardedOre: p.amount.ore, budgetOre: p.budget.ore,
                from: p.from.key, to: p.to.key, awardedSeq: recorded.seq, awardedDate: date,
                coFinancing: (p.coFinancing ?? []).map { .init(source: $0.source, ore: $0.amount.ore) })
        case .grantReceived(let p): state.grants[p.grant]?.received.append(movement(p.amount.ore))
        case .grantUsed(let p): state.grants[p.grant]?.used.append(movement(p.amount.ore))
        case .grantRepaid(let p): state.grants[p.grant]?.repaid.append(movement(p.amount.ore))
        case .eventReversed(let p):
            guard let original = try context.event(p.seq) else { return }
            switch original.event.body {
            case .grantAwarded(let x): if state.grants[x.grant]?.awardedSeq == p.seq { state.grants[x.grant] = nil }
            case .grantReceived(let x): state.grants[x.grant]?.received.removeAll { $0.seq == p.seq }
            case .grantUsed(let x): state.grants[x.grant]?.used.removeAll { $0.seq == p.seq }
            case .grantRepaid(let x): state.grants[x.grant]?.repaid.removeAll { $0.seq == p.seq }
            default: break
            }
        default:
            break
        }
    }
}
