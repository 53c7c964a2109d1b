public import KooplogDomain

/// Realistic synthetic books for many organisations at once, deterministic from a seed: each
/// organisation's events come from `RandomBooks` spread over `years` fiscal years, and the
/// organisations are interleaved in date order, as an umbrella keeping many cooperatives' books
/// would record them. Reversals are re-pointed at the events' places in the merged log.
public struct SyntheticLedger {
    public let seed: UInt64
    public let orgs: Int
    public let years: Int

    public init(seed: UInt64, orgs: Int, years: Int = 10) {
        self.seed = seed
        self.orgs = orgs
        self.years = years
    }

    /// About `count` events (each organisation gets `count / orgs`), passed to `body` in order.
    public func generate(count: Int, _ body: (JSON) throws -> Void) rethrows {
        let perOrg = max(count / orgs, 50)
        var books: [RandomBooks] = []
        for index in 0..<orgs {
            var b = RandomBooks(
                seed: seed &* 1_000_003 &+ UInt64(index), org: SyntheticOrgs.number(index),
                start: CalendarDate(year: 2026 - years, month: 1, day: 2)!)
            b.daysPerEvent = Double(years * 365) / Double(perOrg)
            b.generate(perOrg - 1)
            books.append(b)
        }
        // Merge by date; within a date, organisations in turn.
        var cursors = [Int](repeating: 0, count: orgs)
        var globalSeq: [[UInt64]] = books.map { [UInt64](repeating: 0, count: $0.events.count) }
        var seq: UInt64 = 0
        while true {
            var best: Int?
            var bestDate = ""
            for index in 0..<orgs where cursors[index] < books[index].events.count {
                let date = books[index].events[cursors[index]].objectValue?["date"]?.stringValue ?? ""
                if best == nil || date < bestDate {
                    best = index
                    bestDate = date
                }
            }
            guard let index = best else { return }
            var event = books[index].events[cursors[index]]
            seq += 1
            globalSeq[index][cursors[index]] = seq
            if case .object(var object) = event, object["type"] == "event.reversed", case .object(var data)? = object["data"],
                case .number(let local)? = data["seq"], let localSeq = Int(local)
            {
                data["seq"] = .number(String(globalSeq[index][localSeq - 1]))
                object["data"] = .object(data)
                event = .object(object)
            }
            cursors[index] += 1
            try body(event)
        }
    }
}
