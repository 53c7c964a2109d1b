import KooplogDomain
import KooplogTestSupport
import Testing

/// A posting context with one grant and one invoice, for worked examples.
struct ExampleContext: PostingContext {
    var vat = true
    var liability = Money(kronor: 0)
    var accrued = Money(kronor: 0)
    var original: [Posting]?
    func vatRegistered(_ org: OrgNumber) throws -> Bool { vat }
    func grantAccrual(_ org: OrgNumber, _ grant: String) throws -> (funder: Funder, liability: Money, accrued: Money)? { (.esf, liability, accrued) }
    func invoiceLines(_ org: OrgNumber, _ invoice: String) throws -> [SalesLine]? {
        [SalesLine(text: "Tvätt", amount: Money(kronor: 10_000), vat: .standard), SalesLine(text: "Lunch", amount: Money(kronor: 1_000), vat: .reduced)]
    }
    func postings(ofSeq seq: UInt64) throws -> [Posting]? { original }
}

func postings(_ type: String, _ data: JSON, context: ExampleContext = ExampleContext()) throws -> [String] {
    let event = try Event.decode(Fixtures.event(type, date: "2025-03-14", data: data))
    let result = try Bookkeeping.postings(for: event, context: context) ?? []
    #expect(Bookkeeping.imbalance(result).isZero, "\(type) does not balance")
    return result.map { "\($0.account) \($0.ore < 0 ? "C" : "D") \(Money(ore: abs($0.ore)).canonical)" }
}

@Suite("Postings of each finance event (SPEC.md §4)")
struct BookkeepingTests {
    @Test("member contributions and refunds")
    func members() throws {
        #expect(try postings("member.contribution-paid", ["member": "M-1", "amount": "500"]) == ["1930 D 500.00", "2083 C 500.00"])
        #expect(try postings("member.left", ["member": "M-1", "refund": "200"]) == ["2083 D 200.00", "1930 C 200.00"])
        #expect(try postings("member.left", ["member": "M-1", "refund": "0"]) == [])
    }

