public import KooplogDomain

/// A verifikation read from a SIE file.
public struct SIEVerifikation: Sendable, Equatable {
    public var series: String
    public var number: Int?
    public var date: CalendarDate
    public var text: String
    public var line: Int
    public var transactions: [(account: Int, amount: Money)]

    public static func == (a: SIEVerifikation, b: SIEVerifikation) -> Bool {
        a.series == b.series && a.number == b.number && a.date == b.date && a.text == b.text
            && a.transactions.map(\.account) == b.transactions.map(\.account) && a.transactions.map(\.amount) == b.transactions.map(\.amount)
    }
}

/// A SIE 4 file read and checked: its books, and every problem found, each with its line.
public struct SIEDocument: Sendable {
    public var name: String?
    public var orgNumber: String?
    public var sieType: String?
    public var format: String?
    /// Fiscal years by their index (0 this year, -1 the one before).
    public var years: [Int: (start: CalendarDate, end: CalendarDate)] = [:]
    public var accounts: [Int: String] = [:]
    public var opening: [Int: [Int: Money]] = [:]
    public var closing: [Int: [Int: Money]] = [:]
    public var results: [Int: [Int: Money]] = [:]
    public var verifikations: [SIEVerifikation] = []
    public var problems: [SIEProblem] = []
    /// Whether the file carries balances (a 4E export) or only verifikationer (a 4I import file).
    public var hasBalances: Bool { !opening.isEmpty || !closing.isEmpty || !results.isEmpty }

    public var isValid: Bool { problems.isEmpty }
}

/// Reads and checks any SIE 4 file (SIE 4B): encoding, record order, mandatory records, braces,
/// balanced verifikationer, ascending gap-free series, `#UB = #IB + Σ#TRANS` per balance account,
/// `#RES = Σ#TRANS` per result account, declared accounts, `#ORGNR`, and `#KSUMMA` when present.
public enum SIEReader {
    /// Record groups in the order SIE 4B requires.
    static func rank(_ label: String) -> Int? {
        switch label {
        case "#FLAGGA": 0
        case "#PROGRAM", "#FORMAT", "#GEN", "#SIETYP", "#PROSA", "#FTYP", "#FNR", "#ORGNR", "#BKOD", "#ADRESS", "#FNAMN", "#RAR", "#TAXAR",
            "#OMFATTN", "#KPTYP", "#VALUTA":
            1
        case "#KONTO", "#KTYP", "#ENHET", "#SRU", "#DIM", "#UNDERDIM", "#OBJEKT": 2
        case "#IB", "#UB", "#OIB", "#OUB", "#RES", "#PSALDO", "#PBUDGET": 3
        case "#VER": 4
        default: nil
        }
    }

    public static func read(_ bytes: [UInt8]) -> SIEDocument {
        var doc = SIEDocument()
        let text = CP437.decode(bytes)
        let (records, tokenProblems) = SIETokenizer.records(text)
        doc.problems += tokenProblems
        checkEncoding(bytes, records: records, doc: &doc)
        readRecords(records, doc: &doc)
        checkChecksum(records, doc: &doc)
        checkBooks(&doc)
        doc.problems.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        return doc
    }

