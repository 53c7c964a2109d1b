import Foundation
public import KooplogDomain
import KooplogProjections
import KooplogReports
import KooplogSIE
import KooplogStore

extension Ledger {
    /// The books of one organisation and fiscal year as SIE 4E: opening and closing balances and
    /// results for the year and the year before (when it has any), and every verifikation of the year.
    public func exportSIE(org: OrgNumber, year: Int, version: String) throws -> [UInt8] {
        var verifikations: [Verifikation] = []
        let finance = try forEachVerifikation(org: org) { _, v in verifikations.append(v) }[org.text]
        guard let finance, finance.registered else { throw Refusal(.orgNotRegistered, field: "--org", "\(org) is not an organisation of this ledger") }
        let calendar = finance.calendar
        guard verifikations.contains(where: { $0.fiscalYear <= year }) || finance.years[year] != nil else {
            throw Refusal(.invalidValue, field: "--year", "\(org) has no books for fiscal year \(calendar.label(year))")
        }
        // Net movement per account and fiscal year.
        var movement: [Int: [Int: Int64]] = [:]
        for v in verifikations where v.fiscalYear <= year {
            for p in v.postings { movement[v.fiscalYear, default: [:]][p.account, default: 0] += p.ore }
        }
        func balances(_ y: Int) -> SIEBooks.Year {
            var opening: [Int: Int64] = [:]
            var carried: Int64 = 0
            for (fy, accounts) in movement where fy < y {
                for (account, ore) in accounts {
                    if account < 3000 { opening[account, default: 0] += ore } else { carried += ore }
                }
            }
            if carried != 0 { opening[2099, default: 0] += carried }
            var closing = opening
            var results: [Int: Int64] = [:]
            for (account, ore) in movement[y] ?? [:] {
                if account < 3000 { closing[account, default: 0] += ore } else { results[account, default: 0] += ore }
            }
            func money(_ d: [Int: Int64]) -> [Int: Money] { d.filter { $0.value != 0 }.mapValues { Money(ore: $0) } }
            return SIEBooks.Year(
                index: y - year, start: calendar.start(of: y), end: calendar.end(of: y),
                opening: money(opening), closing: money(closing), results: money(results))
        }
        var years = [balances(year)]
        if movement.keys.contains(where: { $0 < year }) { years.append(balances(year - 1)) }
        let vouchers = verifikations.filter { $0.fiscalYear == year }.map { v in
            SIEBooks.Voucher(
                number: v.number, date: v.date, text: v.text, registered: CalendarDate(String(v.recorded.prefix(10))) ?? v.date,
                sign: v.by, transactions: v.postings.map { ($0.account, $0.amount) })
        }
        var names: [Int: String] = [:]
        for account in Set(vouchers.flatMap { $0.transactions.map(\.account) }).union(
            years.flatMap { Array($0.opening.keys) + Array($0.closing.keys) + Array($0.results.keys) })
        {
            names[account] = AccountNames.name(account)
        }
        let now = Timestamp.format(secondsSince1970: clock.now())
        let books = SIEBooks(
            program: "Kooplog", version: version, generated: CalendarDate(String(now.prefix(10)))!, generatedBy: "kooplog",
            orgNumber: org.text, name: finance.name, years: years, accountNames: names, vouchers: vouchers)
        return SIEWriter.write(books)
    }

    /// Turns a checked SIE 4E/4I file into events of `org` and appends them atomically: the
    /// organisation (when new), the opening balances as one journal entry on the first day of the
    /// year, and each `#VER` as a journal entry whose text keeps its series and number. The events
    /// carry idempotency keys, so importing the same file twice stores it once.
    public func importSIE(_ bytes: [UInt8], org: OrgNumber, actor: String) throws -> [AppendResult] {
        let doc = SIEReader.read(bytes)
        guard doc.isValid else {
            let list = doc.problems.prefix(20).map(\.description).joined(separator: "\n  ")
            throw Refusal(
                .invalidValue, field: "file", "the SIE file does not check (\(doc.problems.count) problem\(doc.problems.count == 1 ? "" : "s")):\n  \(list)")
        }
        if let number = doc.orgNumber, number != org.text {
            throw Refusal(.invalidOrgNumber, field: "--org", "the file is for \(number), not \(org)")
        }
        let year =
            doc.years[0]
            ?? {
                let dates = doc.verifikations.map(\.date)
                return (dates.min() ?? CalendarDate(year: 2000, month: 1, day: 1)!, dates.max() ?? CalendarDate(year: 2000, month: 12, day: 31)!)
            }()
        let tag = "sie:\(org.text):\(year.start.compact)"
        var events: [JSON] = []
        func event(_ type: String, _ date: CalendarDate, id: String, _ data: JSON) -> JSON {
            .object(
                JSONObject([("type", .string(type)), ("org", .string(org.text)), ("date", .string(date.description)), ("id", .string(id)), ("data", data)]))
        }
        func lines(_ amounts: [(Int, Money)]) -> JSON {
            .array(
                amounts.filter { !$0.1.isZero }.map { account, amount in
                    .object(
                        JSONObject([
                            ("account", .string(String(account))),
                            amount.isNegative ? ("credit", .string(amount.negated.canonical)) : ("debit", .string(amount.canonical)),
                        ]))
                })
        }
        if !(try organisations().contains(org)) {
            let start = (year.start.month < 10 ? "0" : "") + "\(year.start.month)-01"
            events.append(event("org.registered", year.start, id: "\(tag):org", ["name": .string(doc.name ?? org.text), "fiscalYearStart": .string(start)]))
        }
        let opening = (doc.opening[0] ?? [:]).filter { $0.key < 3000 && !$0.value.isZero }.sorted { $0.key < $1.key }
        if !opening.isEmpty {
            let sum = opening.reduce(Money.zero) { $0 + $1.value }
            guard sum.isZero else {
                throw Refusal(
                    .unbalancedEntry, field: "#IB",
                    "the opening balances sum to \(sum.swedish) kr, not zero; the previous year's result must be on an equity account")
            }
            events.append(
                event(
                    "journal.entry", year.start, id: "\(tag):IB",
                    ["text": .string("Ingående balanser \(year.start) (SIE)"), "lines": lines(opening.map { ($0.key, $0.value) })]))
        }
        for ver in doc.verifikations {
            let nonZero = ver.transactions.filter { !$0.amount.isZero }
            guard nonZero.count >= 2 else { continue }  // a verifikation with one row or none moves nothing
            let number = "\(ver.series)\(ver.number.map(String.init) ?? "")"
            let text = ver.text.isEmpty ? "Verifikation \(number)" : "\(number) \(ver.text)"
            events.append(
                event(
                    "journal.entry", ver.date, id: "\(tag):\(number):\(ver.line)",
                    ["text": .string(String(text.prefix(200))), "lines": lines(nonZero.map { ($0.account, $0.amount) })]))
        }
        return try append(events.enumerated().map { InputItem($1, line: nil) }, options: AppendOptions(actor: actor))
    }
}
