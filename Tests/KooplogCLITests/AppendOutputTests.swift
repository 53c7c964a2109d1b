import Foundation
import KooplogDomain
import KooplogTestSupport
import Testing

@Suite("kooplog append: what it prints")
struct AppendOutputTests {
    /// The head's hash, from `kooplog head`.
    private func headHash(_ path: String) throws -> String {
        let head = try JSONParser.parse(try kooplog(["head", "--ledger", path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return head.objectValue?["hash"]?.stringValue ?? ""
    }

    @Test("a line per event: seq, hash, type, the id when there is one, and a note for a duplicate or a dry run")
    func textLines() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let withID = Fixtures.journal(id: "kassa-0001")
        let first = try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson([withID]))
        #expect(first.status == 0, "\(first.stderr)")
        let firstHash = try headHash(path)
        #expect(first.stdout == "seq 2  \(firstHash)  journal.entry id kassa-0001\n")

        let second = try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson([Fixtures.journal(amount: "250.00")]))
        #expect(second.stdout == "seq 3  \(try headHash(path))  journal.entry\n")

        let again = try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson([withID]))
        #expect(again.status == 0)
        #expect(again.stdout == "seq 2  \(firstHash)  journal.entry id kassa-0001  (already recorded; not stored again)\n")

        let dry = try kooplog(["append", "--ledger", path, "--dry-run"], stdin: Fixtures.ndjson([Fixtures.journal(id: "kassa-0002")]))
        let lines = dry.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("seq 4  ") == true)
        #expect(lines.first?.hasSuffix("  journal.entry id kassa-0002  (dry run: would be stored)") == true)
        #expect(lines.last == "dry run: nothing was stored")
        #expect(try kooplog(["head", "--ledger", path]).stdout.hasPrefix("{\"seq\": 3,"))
    }
}
