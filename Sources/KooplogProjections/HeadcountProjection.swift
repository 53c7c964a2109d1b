public import KooplogDomain

/// A change to a placement's terms, dated (the start's terms are the first change).
public struct PlacementTerms: Codable, Sendable, Equatable {
    public var seq: UInt64
    public var date: String
    public var form: String?
    public var extent: Int?
    /// A subsidy, or "none" when it was removed.
    public var subsidy: String?
}

/// One placement of one person, from start to end.
public struct PlacementEntry: Codable, Sendable, Equatable {
    public var person: String
    public var startSeq: UInt64
    public var from: String
    public var targetGroup: Bool
    public var referrer: String?
    public var terms: [PlacementTerms]
    public var to: String?
    public var endSeq: UInt64?
    public var outcome: String?

    /// Whether the person works here on `date` (the end date is the leaving day).
    public func isActive(on date: String) -> Bool { from <= date && (to == nil || date < to!) }

    /// The terms in force on `date`.
    public func terms(on date: String) -> (form: String, extent: Int, subsidy: String?) {
        var form = ""
        var extent = 0
        var subsidy: String?
        for change in terms.sorted(by: { ($0.date, $0.seq) < ($1.date, $1.seq) }) where change.date <= date || change.seq == startSeq {
            if let f = change.form { form = f }
            if let e = change.extent { extent = e }
            if let s = change.subsidy { subsidy = s == "none" ? nil : s }
        }
        return (form, extent, subsidy)
    }
}

public struct HeadcountState: Codable, Sendable, Equatable {
    public var placements: [PlacementEntry] = []
    /// Index into `placements` of each person's active placement.
    public var active: [String: Int] = [:]
    public init() {}
}

/// Who works here, in which form, at what extent, with which subsidy, and how placements ended.
public enum HeadcountProjection: Projection {
    public static let name = "headcount"
    public static let version = 2  // 2: binary state records
    public static func initial() -> HeadcountState { HeadcountState() }

    public static func apply(_ recorded: RecordedEvent, to state: inout HeadcountState, context: some FoldContext) throws {
        // Made only for the events that keep it (most events concern another model).
        var date: String { recorded.event.date.key }
        switch recorded.event.body {
        case .placementStarted(let p):
            let terms = PlacementTerms(seq: recorded.seq, date: date, form: p.form.rawValue, extent: p.extent, subsidy: p.subsidy?.rawValue)
            state.placements.append(
                PlacementEntry(
                    person: p.person, startSeq: recorded.seq, from: date, targetGroup: p.targetGroup,
                    referrer: p.referrer?.rawValue, terms: [terms]))
            state.active[p.person] = state.placements.count - 1
        case .placementChanged(let p):
            guard let index = state.active[p.person] else { return }
            let subsidy: String? =
                switch p.subsidy {
                case .none?: "none"
                case .set(let s)?: s.rawValue
                case nil: nil
                }
            state.placements[index].terms.append(PlacementTerms(seq: recorded.seq, date: date, form: p.form?.rawValue, extent: p.extent, subsidy: subsidy))
        case .placementEnded(let p):
            guard let index = state.active[p.person] else { return }
            state.placements[index].to = date
            state.placements[index].endSeq = recorded.seq
            state.placements[index].outcome = p.outcome.rawValue
            state.active[p.person] = nil
        case .eventReversed(let p):
            guard let original = try context.event(p.seq) else { return }
            switch original.event.body {
            case .placementStarted:
                guard let index = state.placements.firstIndex(where: { $0.startSeq == p.seq }) else { return }
                state.placements.remove(at: index)
                reindex(&state)
            case .placementChanged(let x):
                // The change went to one of this person's placements: only theirs are looked into
                // (each placement's terms lie elsewhere in memory; an umbrella has thousands).
                for index in state.placements.indices where state.placements[index].person == x.person {
                    state.placements[index].terms.removeAll { $0.seq == p.seq }
                }
            case .placementEnded(let x):
                guard let index = state.placements.firstIndex(where: { $0.endSeq == p.seq }) else { return }
                state.placements[index].to = nil
                state.placements[index].endSeq = nil
                state.placements[index].outcome = nil
                state.active[x.person] = index
            default:
                break
            }
        default:
            break
        }
    }

    private static func reindex(_ state: inout HeadcountState) {
        state.active = [:]
        for (index, placement) in state.placements.enumerated() where placement.endSeq == nil {
            state.active[placement.person] = index
        }
    }
}
