public import KooplogDomain
public import KooplogProjections

/// Builds the JSON of each report (SPEC.md §6) from read models. Pure: same input, same bytes.
public enum Reports {
    public static func json(_ name: ReportName, _ input: ReportInput) -> JSON {
        var object = JSONObject([
            ("report", .string(name.rawValue)), ("org", .string(input.org.text)), ("name", .string(input.finance.name)),
            ("asOf", .object(JSONObject([("seq", .number(String(input.asOfSeq))), ("hash", .string(input.asOfHash))]))),
            ("date", .string(input.date.description)), ("year", R.int(input.year)),
        ])
        let body: [(String, JSON)] =
            switch name {
            case .trialBalance: trialBalance(input)
            case .income: income(input)
            case .balance: balance(input)
            case .receivables: receivables(input)
            case .journal: journal(input)
            case .headcount: headcount(input)
            case .surplus: surplus(input)
            case .members: members(input)
            case .grants: grants(input)
            }
        for (key, value) in body { object[key] = value }
        return .object(object)
    }

    // MARK: finances

    /// Account totals as of the report date: balance accounts over all years, result accounts for
    /// the report's fiscal year, and earlier years' results carried to 2099.
    static func accountTotals(_ input: ReportInput) -> [Int: DebitCredit] {
        var totals: [Int: DebitCredit] = [:]
        var carried: Int64 = 0
        for (year, books) in input.finance.years where year <= input.year {
            for (account, dc) in books.accounts {
                if account < 3000 {
                    totals[account, default: DebitCredit()].debit += dc.debit
                    totals[account, default: DebitCredit()].credit += dc.credit
                } else if year == input.year {
                    totals[account, default: DebitCredit()].debit += dc.debit
                    totals[account, default: DebitCredit()].credit += dc.credit
                } else {
                    carried += dc.balance
                }
            }
        }
        if carried != 0 {
            if carried > 0 { totals[2099, default: DebitCredit()].debit += carried } else { totals[2099, default: DebitCredit()].credit -= carried }
        }
        return totals
    }

    static func trialBalance(_ input: ReportInput) -> [(String, JSON)] {
        let totals = accountTotals(input)
        var debit: Int64 = 0
        var credit: Int64 = 0
        let accounts: [JSON] = totals.keys.sorted().map { account in
            let dc = totals[account]!
            debit += dc.debit
            credit += dc.credit
            return .object(
                JSONObject([
                    ("account", .string(String(account))), ("name", .string(AccountNames.name(account))),
                    ("debit", R.amount(dc.debit)), ("credit", R.amount(dc.credit)), ("balance", R.amount(dc.balance)),
                ]))
        }
        precondition(debit == credit, "trial balance does not sum to zero")
        return [
            ("accounts", .array(accounts)),
            ("totals", .object(JSONObject([("debit", R.amount(debit)), ("credit", R.amount(credit)), ("balance", R.amount(debit - credit))]))),
        ]
    }

    /// Revenue (3xxx, credit positive) and costs (4xxx–8xxx, debit positive) of one fiscal year.
    public static func yearResult(_ books: FiscalYearBooks?) -> (revenue: Int64, costs: Int64, lines: [(Int, Int64)]) {
        var revenue: Int64 = 0
        var costs: Int64 = 0
        var lines: [(Int, Int64)] = []
        for (account, dc) in (books?.accounts ?? [:]).sorted(by: { $0.key < $1.key }) where account >= 3000 {
            if account < 4000 {
                revenue -= dc.balance
                lines.append((account, -dc.balance))
            } else {
                costs += dc.balance
                lines.append((account, dc.balance))
            }
        }
        return (revenue, costs, lines)
    }

    static func income(_ input: ReportInput) -> [(String, JSON)] {
        let (revenue, costs, lines) = yearResult(input.finance.years[input.year])
        let calendar = input.finance.calendar
        return [
            ("from", .string(calendar.start(of: input.year).description)), ("to", .string(calendar.end(of: input.year).description)),
            ("revenue", R.amount(revenue)), ("costs", R.amount(costs)), ("result", R.amount(revenue - costs)),
            (
                "lines",
                .array(
                    lines.filter { $0.1 != 0 }.map { account, amount in
                        .object(
                            JSONObject([
                                ("account", .string(String(account))), ("name", .string(AccountNames.name(account))),
                                ("kind", .string(account < 4000 ? "revenue" : "cost")), ("amount", R.amount(amount)),
                            ]))
                    })
            ),
        ]
    }

