import Foundation
import KooplogDomain
import KooplogTestSupport
import Testing

@Suite("Schemas")
struct SchemaTests {
    @Test("every event type has a schema file and fixtures; every fixture type is known")
    func everyTypeHasASchema() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: PackagePaths.schemas)
        for type in EventCatalogue.types {
            #expect(files.contains("\(type).v1.json"), "no schema for \(type)")
            let fixtures = try FileManager.default.contentsOfDirectory(atPath: PackagePaths.schemas + "/fixtures/\(type)")
            #expect(fixtures.contains("valid-1.json"))
            #expect(fixtures.filter { $0.hasPrefix("invalid-") }.count >= 3, "\(type) needs several invalid fixtures")
        }
        #expect(files.contains("envelope.v1.json"))
        let fixtureTypes = try FileManager.default.contentsOfDirectory(atPath: PackagePaths.schemas + "/fixtures")
        #expect(Set(fixtureTypes) == Set(EventCatalogue.types))
    }

    @Test(
        "the schemas are valid draft 2020-12 and accept and reject each fixture exactly as the decoder does",
        .enabled(if: PackagePaths.pythonHas("jsonschema"), "needs python3 with jsonschema"))
    func schemaAndDecoderAgree() throws {
        let output = try runProcess("/usr/bin/env", ["python3", PackagePaths.root + "/Tools/check-schemas.py"])
        #expect(output.status == 0, "\(output.stderr)")
        var compared = 0
        for line in output.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0] == "accept" || parts[0] == "reject" else { continue }
            let path = PackagePaths.schemas + "/" + parts[1]
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let decoded: Bool
            do {
                _ = try Event.decode(try JSONParser.parse(bytes))
                decoded = true
            } catch {
                decoded = false
            }
            let schemaAccepts = parts[0] == "accept"
            #expect(decoded == schemaAccepts, "\(parts[1]): schema says \(parts[0]), decoder says \(decoded ? "accept" : "reject")")
            #expect(schemaAccepts == parts[1].contains("/valid-"), "\(parts[1]) is misnamed")
            compared += 1
        }
        #expect(compared > 200)
    }

    @Test("every valid fixture decodes, and its canonical form decodes to the same event (exact round trip)")
    func roundTrip() throws {
        for type in EventCatalogue.types {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: PackagePaths.schemas + "/fixtures/\(type)/valid-1.json")))
            let event = try Event.decode(try JSONParser.parse(bytes))
            #expect(event.type == type)
            let canonical = JSONWriter.canonical(event.json)
            let again = try Event.decode(try JSONParser.parse(canonical))
            #expect(again == event, "\(type)")
            #expect(JSONWriter.canonical(again.json) == canonical, "\(type): canonical bytes are stable")
            let recorded = RecordedEvent(seq: 7, recorded: "2025-03-14T10:00:00Z", by: "kassör", event: event)
            #expect(try RecordedEvent.decode(seq: 7, payload: recorded.payload) == recorded)
        }
    }
}
