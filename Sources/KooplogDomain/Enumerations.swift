// The enumerations of SPEC.md §4; raw values are the JSON spellings.

public enum MemberKind: String, Sendable, CaseIterable { case worker, supporting, investing }
public enum BoardRole: String, Sendable, CaseIterable { case chair, ordinary, deputy }
public enum WorkForm: String, Sendable, CaseIterable {
    case employment
    case workTraining = "work-training"
    case internship
    case dailyActivity = "daily-activity"
    case volunteer
}
public enum Subsidy: String, Sendable, CaseIterable {
    case lonebidrag
    case lonebidragUtveckling = "lonebidrag-utveckling"
    case trygghetsanstallning
    case skyddatArbete = "skyddat-arbete"
    case nystartsjobb
    case introduktionsjobb
    case other
}
/// `placement.changed` may remove the subsidy with `"none"`.
public enum SubsidyChange: Sendable, Equatable {
    case none
    case set(Subsidy)
}
public enum Referrer: String, Sendable, CaseIterable {
    case arbetsformedlingen, kommun, forsakringskassan, region, `self`, other
}
public enum Outcome: String, Sendable, CaseIterable {
    case employmentElsewhere = "employment-elsewhere"
    case education
    case otherPlacement = "other-placement"
    case unableToWork = "unable-to-work"
    case other
    case unknown
}
public enum CustomerKind: String, Sendable, CaseIterable { case `public`, `private`, nonprofit }
public enum Funder: String, Sendable, CaseIterable {
    case esf, eruf, arvsfonden, state, region, municipality, foundation, other

    /// The income account of SPEC.md §4: 3981 EU, 3985 state, 3987 municipality, 3989 others.
    public var incomeAccount: Account {
        switch self {
        case .esf, .eruf: Account(3981)
        case .state: Account(3985)
        case .municipality: Account(3987)
        case .arvsfonden, .region, .foundation, .other: Account(3989)
        }
    }
}
/// VAT rates in percent.
public enum VATRate: Int, Sendable, CaseIterable {
    case standard = 25
    case reduced = 12
    case low = 6
    case zero = 0

    /// Default sales account (3001/3002/3003/3004).
    public var salesAccount: Account {
        switch self {
        case .standard: Account(3001)
        case .reduced: Account(3002)
        case .low: Account(3003)
        case .zero: Account(3004)
        }
    }
    /// Output VAT account (2611/2621/2631); none at 0 %.
    public var outputAccount: Account? {
        switch self {
        case .standard: Account(2611)
        case .reduced: Account(2621)
        case .low: Account(2631)
        case .zero: nil
        }
    }
}
