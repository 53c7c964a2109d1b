import KooplogDomain
import Testing

@Suite("Values: money, dates, organisation numbers, JSON")
struct ValueTests {
    @Test(
        "amounts in the JSON form",
        arguments: [
            ("12500", 1_250_000), ("12500.5", 1_250_050), ("12500.50", 1_250_050), ("0.01", 1), ("0", 0), ("-3.25", -325),
            ("1000000000000", 100_000_000_000_000), ("1000000000000.00", 100_000_000_000_000),
        ] as [(String, Int64)])
    func parsesAmounts(text: String, ore: Int64) throws {
        #expect(try Money.parse(text).get() == Money(ore: ore))
    }

    @Test(
        "bad amounts are refused with the reason",
        arguments: [
            ("12.345", Money.ParseProblem.tooManyDecimals), ("1000000000000.01", .tooLarge), ("99999999999999", .tooLarge),
            ("12,50", .notANumber), ("", .notANumber), ("1e3", .notANumber), ("007", .notANumber), ("12.", .notANumber), (".5", .notANumber),
            ("12 500", .notANumber),
        ])
    func refusesAmounts(text: String, problem: Money.ParseProblem) {
        guard case .failure(let found) = Money.parse(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(found == problem)
    }

    @Test(
        "amounts as people type them",
        arguments: [("12 500,50", 1_250_050), ("12500,5", 1_250_050), ("12\u{a0}500", 1_250_000), ("12500.50", 1_250_050)] as [(String, Int64)])
    func lenient(text: String, ore: Int64) throws {
        #expect(try Money.parseLenient(text).get() == Money(ore: ore))
    }

    @Test("formatting and VAT rounding (halves away from zero)")
    func formatting() {
        #expect(Money(ore: 1_250_000).canonical == "12500.00")
        #expect(Money(ore: -5).canonical == "-0.05")
        #expect(Money(ore: 123_456_789).swedish == "1 234 567,89")
        #expect(Money(ore: 1).percent(25) == Money(ore: 0))  // 0.25 öre
        #expect(Money(ore: 2).percent(25) == Money(ore: 1))  // 0.5 öre rounds up
        #expect(Money(ore: -2).percent(25) == Money(ore: -1))  // away from zero
        #expect(Money(ore: 1_000_000).percent(12) == Money(ore: 120_000))
        #expect(Money(ore: Int64.max).adding(Money(ore: 1)) == nil)
    }

    @Test("calendar dates", arguments: ["2025-02-30", "2025-13-01", "2025-00-10", "2023-02-29", "25-03-01", "2025-3-1", "2025/03/01", "1899-12-31"])
    func badDates(text: String) {
        #expect(CalendarDate(text) == nil)
    }

    @Test("leap days and fiscal years")
    func dates() {
        #expect(CalendarDate("2024-02-29") != nil)
        #expect(CalendarDate("2000-02-29") != nil)
        #expect(CalendarDate("1900-02-29") == nil)
        let broken = FiscalCalendar(startMonth: 7)
        #expect(broken.year(of: CalendarDate("2025-06-30")!) == 2024)
        #expect(broken.year(of: CalendarDate("2025-07-01")!) == 2025)
        #expect(broken.end(of: 2024) == CalendarDate("2025-06-30"))
        #expect(broken.label(2024) == "2024/25")
    }

    @Test("organisation numbers: Luhn check digit and shape")
    func orgNumbers() {
        #expect((try? OrgNumber.parse("769629-1231").get()) != nil)
        #expect((try? OrgNumber.parse("556677-8899").get()) != nil)
        #expect((try? OrgNumber.parse("716431-0059").get()) != nil)
        #expect(OrgNumber.parse("769629-1230") == .failure(.checkDigit(expected: 1)))
        for shape in ["7696291231", "769629-123", "76962-91231", "769629_1231", "abcdef-ghij", ""] {
            #expect(OrgNumber.parse(shape) == .failure(.shape), "\(shape)")
        }
    }

    @Test("personal identity numbers are recognised in free text; organisation numbers are not")
    func personalData() {
        #expect(PersonalData.containsIdentityNumber("Anna 850312-1234"))
        #expect(PersonalData.containsIdentityNumber("198503121234"))
        #expect(PersonalData.containsIdentityNumber("19850312-1234"))
        #expect(PersonalData.containsIdentityNumber("850372-1234"))  // samordningsnummer
        #expect(!PersonalData.containsIdentityNumber("Dalby kommun 212000-1234"))
        #expect(!PersonalData.containsIdentityNumber("Faktura 2025-017"))
        #expect(!PersonalData.containsIdentityNumber("769629-1231"))
    }

    @Test("JSON: strict parsing with line numbers, duplicate keys refused, canonical output sorted")
    func json() throws {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("{\"a\":1,}") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("{\"a\":1,\"a\":2}") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("[01]") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("\"\\ud800\"") }
        do {
            _ = try JSONParser.parseDocuments(Array("{}\n{}\n{\"x\" 1}".utf8))
            Issue.record("accepted bad NDJSON")
        } catch {
            #expect(error.line == 3)
        }
        let documents = try JSONParser.parseDocuments(Array("[\n{\"a\":1},\n\n{\"b\":2}\n]".utf8))
        #expect(documents.map(\.line) == [2, 4])
        let value = try JSONParser.parse("{\"b\":\"å\\n\\u0001\",\"a\":[1,true,null],\"é\":-0.5e3}")
        #expect(JSONWriter.canonicalString(value) == "{\"a\":[1,true,null],\"b\":\"å\\n\\u0001\",\"é\":-0.5e3}")
    }
}