    static func balance(_ input: ReportInput) -> [(String, JSON)] {
        let totals = accountTotals(input)
        var assets: Int64 = 0
        var liabilities: Int64 = 0
        var equity: Int64 = 0
        var lines: [JSON] = []
        for account in totals.keys.sorted() where account < 3000 {
            let balance = totals[account]!.balance
            let amount = account < 2000 ? balance : -balance
            if account < 2000 { assets += amount } else if account < 2100 { equity += amount } else { liabilities += amount }
            if amount != 0 {
                lines.append(
                    .object(
                        JSONObject([
                            ("account", .string(String(account))), ("name", .string(AccountNames.name(account))),
                            ("section", .string(account < 2000 ? "assets" : account < 2100 ? "equity" : "liabilities")),
                            ("amount", R.amount(amount)),
                        ])))
            }
        }
        let (revenue, costs, _) = yearResult(input.finance.years[input.year])
        let running = revenue - costs
        equity += running
        precondition(assets == liabilities + equity, "balance sheet does not balance")
        return [
            ("assets", R.amount(assets)), ("liabilities", R.amount(liabilities)), ("equity", R.amount(equity)),
            ("result", R.amount(running)), ("lines", .array(lines)),
        ]
    }

    static func receivables(_ input: ReportInput) -> [(String, JSON)] {
        let date = input.date.description
        var total: Int64 = 0
        let open = input.finance.invoices.values.filter { $0.date <= date }.compactMap { invoice -> (InvoiceEntry, Int64)? in
            let outstanding = invoice.grossOre - invoice.settlements.total(upTo: date)
            return outstanding > 0 ? (invoice, outstanding) : nil
        }.sorted { ($0.0.due, $0.0.invoice) < ($1.0.due, $1.0.invoice) }
        let list: [JSON] = open.map { invoice, outstanding in
            total += outstanding
            return .object(
                JSONObject([
                    ("invoice", .string(invoice.invoice)), ("customer", .string(invoice.customer)), ("due", .string(invoice.due)),
                    ("outstanding", R.amount(outstanding)), ("overdue", .bool(invoice.due < date)),
                ]))
        }
        return [("invoices", .array(list)), ("total", R.amount(total))]
    }

    static func journal(_ input: ReportInput) -> [(String, JSON)] {
        [
            (
                "verifikations",
                .array(
                    input.journal.map { v in
                        .object(
                            JSONObject([
                                ("ver", .string("A\(v.number)")), ("seq", .number(String(v.seq))), ("date", .string(v.date.description)),
                                ("text", .string(v.text)),
                                ("recorded", .string(v.recorded)), ("by", .string(v.by)),
                                (
                                    "lines",
                                    .array(
                                        v.postings.map { p in
                                            .object(
                                                JSONObject([
                                                    ("account", .string(String(p.account))), ("name", .string(AccountNames.name(p.account))),
                                                    ("debit", R.amount(p.debit.ore)), ("credit", R.amount(p.credit.ore)),
                                                ]))
                                        })
                                ),
                            ]))
                    })
            )
        ]
    }

    // MARK: people

    static func headcountFigures(_ state: HeadcountState, on date: String) -> (
        people: Int, extentSum: Int, byForm: [String: Int], subsidized: Int, target: Int, employed: Int
    ) {
        var people = 0
        var extentSum = 0
        var byForm: [String: Int] = [:]
        var subsidized = 0
        var target = 0
        var employed = 0
        var seen = Set<String>()
        for placement in state.placements where placement.isActive(on: date) && seen.insert(placement.person).inserted {
            let terms = placement.terms(on: date)
            people += 1
            extentSum += terms.extent
            byForm[terms.form, default: 0] += 1
            if terms.subsidy != nil { subsidized += 1 }
            if placement.targetGroup { target += 1 }
            if terms.form == WorkForm.employment.rawValue { employed += 1 }
        }
        return (people, extentSum, byForm, subsidized, target, employed)
    }

    static func headcount(_ input: ReportInput) -> [(String, JSON)] {
        let date = input.date.description
        let f = headcountFigures(input.headcount, on: date)
        var byForm = JSONObject()
        for form in WorkForm.allCases { byForm[form.rawValue] = R.int(f.byForm[form.rawValue] ?? 0) }
        var outcomes = JSONObject()
        for outcome in Outcome.allCases { outcomes[outcome.rawValue] = R.int(0) }
        for placement in input.headcount.placements {
            if let to = placement.to, to <= date, let outcome = placement.outcome {
                if case .number(let n)? = outcomes[outcome] { outcomes[outcome] = R.int((Int(n) ?? 0) + 1) }
            }
        }
        var result: [(String, JSON)] = [
            ("people", R.int(f.people)), ("byForm", .object(byForm)), ("subsidized", R.int(f.subsidized)), ("fte", .string(R.fte(f.extentSum))),
            ("targetGroupShare", .string(R.share(Int64(f.target), Int64(f.people)))), ("targetGroup", R.int(f.target)),
            ("outcomes", .object(outcomes)), ("employedHere", R.int(f.employed)),
        ]
        if input.yearGiven {
            let calendar = input.finance.calendar
            var month = calendar.start(of: input.year)
            var months: [JSON] = []
            for _ in 0..<12 {
                let end = month.endOfMonth
                let m = headcountFigures(input.headcount, on: end.description)
                months.append(
                    .object(
                        JSONObject([
                            ("month", .string(String(end.description.prefix(7)))), ("people", R.int(m.people)),
                            ("fte", .string(R.fte(m.extentSum))),
                        ])))
                month =
                    month.month == 12 ? CalendarDate(year: month.year + 1, month: 1, day: 1)! : CalendarDate(year: month.year, month: month.month + 1, day: 1)!
            }
            result.append(("months", .array(months)))
        }
        return result
    }

