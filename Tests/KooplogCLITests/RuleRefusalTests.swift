import Foundation
import KooplogDomain
import KooplogTestSupport
import Testing

/// A ledger with one of everything, to break rules against.
func makeRuleLedger(_ directory: TemporaryDirectory) throws -> String {
    let path = directory.file("ledger")
    #expect(try kooplog(["init", "--ledger", path]).status == 0)
    let o = Fixtures.carWash
    let setup: [JSON] = [
        Fixtures.registered(org: o, date: "2024-01-01"),
        Fixtures.journal(org: o, date: "2024-06-01", id: "j-2024"),
        Fixtures.event("fiscal-year.closed", date: "2025-01-15", data: ["fiscalYear": "2024"]),
        Fixtures.event(
            "invoice.issued", date: "2025-03-01",
            data: [
                "invoice": "2025-017", "customer": "Dalby kommun", "customerKind": "public", "due": "2025-03-31",
                "lines": [["text": "Biltvätt", "amount": "10000", "vat": 25]],
            ]),
        Fixtures.event("invoice.paid", date: "2025-03-10", id: "bank-0001", data: ["invoice": "2025-017", "amount": "2500"]),
        Fixtures.event("member.admitted", date: "2025-01-02", data: ["member": "M-001", "kind": "worker", "contribution": "500"]),
        Fixtures.event("member.contribution-paid", date: "2025-01-20", data: ["member": "M-001", "amount": "500"]),
        Fixtures.event("placement.started", date: "2025-02-01", data: ["person": "P-001", "form": "work-training", "extent": 50, "targetGroup": true]),
        Fixtures.event(
            "grant.awarded", date: "2025-02-01",
            data: [
                "grant": "G-1", "funder": "esf", "title": "Förstudie", "amount": "100000", "budget": "200000", "from": "2025-02-01", "to": "2025-12-31",
            ]),
        Fixtures.event("grant.received", date: "2025-02-15", data: ["grant": "G-1", "amount": "1000"]),
        Fixtures.event(
            "bill.received", date: "2025-03-02",
            data: [
                "bill": "B-1", "supplier": "Kemiservice AB", "due": "2025-03-25",
                "lines": [["text": "Kemikalier", "amount": "800", "vat": 25, "account": "4010"]],
            ]),
        Fixtures.journal(org: o, date: "2025-03-05", id: "j-wrong", amount: "99.00"),
        Fixtures.event("event.reversed", date: "2025-03-06", data: ["seq": 12, "reason": "Fel belopp"]),
    ]
    let result = try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson(setup))
    #expect(result.status == 0, "\(result.stderr)")
    return path
}

struct RuleCase: CustomTestStringConvertible, Sendable {
    let name: String
    let event: JSON
    let message: String
    let code: String
    var testDescription: String { name }
}

