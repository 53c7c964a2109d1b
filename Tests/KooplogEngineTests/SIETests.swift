import Foundation
import KooplogDomain
import KooplogEngine
import KooplogReports
import KooplogSIE
import KooplogStore
import KooplogTestSupport
import Testing

/// A file in the style of a common program's 4E export, written by hand: CR LF, tabs, quotes and
/// escaped quotes, Swedish letters in code page 437, labels Kooplog does not use, object lists.
let handWritten = """
    #FLAGGA 0
    #PROGRAM "Bokföringsprogrammet" 3.45
    #FORMAT PC8
    #GEN 20250115 "Kassör"
    #SIETYP 4
    #PROSA "Exporterad för revision"
    #FNR 12345
    #ORGNR 716431-0059
    #FNAMN "Kooperativet \\"Gröna Händer\\" ek. för."
    #RAR 0 20240101 20241231
    #RAR -1 20230101 20231231
    #TAXAR 2025
    #KPTYP BAS2014
    #VALUTA SEK
    #KONTO 1930 "Företagskonto"
    #KONTO 2099 "Årets resultat"
    #KONTO 2611 "Utgående moms 25 %"
    #KONTO 3001 "Försäljning 25 %"
    #KONTO 5010 Lokalhyra
    #KTYP 1930 T
    #SRU 1930 7281
    #DIM 6 "Projekt"
    #OBJEKT 6 "P1" "Caféet"
    #IB 0 1930 10000.00
    #IB 0 2099 -10000.00
    #UB 0 1930 17000.00
    #UB 0 2099 -10000.00
    #UB 0 2611 -2000.00
    #IB -1 1930 5000.00
    #IB -1 2099 -5000.00
    #UB -1 1930 10000.00
    #UB -1 2099 -5000.00
    #RES 0 3001 -8000.00
    #RES 0 5010 3000
    #RES -1 3001 -5000.00
    #VER A 1 20240115 "Försäljning caféet" 20240116
    {
    \t#TRANS 1930 {} 10000.00
    \t#TRANS 3001 {6 "P1"} -8000.00
    \t#TRANS 2611 {} -2000.00
    }
    #VER A 2 20240201 "Hyra \\"februari\\""
    {
    #TRANS 5010 {} 3000
    #TRANS 1930 {} -3000
    }
    """.replacing("\n", with: "\r\n")

@Suite("SIE 4")
struct SIETests {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    func exampleExport(_ directory: TemporaryDirectory, year: Int = 2025) throws -> (Ledger, [UInt8]) {
        let ledger = try Example.ledger(directory)
        return (ledger, try ledger.exportSIE(org: try OrgNumber.parse(Example.org).get(), year: year, version: "0.1.0"))
    }

    @Test("export of an example year equals its byte-for-byte snapshot, and checks")
    func exportSnapshot() throws {
        let directory = TemporaryDirectory()
        let (_, bytes) = try exampleExport(directory)
        let file = Self.snapshots.appendingPathComponent("example-2025.se")
        if ProcessInfo.processInfo.environment["KOOPLOG_RECORD_SNAPSHOTS"] == "1" { try Data(bytes).write(to: file) }
        #expect(bytes == [UInt8](try Data(contentsOf: file)), "example-2025.se differs from its snapshot (KOOPLOG_RECORD_SNAPSHOTS=1 re-records)")
        let doc = SIEReader.read(bytes)
        #expect(doc.problems.isEmpty, "\(doc.problems)")
        #expect(doc.verifikations.count == 6)
        #expect(bytes.contains(0x94) || bytes.contains(0x84), "Swedish letters as code page 437 bytes")
        #expect(!bytes.contains(0xC3), "no UTF-8")
    }

