import KooplogDomain

/// Small helpers for building report JSON: amounts as strings with two decimals, shares as
/// strings with two decimals, counts as integers.
enum R {
    static func amount(_ ore: Int64) -> JSON { .string(Money(ore: ore).canonical) }
    static func int(_ value: Int) -> JSON { .number(String(value)) }

    /// `numerator / denominator` with two decimals, rounded half away from zero; "0.00" when the
    /// denominator is zero.
    static func share(_ numerator: Int64, _ denominator: Int64) -> String {
        guard denominator != 0 else { return "0.00" }
        let negative = (numerator < 0) != (denominator < 0)
        let n = numerator.magnitude * 1000 / denominator.magnitude
        let rounded = (n + 5) / 10
        return (negative && rounded != 0 ? "-" : "") + "\(rounded / 100).\(rounded % 100 < 10 ? "0" : "")\(rounded % 100)"
    }

    /// FTE: the sum of extents (percent) / 100, two decimals.
    static func fte(_ percentSum: Int) -> String {
        "\(percentSum / 100).\(percentSum % 100 < 10 ? "0" : "")\(percentSum % 100)"
    }
}

/// The reports of SPEC.md §6.
public enum ReportName: String, CaseIterable, Sendable {
    case trialBalance = "trial-balance"
    case income
    case balance
    case receivables
    case journal
    case headcount
    case surplus
    case members
    case grants

    /// Whether the report needs finance totals restricted to a date (the engine replays for them).
    public var usesFinance: Bool { [.trialBalance, .income, .balance, .surplus].contains(self) }
}
