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
        var books: [RandomBooks] = (0..<orgs).map { index in
            var b = RandomBooks(
                seed: seed &* 1_000_003 &+ UInt64(index), org: SyntheticOrgs.number(index),
                start: CalendarDate(year: 2026 - years, month: 1, day: 2)!)
            b.daysPerEvent = Double(years * 365) / Double(perOrg)
            return b
        }
        // Each organisation's books are generated as the merge reaches them, a step at a time
        // (`perOrg - 1` steps in all, as many as generating them whole), and only the events not
        // yet written are held: 10^7 events took 4.8 GB when every organisation's books were
        // generated first.
        var stepsLeft = [Int](repeating: perOrg - 1, count: orgs)
        var pending: [[JSON]] = Array(repeating: [], count: orgs)
        var cursors = [Int](repeating: 0, count: orgs)
        /// The merged seq of each organisation's events so far, by local seq - 1 (reversals name
        /// their event by its place in its organisation's books).
        var globalSeq: [[UInt64]] = Array(repeating: [], count: orgs)
        /// Whether organisation `index` has an event waiting at `cursors[index]` (generating more
        /// when it has none).
        func refill(_ index: Int) -> Bool {
            while cursors[index] == pending[index].count {
                if books[index].events.isEmpty {
                    guard stepsLeft[index] > 0 else { return false }
                    stepsLeft[index] -= 1
                    books[index].generate(1)
                    continue
                }
                pending[index] = books[index].take()
                cursors[index] = 0
            }
            return true
        }
        // Merge by date; within a date, by organisation: each organisation's next event waits in a
        // heap by (date, organisation), so an event costs a few comparisons, not one per
        // organisation (10^7 events of 1 000 organisations took five minutes that way).
        func date(_ index: Int) -> String { pending[index][cursors[index]].objectValue?["date"]?.stringValue ?? "" }
        var next = MergeHeap()
        for index in 0..<orgs where refill(index) { next.push((date(index), index)) }
        var seq: UInt64 = 0
        while let (_, index) = next.pop() {
            var event = pending[index][cursors[index]]
            seq += 1
            globalSeq[index].append(seq)
            if case .object(var object) = event, object["type"] == "event.reversed", case .object(var data)? = object["data"],
                case .number(let local)? = data["seq"], let localSeq = Int(local)
            {
                data["seq"] = .number(String(globalSeq[index][localSeq - 1]))
                object["data"] = .object(data)
                event = .object(object)
            }
            cursors[index] += 1
            if refill(index) { next.push((date(index), index)) }
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
