import Foundation
import KooplogDomain
import KooplogSIE
import KooplogTestSupport
import Testing

struct BrokenSIE: CustomTestStringConvertible, Sendable {
    let name: String
    let problem: String
    let change: @Sendable ([UInt8]) -> [UInt8]
    var testDescription: String { name }
}

func replacing(_ from: String, _ to: String) -> @Sendable ([UInt8]) -> [UInt8] {
    { bytes in CP437.encode(CP437.decode(bytes).replacing(from, with: to)) }
}

let brokenFiles: [BrokenSIE] = [
    BrokenSIE(
        name: "an unbalanced verifikation", problem: "does not balance",
        change: { bytes in
            let text = CP437.decode(bytes)
            let range = text.range(of: "#TRANS 1930 {} ")!
            var changed = text
            changed.replaceSubrange(range, with: "#TRANS 1930 {} 1")
            return CP437.encode(changed)
        }),
    BrokenSIE(name: "a gap in the series", problem: "numbers must be ascending and gap-free", change: replacing("#VER A 3 ", "#VER A 4 ")),
    BrokenSIE(
        name: "UTF-8 bytes labelled PC8", problem: "UTF-8 bytes in a file labelled #FORMAT PC8",
        change: { bytes in
            let text = CP437.decode(bytes)
            return Array(text.utf8)
        }),
    BrokenSIE(
        name: "#UB not matching", problem: "but #IB + Σ#TRANS is",
        change: { bytes in
            let lines = CP437.decode(bytes).split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            let index = lines.firstIndex { $0.hasPrefix("#UB 0 1930 ") }!
            var changed = lines
            changed[index] = "#UB 0 1930 1.00"
            return CP437.encode(changed.joined(separator: "\r\n"))
        }),
    BrokenSIE(
        name: "#RAR missing", problem: "the mandatory record #RAR is missing",
        change: { bytes in
            CP437.encode(
                CP437.decode(bytes).split(separator: "\r\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#RAR") }.joined(separator: "\r\n"))
        }),
    BrokenSIE(name: "a { not alone on its line", problem: "must stand alone on its line", change: replacing("{\r\n#TRANS", "{ #TRANS")),
    BrokenSIE(name: "a bad checksum", problem: "#KSUMMA", change: replacing("Kooperativet Exempel", "Kooperativet Exenpel")),
]

@Suite("kooplog sie check")
struct SIECheckTests {
    func exported(_ directory: TemporaryDirectory) throws -> [UInt8] {
        let path = directory.file("ledger")
        #expect(try kooplog(["init", "--ledger", path]).status == 0)
        let events: [JSON] = [
            Fixtures.event("org.registered", org: "716431-0059", date: "2025-01-01", data: ["name": "Kooperativet Exempel ek. för."]),
            Fixtures.event(
                "sale.paid", org: "716431-0059", date: "2025-02-01",
                data: ["customerKind": "private", "lines": [["text": "Café", "amount": "1000", "vat": 12]]]),
            Fixtures.event(
                "expense.paid", org: "716431-0059", date: "2025-02-02",
                data: ["supplier": "Grossisten", "lines": [["text": "Varor", "amount": "400", "vat": 12, "account": "4010"]]]),
            Fixtures.event(
                "sale.paid", org: "716431-0059", date: "2025-02-03",
                data: ["customerKind": "private", "lines": [["text": "Kaffe", "amount": "80", "vat": 12]]]),
            Fixtures.event(
                "journal.entry", org: "716431-0059", date: "2025-02-04",
                data: ["text": "Växelkassa", "lines": [["account": "1910", "debit": "500"], ["account": "1930", "credit": "500"]]]),
        ]
        #expect(try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson(events)).status == 0)
        let output = directory.file("2025.se")
        let export = try kooplog(["export", "--ledger", path, "--format", "sie4", "--org", "716431-0059", "--year", "2025", "--output", output])
        #expect(export.status == 0, "\(export.stderr)")
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test("an exported year checks")
    func good() throws {
        let directory = TemporaryDirectory()
        _ = try exported(directory)
        let check = try kooplog(["sie", "check", directory.file("2025.se")])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.contains("checks: SIE 4E"))
    }

    @Test("a broken file is reported with the problem and its line, exit 1", arguments: brokenFiles)
    func broken(_ broken: BrokenSIE) throws {
        let directory = TemporaryDirectory()
        let bytes = broken.change(try exported(directory))
        try Data(bytes).write(to: URL(fileURLWithPath: directory.file("broken.se")))
        let check = try kooplog(["sie", "check", directory.file("broken.se")])
        #expect(check.status == 1)
        #expect(check.stdout.contains(broken.problem), "\(broken.name): \(check.stdout)")
        #expect(check.stdout.contains("broken.se: line ") || broken.name == "#RAR missing", "\(broken.name): problems name their line")
        let imported = try kooplog(["import", "--ledger", directory.file("other"), "--format", "sie4", directory.file("broken.se"), "--org", "716431-0059"])
        #expect(imported.status == 65, "\(broken.name): import refuses")
    }
}