    @Test("an invoice with lines at several VAT rates, and a line on its own account")
    func invoice() throws {
        let lines: JSON = [
            ["text": "Tvätt", "amount": "10000", "vat": 25], ["text": "Lunch", "amount": "1000.05", "vat": 12],
            ["text": "Bok", "amount": "99.99", "vat": 6], ["text": "Utbildning", "amount": "500", "vat": 0],
            ["text": "Hyra", "amount": "100", "vat": 25, "account": "3911"],
        ]
        let data: JSON = ["invoice": "1", "customer": "K", "customerKind": "public", "due": "2025-04-14", "lines": lines]
        // VAT: 2500.00 + 120.006→120.01 + 5.9994→6.00 + 0 + 25.00; gross = 11700.04 + 2651.01
        #expect(
            try postings("invoice.issued", data) == [
                "1510 D 14351.05", "3001 C 10000.00", "3002 C 1000.05", "3003 C 99.99", "3004 C 500.00", "3911 C 100.00",
                "2611 C 2525.00", "2621 C 120.01", "2631 C 6.00",
            ])
        #expect(try postings("invoice.paid", ["invoice": "1", "amount": "12500"]) == ["1930 D 12500.00", "1510 C 12500.00"])
    }

    @Test("a credit note: the named lines, or the whole invoice reversed")
    func credit() throws {
        #expect(
            try postings("invoice.credited", ["invoice": "1", "reason": "Fel", "lines": [["text": "Tvätt", "amount": "1000", "vat": 25]]]) == [
                "1510 C 1250.00", "3001 D 1000.00", "2611 D 250.00",
            ])
        #expect(
            try postings("invoice.credited", ["invoice": "1", "reason": "Fel"]) == [
                "1510 C 13620.00", "3001 D 10000.00", "3002 D 1000.00", "2611 D 2500.00", "2621 D 120.00",
            ])
    }

    @Test("cash sales, bills, expenses, and an organisation without VAT")
    func costs() throws {
        #expect(
            try postings("sale.paid", ["customerKind": "private", "lines": [["text": "Kort", "amount": "400", "vat": 25]]]) == [
                "1930 D 500.00", "3001 C 400.00", "2611 C 100.00",
            ])
        let bill: JSON = [
            "bill": "B", "supplier": "S", "due": "2025-04-01",
            "lines": [
                ["text": "Kem", "amount": "800", "vat": 25, "account": "4010"],
                ["text": "Dator", "amount": "10000", "vat": 25, "account": "1220"],
            ],
        ]
        #expect(try postings("bill.received", bill) == ["4010 D 800.00", "1220 D 10000.00", "2641 D 2700.00", "2440 C 13500.00"])
        #expect(try postings("bill.paid", ["bill": "B", "amount": "1000"]) == ["2440 D 1000.00", "1930 C 1000.00"])
        let expense: JSON = ["supplier": "S", "lines": [["text": "El", "amount": "3000", "vat": 25, "account": "5020"]]]
        #expect(try postings("expense.paid", expense) == ["5020 D 3000.00", "2641 D 750.00", "1930 C 3750.00"])
        #expect(try postings("expense.paid", expense, context: ExampleContext(vat: false)) == ["5020 D 3750.00", "1930 C 3750.00"])
    }

    @Test("payroll and its taxes")
    func payroll() throws {
        #expect(
            try postings("payroll.paid", ["period": "2025-03", "gross": "100000", "taxWithheld": "22000", "employerFees": "31420"]) == [
                "7010 D 100000.00", "7510 D 31420.00", "2710 C 22000.00", "2731 C 31420.00", "1930 C 78000.00",
            ])
        #expect(
            try postings("payroll.paid", ["period": "2025-03", "gross": "1000", "taxWithheld": "0", "employerFees": "0", "account": "7210"]) == [
                "7210 D 1000.00", "1930 C 1000.00",
            ])
        #expect(
            try postings("payroll.taxes-paid", ["period": "2025-03", "taxWithheld": "22000", "employerFees": "31420"]) == [
                "2710 D 22000.00", "2731 D 31420.00", "1930 C 53420.00",
            ])
    }

    @Test("wage subsidies and grant accrual: 2880 for money before use, 1790 for use before money")
    func grants() throws {
        #expect(try postings("subsidy.received", ["subsidy": "lonebidrag", "amount": "18500"]) == ["1930 D 18500.00", "3988 C 18500.00"])
        // Nothing accrued: all received money is a liability.
        #expect(try postings("grant.received", ["grant": "G", "amount": "100000"]) == ["1930 D 100000.00", "2880 C 100000.00"])
        // 30 000 used before the money came: receiving 100 000 repays the accrual first.
        #expect(
            try postings("grant.received", ["grant": "G", "amount": "100000"], context: ExampleContext(accrued: Money(kronor: 30_000))) == [
                "1930 D 100000.00", "1790 C 30000.00", "2880 C 70000.00",
            ])
        // 20 000 received and unused: using 50 000 takes 20 000 from 2880 and accrues 30 000.
        #expect(
            try postings("grant.used", ["grant": "G", "amount": "50000", "text": "Löner"], context: ExampleContext(liability: Money(kronor: 20_000))) == [
                "2880 D 20000.00", "1790 D 30000.00", "3981 C 50000.00",
            ])
        #expect(try postings("grant.repaid", ["grant": "G", "amount": "5000"]) == ["2880 D 5000.00", "1930 C 5000.00"])
    }

    @Test("journal entries exactly as given; surplus allocation; a reversal is the exact opposite")
    func journalAllocationReversal() throws {
        #expect(
            try postings(
                "journal.entry",
                [
                    "text": "Moms",
                    "lines": [
                        ["account": "2611", "debit": "2500"], ["account": "2641", "credit": "700"],
                        ["account": "2650", "credit": "1800"],
                    ],
                ]) == ["2611 D 2500.00", "2641 C 700.00", "2650 C 1800.00"])
        #expect(
            try postings("surplus.allocated", ["fiscalYear": "2024", "reserveFund": "10000", "retained": "80000", "dividend": "10000"]) == [
                "2099 D 100000.00", "2086 C 10000.00", "2091 C 80000.00", "2898 C 10000.00",
            ])
        let original = [Posting(Account(1930), Money(kronor: 500)), Posting(Account(3001), Money(kronor: -400)), Posting(Account(2611), Money(kronor: -100))]
        #expect(
            try postings("event.reversed", ["seq": 7, "reason": "Fel"], context: ExampleContext(original: original)) == [
                "1930 C 500.00", "3001 D 400.00", "2611 D 100.00",
            ])
    }

    @Test("events that are no verifikation have no postings")
    func nonFinance() throws {
        #expect(try postings("placement.started", ["person": "P-1", "form": "employment", "extent": 100, "targetGroup": true]) == [])
        #expect(
            try postings(
                "grant.awarded", ["grant": "G", "funder": "esf", "title": "T", "amount": "1", "budget": "2", "from": "2025-01-01", "to": "2025-12-31"]) == [])
    }
}
