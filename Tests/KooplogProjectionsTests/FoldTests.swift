import KooplogDomain
import KooplogProjections
import KooplogTestSupport
import Testing

/// Folds run in memory, without a ledger: the context serves earlier events from an array.
struct ArrayContext: FoldContext {
    let events: [RecordedEvent]
    func event(_ seq: UInt64) throws -> RecordedEvent? { seq >= 1 && Int(seq) <= events.count ? events[Int(seq) - 1] : nil }
}

func recorded(_ events: [JSON]) throws -> [RecordedEvent] {
    try events.enumerated().map { index, json in
        RecordedEvent(seq: UInt64(index + 1), recorded: "2025-01-01T00:00:00Z", by: "t", event: try Event.decode(json))
    }
}

func fold<P: Projection>(_: P.Type, _ events: [RecordedEvent]) throws -> P.State {
    var state = P.initial()
    let context = ArrayContext(events: events)
    for event in events { try P.apply(event, to: &state, context: context) }
    return state
}

@Suite("Pure folds")
struct FoldTests {
    @Test("finance: every fiscal year balances after random books, and the fold is deterministic", arguments: [61, 62] as [UInt64])
    func financeBalances(seed: UInt64) throws {
        var books = RandomBooks(seed: seed)
        books.generate(500)
        let events = try recorded(books.events)
        let state = try fold(FinanceProjection.self, events)
        #expect(state.checkInvariants() == nil)
        #expect(!state.years.isEmpty)
        #expect(try fold(FinanceProjection.self, events) == state)
    }

    @Test("headcount: start, change, end, and the reversal of each")
    func headcountReversals() throws {
        let o = Fixtures.carWash
        let base: [JSON] = [
            Fixtures.registered(),
            Fixtures.event("placement.started", date: "2025-01-01", data: ["person": "P-1", "form": "work-training", "extent": 50, "targetGroup": true]),
            Fixtures.event("placement.changed", date: "2025-03-01", data: ["person": "P-1", "form": "employment", "extent": 100]),
            Fixtures.event("placement.ended", date: "2025-06-30", data: ["person": "P-1", "outcome": "employment-elsewhere"]),
        ]
        let state = try fold(HeadcountProjection.self, try recorded(base))
        #expect(state.placements.count == 1)
        #expect(state.placements[0].terms(on: "2025-02-01").form == "work-training")
        #expect(state.placements[0].terms(on: "2025-04-01").extent == 100)
        #expect(!state.placements[0].isActive(on: "2025-06-30"))
        #expect(state.active.isEmpty)
        // Reversing the end makes the placement active again; reversing the change restores the terms.
        let reversedEnd = try fold(
            HeadcountProjection.self,
            try recorded(
                base + [
                    Fixtures.event("event.reversed", org: o, date: "2025-07-01", data: ["seq": 4, "reason": "Fel"]),
                    Fixtures.event("event.reversed", org: o, date: "2025-07-01", data: ["seq": 3, "reason": "Fel"]),
                ]))
        #expect(reversedEnd.placements[0].isActive(on: "2025-12-31"))
        #expect(reversedEnd.placements[0].terms(on: "2025-12-31").form == "work-training")
        #expect(reversedEnd.active["P-1"] == 0)
        // Reversing the start removes the placement.
        let reversedStart = try fold(
            HeadcountProjection.self,
            try recorded(
                Array(base[0...1]) + [
                    Fixtures.event("event.reversed", org: o, date: "2025-07-01", data: ["seq": 2, "reason": "Fel person"])
                ]))
        #expect(reversedStart.placements.isEmpty)
        // Reversing one person's change leaves another's change of the same day alone.
        let twoPeople = try fold(
            HeadcountProjection.self,
            try recorded(
                base + [
                    Fixtures.event("placement.started", date: "2025-01-01", data: ["person": "P-2", "form": "internship", "extent": 25, "targetGroup": true]),
                    Fixtures.event("placement.changed", date: "2025-03-01", data: ["person": "P-2", "extent": 75]),
                    Fixtures.event("event.reversed", org: o, date: "2025-07-01", data: ["seq": 3, "reason": "Fel"]),
                ]))
        #expect(twoPeople.placements[0].terms(on: "2025-04-01").extent == 50)
        #expect(twoPeople.placements[1].terms(on: "2025-04-01").extent == 75)
        #expect(twoPeople.placements.map(\.terms.count) == [1, 2])
    }

    @Test("members: admission, payments, leaving; a reversed admission removes the member")
    func members() throws {
        let events: [JSON] = [
            Fixtures.registered(),
            Fixtures.event("member.admitted", date: "2025-01-01", data: ["member": "M-1", "kind": "worker", "contribution": "500"]),
            Fixtures.event("member.admitted", date: "2025-01-01", data: ["member": "M-2", "kind": "supporting", "contribution": "500"]),
            Fixtures.event("member.contribution-paid", date: "2025-01-10", data: ["member": "M-1", "amount": "500"]),
            Fixtures.event("event.reversed", date: "2025-01-11", data: ["seq": 3, "reason": "Fel"]),
        ]
        let state = try fold(MembersProjection.self, try recorded(events))
        #expect(state.members["M-2"] == nil)
        #expect(state.members["M-1"]?.payments.total() == 50_000)
        #expect(state.members["M-1"]?.isMember(on: "2025-06-01") == true)
    }
}