let o = Fixtures.carWash
let ruleCases: [RuleCase] = [
    RuleCase(
        name: "1: unknown type", event: Fixtures.event("invoice.sent", date: "2025-03-01", data: [:]), message: "is not an event type", code: "unknown-type"),
    RuleCase(
        name: "1: required field missing", event: Fixtures.event("invoice.paid", date: "2025-03-01", data: ["invoice": "2025-017"]),
        message: "data.amount: is required", code: "missing-field"),
    RuleCase(
        name: "1: unknown field", event: Fixtures.event("invoice.paid", date: "2025-03-01", data: ["invoice": "2025-017", "amount": "1", "note": "x"]),
        message: "data.note: is not a known field", code: "unknown-field"),
    RuleCase(name: "2: org not registered", event: Fixtures.journal(org: "716431-0059"), message: "is not registered", code: "org-not-registered"),
    RuleCase(name: "2: org with a wrong check digit", event: Fixtures.journal(org: "716431-0058"), message: "wrong check digit", code: "invalid-org-number"),
    RuleCase(
        name: "2: org registered twice", event: Fixtures.registered(org: o, date: "2025-04-01"), message: "already registered", code: "org-already-registered"),
    RuleCase(
        name: "3: date in a closed fiscal year", event: Fixtures.journal(org: o, date: "2024-12-31"), message: "which is closed", code: "fiscal-year-closed"),
    RuleCase(
        name: "3: closing a year that has not ended", event: Fixtures.event("fiscal-year.closed", date: "2025-06-01", data: ["fiscalYear": "2025"]),
        message: "can be closed only", code: "fiscal-year-not-ended"),
    RuleCase(
        name: "4: payment of an unknown invoice", event: Fixtures.event("invoice.paid", date: "2025-03-14", data: ["invoice": "2025-099", "amount": "100"]),
        message: "invoice 2025-099 has not been issued", code: "unknown-reference"),
    RuleCase(
        name: "4: change of a person without a placement",
        event: Fixtures.event("placement.changed", date: "2025-03-14", data: ["person": "P-404", "extent": 75]), message: "has no active placement",
        code: "unknown-reference"),
    RuleCase(
        name: "4: contribution of an unknown member",
        event: Fixtures.event("member.contribution-paid", date: "2025-03-14", data: ["member": "M-404", "amount": "100"]), message: "is not in the register",
        code: "unknown-reference"),
    RuleCase(
        name: "4: board seat for an unknown member",
        event: Fixtures.event(
            "board.elected", date: "2025-03-14", data: ["seats": [["member": "M-001", "role": "chair"], ["member": "M-404", "role": "ordinary"]]]),
        message: "data.seats[2].member", code: "unknown-reference"),
    RuleCase(
        name: "4: use of an unknown grant", event: Fixtures.event("grant.used", date: "2025-03-14", data: ["grant": "G-404", "amount": "100", "text": "x"]),
        message: "grant G-404 has not been awarded", code: "unknown-reference"),
    RuleCase(
        name: "4: payment of an unknown bill", event: Fixtures.event("bill.paid", date: "2025-03-14", data: ["bill": "B-404", "amount": "100"]),
        message: "bill B-404 has not been received", code: "unknown-reference"),
    RuleCase(
        name: "5: invoice number used twice",
        event: Fixtures.event(
            "invoice.issued", date: "2025-03-20",
            data: [
                "invoice": "2025-017", "customer": "X", "customerKind": "private", "due": "2025-04-20",
                "lines": [["text": "Tvätt", "amount": "100", "vat": 25]],
            ]), message: "already been issued", code: "duplicate-identifier"),
    RuleCase(
        name: "5: member admitted twice",
        event: Fixtures.event("member.admitted", date: "2025-03-20", data: ["member": "M-001", "kind": "worker", "contribution": "500"]),
        message: "already in the register", code: "duplicate-identifier"),
    RuleCase(
        name: "5: person with an active placement started again",
        event: Fixtures.event("placement.started", date: "2025-03-20", data: ["person": "P-001", "form": "employment", "extent": 100, "targetGroup": true]),
        message: "already has an active placement", code: "duplicate-identifier"),
    RuleCase(
        name: "5: grant awarded twice",
        event: Fixtures.event(
            "grant.awarded", date: "2025-03-20",
            data: ["grant": "G-1", "funder": "state", "title": "X", "amount": "1", "budget": "1", "from": "2025-01-01", "to": "2025-12-31"]),
        message: "already been awarded", code: "duplicate-identifier"),
    RuleCase(
        name: "5: bill received twice",
        event: Fixtures.event(
            "bill.received", date: "2025-03-20",
            data: ["bill": "B-1", "supplier": "X", "due": "2025-04-01", "lines": [["text": "x", "amount": "1", "vat": 0, "account": "4010"]]]),
        message: "already been received", code: "duplicate-identifier"),
    RuleCase(
        name: "6: invoice paid beyond what is outstanding",
        event: Fixtures.event("invoice.paid", date: "2025-03-14", id: "bank-0007", data: ["invoice": "2025-017", "amount": "15000"]),
        message: "15 000,00 kr exceeds what is outstanding on invoice 2025-017 (10 000,00 kr)", code: "payment-exceeds-outstanding"),
    RuleCase(
        name: "6: bill paid beyond what is outstanding", event: Fixtures.event("bill.paid", date: "2025-03-14", data: ["bill": "B-1", "amount": "1000.01"]),
        message: "exceeds what is outstanding on bill B-1 (1 000,00 kr)", code: "payment-exceeds-outstanding"),
    RuleCase(
        name: "6: refund beyond what the member paid", event: Fixtures.event("member.left", date: "2025-03-14", data: ["member": "M-001", "refund": "600"]),
        message: "exceeds what member M-001 has paid", code: "payment-exceeds-outstanding"),
    RuleCase(
        name: "6: grant repaid beyond the unused money", event: Fixtures.event("grant.repaid", date: "2025-03-14", data: ["grant": "G-1", "amount": "1500"]),
        message: "exceeds the unused money", code: "payment-exceeds-outstanding"),
    RuleCase(
        name: "7: unbalanced journal entry",
        event: Fixtures.event(
            "journal.entry", date: "2025-03-14", data: ["text": "x", "lines": [["account": "1930", "debit": "100"], ["account": "3004", "credit": "99.99"]]]),
        message: "differ by 0,01 kr", code: "unbalanced-entry"),
    RuleCase(
        name: "7: three-digit account",
        event: Fixtures.event(
            "journal.entry", date: "2025-03-14", data: ["text": "x", "lines": [["account": "193", "debit": "100"], ["account": "3004", "credit": "100"]]]),
        message: "is not a BAS account", code: "invalid-account"),
    RuleCase(
        name: "8: an event reversed twice", event: Fixtures.event("event.reversed", date: "2025-03-20", data: ["seq": 12, "reason": "igen"]),
        message: "already reversed by seq 13", code: "already-reversed"),
    RuleCase(
        name: "8: a reversal reversed", event: Fixtures.event("event.reversed", date: "2025-03-20", data: ["seq": 13, "reason": "igen"]),
        message: "cannot be reversed", code: "not-reversible"),
    RuleCase(
        name: "8: reversal dated in a closed year", event: Fixtures.event("event.reversed", date: "2024-12-30", data: ["seq": 2, "reason": "x"]),
        message: "which is closed", code: "fiscal-year-closed"),
    RuleCase(
        name: "8: reversal of a seq that does not exist", event: Fixtures.event("event.reversed", date: "2025-03-20", data: ["seq": 999, "reason": "x"]),
        message: "no event with seq 999", code: "unknown-reference"),
    RuleCase(
        name: "8: reversal of an invoice that has payments", event: Fixtures.event("event.reversed", date: "2025-03-20", data: ["seq": 4, "reason": "x"]),
        message: "has payments or credits", code: "not-reversible"),
    RuleCase(name: "bad date", event: Fixtures.journal(org: o, date: "2025-02-30"), message: "not a real calendar date", code: "invalid-date"),
    RuleCase(
        name: "negative amount", event: Fixtures.event("invoice.paid", date: "2025-03-14", data: ["invoice": "2025-017", "amount": "-5"]),
        message: "is negative", code: "negative-amount"),
    RuleCase(
        name: "amount with three decimals", event: Fixtures.event("invoice.paid", date: "2025-03-14", data: ["invoice": "2025-017", "amount": "5.005"]),
        message: "more than two decimals", code: "invalid-amount"),
    RuleCase(
        name: "amount over the limit", event: Fixtures.event("invoice.paid", date: "2025-03-14", data: ["invoice": "2025-017", "amount": "1000000000000.01"]),
        message: "over the limit", code: "amount-too-large"),
    RuleCase(
        name: "amount as a number", event: Fixtures.event("invoice.paid", date: "2025-03-14", data: ["invoice": "2025-017", "amount": 12500]),
        message: "never floating point", code: "wrong-type"),
    RuleCase(
        name: "personal identity number in free text",
        event: Fixtures.event(
            "invoice.issued", date: "2025-03-20",
            data: [
                "invoice": "2025-018", "customer": "Anna 850312-1234", "customerKind": "private", "due": "2025-04-20",
                "lines": [["text": "Tvätt", "amount": "100", "vat": 25]],
            ]), message: "personal identity number", code: "personal-data"),
]