    @Test(
        "the checksum recomputed independently (Python's zlib.crc32 over the documented bytes)",
        .enabled(if: PackagePaths.pythonHas("zlib"), "needs python3"))
    func checksumIndependently() throws {
        let directory = TemporaryDirectory()
        let (_, bytes) = try exampleExport(directory)
        try Data(bytes).write(to: URL(fileURLWithPath: directory.file("year.se")))
        let script = #"""
            import re, sys, zlib
            data = open(sys.argv[1], "rb").read().decode("cp437")
            lines = [l.rstrip("\r") for l in data.split("\n") if l.strip()]
            marks = [i for i, l in enumerate(lines) if l.split()[0] == "#KSUMMA"]
            crc = 0
            for line in lines[marks[0] + 1:marks[1]]:
                fields = re.findall(r'"((?:\\"|[^"])*)"|(\{[^}]*\})|(\S+)', line)
                for quoted, objects, plain in fields:
                    text = quoted.replace('\\"', '"') if quoted or (not objects and not plain) else (objects or plain)
                    crc = zlib.crc32(text.encode("cp437"), crc)
            print(crc, lines[marks[1]].split()[1])
            """#
        let output = try runProcess("/usr/bin/env", ["python3", "-c", script, directory.file("year.se")])
        let parts = output.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(parts.count == 2 && parts[0] == parts[1], "python says \(output.stdout) \(output.stderr)")
    }

    @Test("round trip: export, import into a new ledger, and the trial balance, income statement and balance sheet are equal", arguments: [2023, 2024, 2025])
    func roundTrip(year: Int) throws {
        let directory = TemporaryDirectory()
        let (original, bytes) = try exampleExport(directory, year: year)
        let copy = try Ledger.create(at: directory.file("copy"), clock: FixedClock(1_763_900_000))
        let org = try OrgNumber.parse(Example.org).get()
        _ = try copy.importSIE(bytes, org: org, actor: "revisor")
        let asOf = CalendarDate(year: year, month: 12, day: 31)!
        func figures(_ ledger: Ledger, _ name: ReportName) throws -> JSONObject {
            let report = try ledger.report(ReportRequest(name: name, org: org, year: year, asOf: asOf))
            #expect(report.objectValue != nil, "\(name) is an object")
            var object = report.objectValue ?? JSONObject([])
            object["asOf"] = nil
            object["name"] = nil
            return object
        }
        let tbA = try figures(original, .trialBalance)["accounts"]!.arrayValue!.compactMap(\.objectValue).filter { $0["balance"] != "0.00" }.map {
            [$0["account"]!, $0["balance"]!]
        }
        let tbB = try figures(copy, .trialBalance)["accounts"]!.arrayValue!.compactMap(\.objectValue).filter { $0["balance"] != "0.00" }.map {
            [$0["account"]!, $0["balance"]!]
        }
        #expect(tbA == tbB)
        let incomeA = try figures(original, .income)
        let incomeB = try figures(copy, .income)
        #expect(incomeA == incomeB)
        for key in ["assets", "liabilities", "equity", "result"] {
            let a = try figures(original, .balance)[key]
            let b = try figures(copy, .balance)[key]
            #expect(a == b, "\(key)")
        }
        // Importing the same file again stores nothing new.
        let again = try copy.importSIE(bytes, org: org, actor: "revisor")
        let allDuplicates = again.allSatisfy { $0.duplicate }
        #expect(allDuplicates)
    }

    @Test("a hand-written file in the style of a common program's 4E export is read and imported")
    func handWrittenImport() throws {
        let bytes = CP437.encode(handWritten)
        let doc = SIEReader.read(bytes)
        #expect(doc.problems.isEmpty, "\(doc.problems)")
        #expect(doc.name == "Kooperativet \"Gröna Händer\" ek. för.")
        #expect(doc.accounts[5010] == "Lokalhyra")
        #expect(doc.verifikations.count == 2)
        #expect(doc.verifikations[1].text == "Hyra \"februari\"")
        let directory = TemporaryDirectory()
        let ledger = try Ledger.create(at: directory.file("l"), clock: FixedClock(1_763_900_000))
        let results = try ledger.importSIE(bytes, org: try OrgNumber.parse("716431-0059").get(), actor: "t")
        #expect(results.count == 4)  // the organisation, the opening balances, two verifikationer
        let tb = try report(ledger, .trialBalance, org: "716431-0059", year: 2024)
        let balances = Dictionary(
            uniqueKeysWithValues: tb["accounts"]!.arrayValue!.compactMap(\.objectValue).map { ($0["account"]!.stringValue!, $0["balance"]!.stringValue!) })
        #expect(balances["1930"] == "17000.00")
        #expect(balances["3001"] == "-8000.00")
        #expect(balances["2099"] == "-10000.00")
        let journal = try report(ledger, .journal, org: "716431-0059", year: 2024)
        let texts = journal["verifikations"]!.arrayValue!.compactMap { $0.objectValue?["text"]?.stringValue }
        #expect(texts == ["Ingående balanser 2024-01-01 (SIE)", "A1 Försäljning caféet", "A2 Hyra \"februari\""])
    }

    @Test("files that do not check are refused by import, and nothing is stored")
    func refusedImport() throws {
        let broken = CP437.encode(handWritten.replacing("#TRANS 1930 {} -3000", with: "#TRANS 1930 {} -2999"))
        let directory = TemporaryDirectory()
        let ledger = try Ledger.create(at: directory.file("l"))
        #expect(throws: Refusal.self) { try ledger.importSIE(broken, org: try OrgNumber.parse("716431-0059").get(), actor: "t") }
        #expect(try ledger.head().seq == 0)
        #expect(throws: Refusal.self) { try ledger.importSIE(CP437.encode(handWritten), org: try OrgNumber.parse("556677-8899").get(), actor: "t") }
    }
}