    static func members(_ input: ReportInput) -> [(String, JSON)] {
        let date = input.date.description
        let register = input.members.members.values.filter { $0.admitted <= date }.sorted { ($0.admitted, $0.member) < ($1.admitted, $1.member) }
        var votes = 0
        var kinds: [String: String] = [:]
        let list: [JSON] = register.map { m in
            let left = m.left.flatMap { $0 <= date ? $0 : nil }
            if left == nil { votes += 1 }
            kinds[m.member] = m.kind
            return .object(
                JSONObject([
                    ("member", .string(m.member)), ("kind", .string(m.kind)), ("admitted", .string(m.admitted)), ("left", left.map { .string($0) } ?? .null),
                    ("contribution", R.amount(m.contributionOre)), ("paid", R.amount(m.payments.total(upTo: date))),
                    ("refunded", R.amount(m.refunds.total(upTo: date))),
                ]))
        }
        let board = input.members.board(on: date)?.seats ?? []
        let voting = board.filter { $0.role != BoardRole.deputy.rawValue }
        let workers = voting.filter { kinds[$0.member] == MemberKind.worker.rawValue }.count
        return [
            ("members", .array(list)), ("votes", R.int(votes)),
            ("board", .array(board.map { .object(JSONObject([("member", .string($0.member)), ("role", .string($0.role))])) })),
            ("boardWorkerMajority", .bool(!voting.isEmpty && workers * 2 > voting.count)),
        ]
    }

    static func grants(_ input: ReportInput) -> [(String, JSON)] {
        let date = input.date.description
        let list: [JSON] = input.grants.grants.values.filter { $0.awardedDate <= date }.sorted { $0.grant < $1.grant }.map { g in
            let received = g.received.total(upTo: date)
            let used = g.used.total(upTo: date)
            return .object(
                JSONObject([
                    ("grant", .string(g.grant)), ("funder", .string(g.funder)), ("title", .string(g.title)), ("awarded", R.amount(g.awardedOre)),
                    ("budget", R.amount(g.budgetOre)), ("coFinancingRequired", R.amount(g.budgetOre - g.awardedOre)),
                    ("coFinancing", .array(g.coFinancing.map { .object(JSONObject([("source", .string($0.source)), ("amount", R.amount($0.ore))])) })),
                    ("received", R.amount(received)), ("used", R.amount(used)), ("unused", R.amount(received - used)),
                    ("repaid", R.amount(g.repaid.total(upTo: date))), ("from", .string(g.from)), ("to", .string(g.to)), ("status", .string(g.status(on: date))),
                ]))
        }
        return [("grants", .array(list))]
    }

    // MARK: surplus

    static func surplus(_ input: ReportInput) -> [(String, JSON)] {
        let years = input.finance.years.keys.filter { $0 <= input.year }.sorted()
        var cumulative = (revenue: Int64(0), costs: Int64(0), reserve: Int64(0), retained: Int64(0), dividend: Int64(0), allocatedResult: Int64(0))
        var list: [JSON] = []
        for year in years {
            let (revenue, costs, _) = yearResult(input.finance.years[year])
            let result = revenue - costs
            cumulative.revenue += revenue
            cumulative.costs += costs
            var entry = JSONObject([
                ("year", R.int(year)), ("revenue", R.amount(revenue)), ("costs", R.amount(costs)), ("result", R.amount(result)),
                ("closed", .bool(input.finance.closedYears.contains(year))),
            ])
            if let a = input.finance.allocations[year] {
                cumulative.reserve += a.reserveFundOre
                cumulative.retained += a.retainedOre
                cumulative.dividend += a.dividendOre
                cumulative.allocatedResult += result
                entry["reserveFund"] = R.amount(a.reserveFundOre)
                entry["retained"] = R.amount(a.retainedOre)
                entry["dividend"] = R.amount(a.dividendOre)
                entry["reinvestments"] = R.amount(a.reinvestedOre)
                entry["reinvestedShare"] = .string(R.share(a.reserveFundOre + a.retainedOre, result))
            } else {
                for key in ["reserveFund", "retained", "dividend", "reinvestedShare"] { entry[key] = .null }
            }
            list.append(.object(entry))
        }
        let cumulativeJSON = JSONObject([
            ("revenue", R.amount(cumulative.revenue)), ("costs", R.amount(cumulative.costs)), ("result", R.amount(cumulative.revenue - cumulative.costs)),
            ("reserveFund", R.amount(cumulative.reserve)), ("retained", R.amount(cumulative.retained)), ("dividend", R.amount(cumulative.dividend)),
            ("reinvestedShare", .string(R.share(cumulative.reserve + cumulative.retained, cumulative.allocatedResult))),
        ])
        return [("years", .array(list)), ("cumulative", .object(cumulativeJSON))]
    }
}
