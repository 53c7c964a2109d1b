public import KooplogDomain

/// Renders a report's JSON for people (aligned columns, amounts as `12 500,00`) and as CSV.
public enum ReportText {
    public static func text(_ report: JSON) -> String {
        guard let o = report.objectValue, let name = o["report"]?.stringValue, let kind = ReportName(rawValue: name) else { return "" }
        var out = [heading(kind, o), "\(s(o["name"])) (\(s(o["org"])))  ·  per \(s(o["date"]))  ·  log seq \(s(o["asOf"]?.objectValue?["seq"]))", ""]
        switch kind {
        case .trialBalance:
            let rows = (o["accounts"]?.arrayValue ?? []).map { a in [s(a["account"]), s(a["name"]), kr(a["debit"]), kr(a["credit"]), kr(a["balance"])] }
            let totals = o["totals"]?.objectValue
            out += table(
                ["Konto", "Namn", "Debet", "Kredit", "Saldo"], rows + [["", "Summa", kr(totals?["debit"]), kr(totals?["credit"]), kr(totals?["balance"])]],
                right: [2, 3, 4])
        case .income:
            let lines = o["lines"]?.arrayValue ?? []
            let revenue = lines.filter { $0.objectValue?["kind"] == "revenue" }.map { [s($0["account"]), s($0["name"]), kr($0["amount"])] }
            let costs = lines.filter { $0.objectValue?["kind"] == "cost" }.map { [s($0["account"]), s($0["name"]), kr($0["amount"])] }
            out.append("Räkenskapsår \(s(o["from"])) – \(s(o["to"]))")
            out += table(["Konto", "Intäkter (revenue)", "Belopp"], revenue + [["", "Summa intäkter", kr(o["revenue"])]], right: [2])
            out.append("")
            out += table(["Konto", "Kostnader (costs)", "Belopp"], costs + [["", "Summa kostnader", kr(o["costs"])]], right: [2])
            out.append("")
            out.append("Årets resultat (result): \(kr(o["result"])) kr")
        case .balance:
            let lines = o["lines"]?.arrayValue ?? []
            for (section, title, total) in [
                ("assets", "Tillgångar (assets)", "assets"), ("equity", "Eget kapital (equity)", "equity"),
                ("liabilities", "Skulder (liabilities)", "liabilities"),
            ] {
                var rows = lines.filter { $0.objectValue?["section"] == .string(section) }.map { [s($0["account"]), s($0["name"]), kr($0["amount"])] }
                if section == "equity" { rows.append(["", "Årets resultat hittills", kr(o["result"])]) }
                out += table(["Konto", title, "Belopp"], rows + [["", "Summa", kr(o[total])]], right: [2])
                out.append("")
            }
        case .receivables:
            let rows = (o["invoices"]?.arrayValue ?? []).map { i in
                [s(i["invoice"]), s(i["customer"]), s(i["due"]), kr(i["outstanding"]), i["overdue"] == .bool(true) ? "förfallen" : ""]
            }
            out += table(["Faktura", "Kund", "Förfaller", "Obetalt", ""], rows + [["", "Summa", "", kr(o["total"]), ""]], right: [3])
        case .journal:
            for v in o["verifikations"]?.arrayValue ?? [] {
                out.append("\(s(v["ver"]))  \(s(v["date"]))  \(s(v["text"]))  (seq \(s(v["seq"])), \(s(v["by"])))")
                let rows = (v["lines"]?.arrayValue ?? []).map { l in ["  " + s(l["account"]), s(l["name"]), zeroBlank(l["debit"]), zeroBlank(l["credit"])] }
                out += table(nil, rows, right: [2, 3])
            }
            out.append("\((o["verifikations"]?.arrayValue ?? []).count) verifikationer")
        case .headcount:
            out.append("Personer i arbete (people): \(s(o["people"]))   heltidsekvivalenter (fte): \(s(o["fte"]))")
            out.append("Anställda här (employed here): \(s(o["employedHere"]))   med lönestöd (subsidized): \(s(o["subsidized"]))")
            out.append("Andel i målgruppen (target group share): \(s(o["targetGroupShare"]))")
            out.append("")
            out += table(["Form", "Personer"], (o["byForm"]?.objectValue?.members ?? []).map { [$0.key, s($0.value)] }, right: [1])
            out.append("")
            out += table(["Utfall (outcome)", "Avslutade"], (o["outcomes"]?.objectValue?.members ?? []).map { [$0.key, s($0.value)] }, right: [1])
            if let months = o["months"]?.arrayValue {
                out.append("")
                out += table(["Månad", "Personer", "Heltid"], months.map { [s($0["month"]), s($0["people"]), s($0["fte"])] }, right: [1, 2])
            }
        case .surplus:
            let rows = (o["years"]?.arrayValue ?? []).map { y in
                [
                    s(y["year"]), kr(y["revenue"]), kr(y["costs"]), kr(y["result"]), kr(y["reserveFund"]), kr(y["retained"]), kr(y["dividend"]),
                    s(y["reinvestedShare"]),
                ]
            }
            let c = o["cumulative"]?.objectValue
            out += table(
                ["År", "Intäkter", "Kostnader", "Resultat", "Reservfond", "Balanserat", "Utdelning", "Återinvesterat"],
                rows + [
                    [
                        "Summa", kr(c?["revenue"]), kr(c?["costs"]), kr(c?["result"]), kr(c?["reserveFund"]), kr(c?["retained"]), kr(c?["dividend"]),
                        s(c?["reinvestedShare"]),
                    ]
                ],
                right: [1, 2, 3, 4, 5, 6, 7])
        case .members:
            let rows = (o["members"]?.arrayValue ?? []).map { m in
                [s(m["member"]), s(m["kind"]), s(m["admitted"]), s(m["left"]), kr(m["contribution"]), kr(m["paid"]), kr(m["refunded"])]
            }
            out += table(["Medlem", "Slag", "Inträde", "Utträde", "Insats", "Inbetalt", "Återbetalt"], rows, right: [4, 5, 6])
            out.append("")
            out.append("Röster (votes): \(s(o["votes"]))")
            out.append("Styrelse (board): " + (o["board"]?.arrayValue ?? []).map { "\(s($0["member"])) (\(s($0["role"])))" }.joined(separator: ", "))
            out.append("Arbetande medlemmar i majoritet i styrelsen: \(o["boardWorkerMajority"] == .bool(true) ? "ja" : "nej")")
        case .grants:
            let rows = (o["grants"]?.arrayValue ?? []).map { g in
                [
                    s(g["grant"]), s(g["funder"]), kr(g["awarded"]), kr(g["budget"]), kr(g["coFinancingRequired"]), kr(g["received"]), kr(g["used"]),
                    kr(g["unused"]), s(g["status"]),
                ]
            }
            out += table(
                ["Bidrag", "Givare", "Beviljat", "Budget", "Medfinansiering", "Mottaget", "Förbrukat", "Oförbrukat", "Status"], rows, right: [2, 3, 4, 5, 6, 7])
        }
        return out.joined(separator: "\n")
    }