    static func checkEncoding(_ bytes: [UInt8], records: [SIERecord], doc: inout SIEDocument) {
        guard let format = records.first(where: { $0.label == "#FORMAT" }) else { return }
        guard format.fields.first?.text.uppercased() == "PC8" else {
            doc.problems.append(SIEProblem(line: format.line, message: "#FORMAT must be PC8 (code page 437)"))
            return
        }
        // UTF-8 Swedish letters (C3 A5 å, C3 A4 ä, C3 B6 ö, C3 85 Å, C3 84 Ä, C3 96 Ö, C3 A9 é) in a file labelled PC8.
        var line = 1
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A { line += 1 }
            if bytes[index] == 0xC3, [0xA5, 0xA4, 0xB6, 0x85, 0x84, 0x96, 0xA9].contains(bytes[index + 1]) {
                doc.problems.append(
                    SIEProblem(
                        line: line,
                        message:
                            "UTF-8 bytes in a file labelled #FORMAT PC8: the file was saved in the wrong encoding (å ä ö must be code page 437 bytes 86 84 94)")
                )
                return
            }
            index += 1
        }
    }

    static func readRecords(_ records: [SIERecord], doc: inout SIEDocument) {
        var highestRank = 0
        var seen = Set<String>()
        var open: SIEVerifikation?
        var expectOpen = false
        var lastNumber: [String: Int] = [:]
        if let first = records.first, first.label != "#FLAGGA" {
            doc.problems.append(SIEProblem(line: first.line, message: "the first record must be #FLAGGA"))
        }
        for record in records {
            switch record.kind {
            case .open:
                if !expectOpen { doc.problems.append(SIEProblem(line: record.line, message: "{ without a #VER before it")) }
                expectOpen = false
                continue
            case .close:
                if let ver = open {
                    let sum = ver.transactions.reduce(Money.zero) { $0 + $1.amount }
                    if !sum.isZero {
                        doc.problems.append(
                            SIEProblem(
                                line: ver.line,
                                message:
                                    "verifikation \(ver.series) \(ver.number.map(String.init) ?? "") does not balance: the #TRANS rows sum to \(sum.canonical)")
                        )
                    }
                    doc.verifikations.append(ver)
                    open = nil
                } else {
                    doc.problems.append(SIEProblem(line: record.line, message: "} without an open verifikation"))
                }
                continue
            case .item:
                break
            }
            let label = record.label!
            let fields = record.fields
            if expectOpen {
                doc.problems.append(SIEProblem(line: record.line, message: "a #VER must be followed by { on its own line"))
                expectOpen = false
            }
            if open != nil && !["#TRANS", "#RTRANS", "#BTRANS"].contains(label) {
                doc.problems.append(SIEProblem(line: record.line, message: "\(label) inside a verifikation's { } (only #TRANS rows belong there)"))
            }
            if let rank = rank(label) {
                if rank < highestRank {
                    doc.problems.append(
                        SIEProblem(
                            line: record.line,
                            message:
                                "\(label) is out of order: the identification, the chart of accounts, the balances and the verifikationer come in that order"))
                }
                highestRank = max(highestRank, rank)
            }
            seen.insert(label)
            switch label {
            case "#FORMAT": doc.format = fields.first?.text
            case "#SIETYP": doc.sieType = fields.first?.text
            case "#FNAMN": doc.name = fields.first?.text
            case "#ORGNR":
                let number = fields.first?.text ?? ""
                doc.orgNumber = number
                if case .failure = OrgNumber.parse(number) {
                    doc.problems.append(
                        SIEProblem(line: record.line, message: "#ORGNR \(number) is not an organisation number NNNNNN-NNNN with a valid check digit"))
                }
            case "#RAR":
                guard fields.count >= 3, let index = Int(fields[0].text), let start = date(fields[1].text), let end = date(fields[2].text), start <= end else {
                    doc.problems.append(SIEProblem(line: record.line, message: "#RAR needs a year index and two dates YYYYMMDD"))
                    continue
                }
                doc.years[index] = (start, end)
            case "#KONTO":
                guard fields.count >= 2, let account = Int(fields[0].text) else {
                    doc.problems.append(SIEProblem(line: record.line, message: "#KONTO needs an account number and a name"))
                    continue
                }
                doc.accounts[account] = fields[1].text
            case "#IB", "#UB", "#RES":
                guard fields.count >= 3, let index = Int(fields[0].text), let account = Int(fields[1].text), let amount = amount(fields[2].text) else {
                    doc.problems.append(SIEProblem(line: record.line, message: "\(label) needs a year index, an account and an amount"))
                    continue
                }
                if label == "#IB" { doc.opening[index, default: [:]][account] = amount }
                if label == "#UB" { doc.closing[index, default: [:]][account] = amount }
                if label == "#RES" { doc.results[index, default: [:]][account] = amount }
            case "#VER":
                guard fields.count >= 3, let verDate = date(fields[2].text) else {
                    doc.problems.append(SIEProblem(line: record.line, message: "#VER needs a series, a number and a date YYYYMMDD"))
                    continue
                }
                let series = fields[0].text
                let number = Int(fields[1].text)
                if let number {
                    if let last = lastNumber[series], number != last + 1 {
                        doc.problems.append(
                            SIEProblem(line: record.line, message: "series \(series) goes from \(last) to \(number): numbers must be ascending and gap-free"))
                    }
                    lastNumber[series] = number
                }
                open = SIEVerifikation(
                    series: series, number: number, date: verDate, text: fields.count > 3 ? fields[3].text : "", line: record.line, transactions: [])
                expectOpen = true
            case "#TRANS":
                guard open != nil else {
                    doc.problems.append(SIEProblem(line: record.line, message: "#TRANS outside a verifikation"))
                    continue
                }
                guard fields.count >= 3, let account = Int(fields[0].text), fields[1].isObjectList, let value = amount(fields[2].text) else {
                    doc.problems.append(SIEProblem(line: record.line, message: "#TRANS needs an account, an object list {…} and an amount"))
                    continue
                }
                open!.transactions.append((account, value))
            default:
                break  // unknown and optional labels are allowed by the standard
            }
        }
        if open != nil || expectOpen { doc.problems.append(SIEProblem(line: records.last?.line, message: "the last verifikation is not closed with }")) }
        var mandatory = ["#FLAGGA", "#PROGRAM", "#FORMAT", "#GEN", "#SIETYP", "#FNAMN", "#KONTO"]
        if seen.contains("#IB") || seen.contains("#UB") || seen.contains("#RES") { mandatory += ["#RAR", "#IB", "#UB", "#RES"] }
        for label in mandatory where !seen.contains(label) {
            doc.problems.append(SIEProblem(line: nil, message: "the mandatory record \(label) is missing"))
        }
        if doc.years[-1] != nil && doc.hasBalances {
            for (label, table) in [("#IB", doc.opening), ("#UB", doc.closing), ("#RES", doc.results)] where table[-1] == nil {
                doc.problems.append(SIEProblem(line: nil, message: "the previous year (#RAR -1) has no \(label) records"))
            }
        }
    }

    static func checkChecksum(_ records: [SIERecord], doc: inout SIEDocument) {
        let marks = records.filter { $0.label == "#KSUMMA" }
        guard !marks.isEmpty else { return }
        guard marks.count == 2, let first = records.firstIndex(of: marks[0]), let last = records.firstIndex(of: marks[1]),
            marks[0].fields.isEmpty, let stated = marks[1].fields.first.flatMap({ UInt32($0.text) })
        else {
            doc.problems.append(SIEProblem(line: marks[0].line, message: "#KSUMMA must appear twice: empty at the start, with the checksum at the end"))
            return
        }
        var crc = SIECRC32()
        for record in records[(first + 1)..<last] { crc.update(SIETokenizer.checksumBytes(record)) }
        if crc.checksum != stated {
            doc.problems.append(
                SIEProblem(line: marks[1].line, message: "#KSUMMA \(stated) does not match the file's contents (\(crc.checksum)): the file was changed"))
        }
    }

    static func checkBooks(_ doc: inout SIEDocument) {
        var used = Set<Int>()
        var sums: [Int: Money] = [:]
        let year = doc.years[0]
        for ver in doc.verifikations {
            if let year, ver.date < year.start || ver.date > year.end {
                doc.problems.append(SIEProblem(line: ver.line, message: "verifikation dated \(ver.date) is outside the fiscal year \(year.start)–\(year.end)"))
            }
            for t in ver.transactions {
                used.insert(t.account)
                sums[t.account, default: .zero] += t.amount
            }
        }
        for table in [doc.opening, doc.closing, doc.results] { for accounts in table.values { used.formUnion(accounts.keys) } }
        for account in used.sorted() where doc.accounts[account] == nil {
            doc.problems.append(SIEProblem(line: nil, message: "account \(account) is used but not declared with #KONTO"))
        }
        guard doc.hasBalances else { return }
        let opening = doc.opening[0] ?? [:]
        let closing = doc.closing[0] ?? [:]
        for account in Set(opening.keys).union(closing.keys).union(sums.keys.filter { $0 < 3000 }).sorted() where account < 3000 {
            let expected = (opening[account] ?? .zero) + (sums[account] ?? .zero)
            if (closing[account] ?? .zero) != expected {
                doc.problems.append(
                    SIEProblem(line: nil, message: "#UB 0 \(account) is \((closing[account] ?? .zero).canonical) but #IB + Σ#TRANS is \(expected.canonical)"))
            }
        }
        let results = doc.results[0] ?? [:]
        for account in Set(results.keys).union(sums.keys.filter { $0 >= 3000 }).sorted() where account >= 3000 {
            if (results[account] ?? .zero) != (sums[account] ?? .zero) {
                doc.problems.append(
                    SIEProblem(
                        line: nil, message: "#RES 0 \(account) is \((results[account] ?? .zero).canonical) but Σ#TRANS is \((sums[account] ?? .zero).canonical)"
                    ))
            }
        }
    }

    static func date(_ text: String) -> CalendarDate? {
        guard text.count == 8, let y = Int(text.prefix(4)), let m = Int(text.dropFirst(4).prefix(2)), let d = Int(text.suffix(2)) else { return nil }
        return CalendarDate(year: y, month: m, day: d)
    }

    static func amount(_ text: String) -> Money? { try? Money.parse(text).get() }
}
