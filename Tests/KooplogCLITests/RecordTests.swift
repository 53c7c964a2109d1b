import Foundation
import KooplogDomain
import KooplogTestSupport
import Testing

@Suite("kooplog record: everyday facts without JSON")
struct RecordTests {
    @Test("an invoice issued and paid by record, amounts typed the Swedish way, stored exactly")
    func recordInvoice() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let issued = try kooplog([
            "record", "invoice.issued", "--ledger", path, "--org", Fixtures.carWash, "--date", "2025-03-01",
            "--invoice", "2025-017", "--customer", "Dalby kommun", "--customerKind", "public", "--due", "2025-03-31",
            "--lines", #"[{"text":"Biltvätt","amount":"10000","vat":25}]"#,
        ])
        #expect(issued.status == 0, "\(issued.stderr)")
        let dry = try kooplog([
            "record", "invoice.paid", "--ledger", path, "--org", Fixtures.carWash, "--date", "2025-03-14",
            "--invoice", "2025-017", "--amount", "12 500,00", "--dry-run",
        ])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("nothing was stored"))
        #expect(dry.stdout.contains("\"12500.00\""))
        #expect(try kooplog(["head", "--ledger", path]).stdout.hasPrefix("{\"seq\": 2,"))
        let paid = try kooplog([
            "record", "invoice.paid", "--ledger", path, "--org", Fixtures.carWash, "--date", "2025-03-14",
            "--id", "bank-0007", "--invoice", "2025-017", "--amount", "12 500,00",
        ])
        #expect(paid.status == 0)
        let log = try kooplog(["log", "--ledger", path, "--type", "invoice.paid", "--format", "json"])
        let stored = try JSONParser.parse(log.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue
        #expect(stored?["data"]?.objectValue?["amount"] == "12500.00")
        #expect(stored?["id"] == "bank-0007")
    }

    @Test("a placement by record; a refused record says why and exits 65")
    func recordPlacement() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let started = try kooplog([
            "record", "placement.started", "--ledger", path, "--org", Fixtures.carWash, "--date", "2025-04-01",
            "--person", "P-017", "--form", "work-training", "--extent", "50", "--targetGroup", "ja",
        ])
        #expect(started.status == 0, "\(started.stderr)")
        let bad = try kooplog([
            "record", "placement.changed", "--ledger", path, "--org", Fixtures.carWash, "--date", "2025-05-01",
            "--person", "P-017", "--form", "employmnet",
        ])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("data.form: \"employmnet\" is not allowed; use one of"))
    }
}