@Suite("Every rule refuses what it must, through the CLI")
struct RuleRefusalTests {
    @Test("a refused event: exit 65, a message naming event and field, the ledger byte-for-byte unchanged", arguments: ruleCases)
    func refused(_ rule: RuleCase) throws {
        let directory = TemporaryDirectory()
        let path = try makeRuleLedger(directory)
        let dataFile = URL(fileURLWithPath: path + "/data.mdb")
        let before = try Data(contentsOf: dataFile)
        let headBefore = try kooplog(["head", "--ledger", path]).stdout
        // The bad event travels second in a batch: the good first one must not be stored either.
        let batch = Fixtures.ndjson([Fixtures.journal(org: o, date: "2025-03-21", id: "good-one"), rule.event])
        let text = try kooplog(["append", "--ledger", path], stdin: batch)
        #expect(text.status == 65, "\(rule.name): \(text.stderr)")
        #expect(text.stderr.contains(rule.message), "\(rule.name): \(text.stderr)")
        #expect(text.stderr.contains("line 2"), "\(rule.name): the refusal names the event")
        #expect(text.stderr.contains("nothing was appended"))
        let json = try kooplog(["append", "--ledger", path, "--format", "json"], stdin: batch)
        #expect(json.status == 65)
        let object = try JSONParser.parse(json.stderr.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue
        #expect(object?["code"] == .string(rule.code), "\(rule.name): \(json.stderr)")
        #expect(object?["event"] == .number("2"))
        #expect(try kooplog(["head", "--ledger", path]).stdout == headBefore)
        #expect(try Data(contentsOf: dataFile) == before, "\(rule.name): data.mdb changed")
    }

    @Test("the rules a treasurer meets are all represented")
    func coverage() {
        let codes = Set(ruleCases.map(\.code))
        for code in [
            "unknown-type", "missing-field", "unknown-field", "org-not-registered", "fiscal-year-closed", "unknown-reference",
            "duplicate-identifier", "payment-exceeds-outstanding", "unbalanced-entry", "invalid-account", "already-reversed",
        ] {
            #expect(codes.contains(code), "\(code)")
        }
    }
}
