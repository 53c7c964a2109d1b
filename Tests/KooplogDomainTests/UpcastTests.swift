import KooplogDomain
import Testing

@Suite("Schema versions")
struct UpcastTests {
    /// A hypothetical history: version 1 of placement.started called the extent `percent` and had
    /// no targetGroup (it was implied); today's version 2 is the catalogue's shape.
    static let upcaster = Upcaster(
        current: ["placement.started": 2],
        steps: [
            "placement.started": [
                1: { old in
                    var data = old
                    data["extent"] = data["percent"]
                    data["percent"] = nil
                    if data["targetGroup"] == nil { data["targetGroup"] = .bool(true) }
                    return data
                }
            ]
        ])

    @Test("an old-version record is decoded into today's type, next to a current one")
    func oldVersionDecodes() throws {
        let old = Array(
            #"{"by":"kassör","data":{"form":"work-training","percent":50,"person":"P-017"},"date":"2019-04-01","org":"769629-1231","recorded":"2019-04-01T08:00:00Z","type":"placement.started","v":1}"#
                .utf8)
        let new = Array(
            #"{"by":"kassör","data":{"extent":75,"form":"employment","person":"P-018","targetGroup":false},"date":"2025-04-01","org":"769629-1231","recorded":"2025-04-01T08:00:00Z","type":"placement.started","v":2}"#
                .utf8)
        let decodedOld = try RecordedEvent.decode(seq: 1, payload: old, upcaster: Self.upcaster)
        let decodedNew = try RecordedEvent.decode(seq: 2, payload: new, upcaster: Self.upcaster)
        #expect(decodedOld.version == 1)
        #expect(decodedOld.event.body == .placementStarted(PlacementStarted(person: "P-017", form: .workTraining, extent: 50, targetGroup: true)))
        #expect(decodedNew.event.body == .placementStarted(PlacementStarted(person: "P-018", form: .employment, extent: 75, targetGroup: false)))
        // The stored version is kept: re-encoding writes what was stored, never silently upgraded bytes.
        #expect(decodedOld.payload != old || decodedOld.version == 1)
    }

    @Test("an unknown future version is refused, not guessed")
    func futureVersion() {
        let future = Array(#"{"by":"x","data":{},"date":"2025-04-01","org":"769629-1231","recorded":"2025-04-01T08:00:00Z","type":"journal.entry","v":9}"#.utf8)
        #expect(throws: Refusal.self) { try RecordedEvent.decode(seq: 1, payload: future) }
    }
}
