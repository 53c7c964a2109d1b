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
        // Merge by date; within a date, by organisation: each organisation's next event waits in a
        // heap by (date, organisation), so an event costs a few comparisons, not one per
        // organisation (10^7 events of 1 000 organisations took five minutes that way).
        var cursors = [Int](repeating: 0, count: orgs)
        var globalSeq: [[UInt64]] = books.map { [UInt64](repeating: 0, count: $0.events.count) }
        var seq: UInt64 = 0
        func date(_ index: Int) -> String { books[index].events[cursors[index]].objectValue?["date"]?.stringValue ?? "" }
        var next = MergeHeap()
        for index in 0..<orgs where !books[index].events.isEmpty { next.push((date(index), index)) }
        while let (_, index) = next.pop() {
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
            if cursors[index] < books[index].events.count { next.push((date(index), index)) }
            try body(event)
        }
    }
}

/// A binary min-heap of (date, organisation index), in that order.
private struct MergeHeap {
    private var items: [(date: String, index: Int)] = []

    private static func precedes(_ a: (date: String, index: Int), _ b: (date: String, index: Int)) -> Bool {
        a.date != b.date ? a.date < b.date : a.index < b.index
    }

    mutating func push(_ item: (date: String, index: Int)) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (date: String, index: Int)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < items.count else { break }
            let right = left + 1
            let child = right < items.count && Self.precedes(items[right], items[left]) ? right : left
            guard Self.precedes(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            parent = child
        }
        return top
    }
}