    /// The report's main list as CSV (RFC 4180), amounts as in JSON.
    public static func csv(_ report: JSON) -> String {
        guard let o = report.objectValue, let name = o["report"]?.stringValue, let kind = ReportName(rawValue: name) else { return "" }
        let (key, columns): (String, [String]) =
            switch kind {
            case .trialBalance: ("accounts", ["account", "name", "debit", "credit", "balance"])
            case .income, .balance: ("lines", kind == .income ? ["account", "name", "kind", "amount"] : ["account", "name", "section", "amount"])
            case .receivables: ("invoices", ["invoice", "customer", "due", "outstanding", "overdue"])
            case .journal: ("verifikations", ["ver", "seq", "date", "text", "account", "debit", "credit"])
            case .headcount: ("months", ["month", "people", "fte"])
            case .surplus: ("years", ["year", "revenue", "costs", "result", "reserveFund", "retained", "dividend", "reinvestedShare"])
            case .members: ("members", ["member", "kind", "admitted", "left", "contribution", "paid", "refunded"])
            case .grants:
                ("grants", ["grant", "funder", "title", "awarded", "budget", "coFinancingRequired", "received", "used", "unused", "from", "to", "status"])
            }
        var lines = [columns.joined(separator: ",")]
        for row in o[key]?.arrayValue ?? [] {
            if kind == .journal {
                for line in row["lines"]?.arrayValue ?? [] {
                    lines.append(
                        [s(row["ver"]), s(row["seq"]), s(row["date"]), s(row["text"]), s(line["account"]), s(line["debit"]), s(line["credit"])].map(field)
                            .joined(separator: ","))
                }
            } else {
                lines.append(columns.map { field(s(row[$0])) }.joined(separator: ","))
            }
        }
        if kind == .headcount && o["months"] == nil {
            return "people,fte,subsidized,employedHere,targetGroupShare\n"
                + [s(o["people"]), s(o["fte"]), s(o["subsidized"]), s(o["employedHere"]), s(o["targetGroupShare"])].joined(separator: ",") + "\n"
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: helpers

    static func heading(_ kind: ReportName, _ o: JSONObject) -> String {
        let year = s(o["year"])
        return switch kind {
        case .trialBalance: "Råbalans (trial balance)"
        case .income: "Resultaträkning (income statement) \(year)"
        case .balance: "Balansräkning (balance sheet)"
        case .receivables: "Kundfordringar (open invoices)"
        case .journal: "Grundbok (journal) \(year), verifikationsserie A"
        case .headcount: "Personer i arbete (headcount)"
        case .surplus: "Resultat och återinvestering (reinvested surplus) till och med \(year)"
        case .members: "Medlemsförteckning (members)"
        case .grants: "Bidrag och projekt (grants)"
        }
    }

    static func s(_ value: JSON?) -> String {
        switch value {
        case .string(let text)?: text
        case .number(let text)?: text
        case .bool(let flag)?: flag ? "true" : "false"
        case .null?, nil: ""
        default: JSONWriter.canonicalString(value!)
        }
    }

    /// `12 500,00` from "12500.00".
    static func kr(_ value: JSON?) -> String {
        guard let text = value?.stringValue, case .success(let money) = Money.parse(text) else { return s(value) }
        return money.swedish
    }

    static func zeroBlank(_ value: JSON?) -> String { value?.stringValue == "0.00" ? "" : kr(value) }

    static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" : text
    }

    static func table(_ header: [String]?, _ rows: [[String]], right: Set<Int>) -> [String] {
        let all = (header.map { [$0] } ?? []) + rows
        guard let columns = all.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func render(_ row: [String]) -> String {
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return right.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacing(/\s+$/, with: "")
        }
        var out: [String] = []
        if let header {
            out.append(render(header))
            out.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (columns - 1)))
        }
        out += rows.map(render)
        return out
    }
}

extension JSON {
    subscript(key: String) -> JSON? { objectValue?[key] }
}
