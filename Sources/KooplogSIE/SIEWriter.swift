public import KooplogDomain

/// The books of one organisation and fiscal year, ready to be written as SIE 4E.
public struct SIEBooks: Sendable {
    public struct Year: Sendable {
        public var index: Int
        public var start: CalendarDate
        public var end: CalendarDate
        public var opening: [Int: Money]
        public var closing: [Int: Money]
        public var results: [Int: Money]
        public init(index: Int, start: CalendarDate, end: CalendarDate, opening: [Int: Money], closing: [Int: Money], results: [Int: Money]) {
            self.index = index
            self.start = start
            self.end = end
            self.opening = opening
            self.closing = closing
            self.results = results
        }
    }

    public struct Voucher: Sendable {
        public var number: Int
        public var date: CalendarDate
        public var text: String
        public var registered: CalendarDate
        public var sign: String
        public var transactions: [(account: Int, amount: Money)]
        public init(number: Int, date: CalendarDate, text: String, registered: CalendarDate, sign: String, transactions: [(account: Int, amount: Money)]) {
            self.number = number
            self.date = date
            self.text = text
            self.registered = registered
            self.sign = sign
            self.transactions = transactions
        }
    }

    public var program: String
    public var version: String
    public var generated: CalendarDate
    public var generatedBy: String
    public var orgNumber: String
    public var name: String
    public var years: [Year]
    public var accountNames: [Int: String]
    public var vouchers: [Voucher]

    public init(
        program: String, version: String, generated: CalendarDate, generatedBy: String, orgNumber: String, name: String, years: [Year],
        accountNames: [Int: String], vouchers: [Voucher]
    ) {
        self.program = program
        self.version = version
        self.generated = generated
        self.generatedBy = generatedBy
        self.orgNumber = orgNumber
        self.name = name
        self.years = years
        self.accountNames = accountNames
        self.vouchers = vouchers
    }
}

/// Writes SIE 4E (SIE 4B): code page 437, the mandatory records in the standard's order, every
/// verifikation of the year in series A, and the `#KSUMMA` checksum.
public enum SIEWriter {
    public static func write(_ books: SIEBooks) -> [UInt8] {
        var records: [[String]] = []
        func item(_ label: String, _ fields: String...) { records.append([label] + fields) }
        item("#PROGRAM", quote(books.program), quote(books.version))
        item("#FORMAT", "PC8")
        item("#GEN", compact(books.generated), quote(books.generatedBy))
        item("#SIETYP", "4")
        item("#FTYP", "EK")
        item("#ORGNR", books.orgNumber)
        item("#FNAMN", quote(books.name))
        for year in books.years { item("#RAR", String(year.index), compact(year.start), compact(year.end)) }
        item("#KPTYP", "BAS2025")
        var used = Set<Int>()
        for year in books.years {
            used.formUnion(year.opening.keys)
            used.formUnion(year.closing.keys)
            used.formUnion(year.results.keys)
        }
        for voucher in books.vouchers { used.formUnion(voucher.transactions.map(\.account)) }
        for account in used.sorted() {
            item("#KONTO", String(account), quote(books.accountNames[account] ?? "Konto \(account)"))
            item("#KTYP", String(account), kind(account))
        }
        // #IB and #UB for every balance account of the year, zero included, so a first year still
        // carries the mandatory records.
        for year in books.years {
            let accounts = Set(year.opening.keys).union(year.closing.keys).filter { $0 < 3000 }.sorted()
            for account in accounts { item("#IB", String(year.index), String(account), (year.opening[account] ?? .zero).canonical) }
            for account in accounts { item("#UB", String(year.index), String(account), (year.closing[account] ?? .zero).canonical) }
        }
        for year in books.years {
            for (account, amount) in year.results.sorted(by: { $0.key < $1.key }) { item("#RES", String(year.index), String(account), amount.canonical) }
        }
        for voucher in books.vouchers {
            item("#VER", "A", String(voucher.number), compact(voucher.date), quote(voucher.text), compact(voucher.registered), quote(voucher.sign))
            records.append(["{"])
            for t in voucher.transactions { item("#TRANS", String(t.account), "{}", t.amount.canonical) }
            records.append(["}"])
        }
        // Checksum over the records between the two #KSUMMA (docs/SIE.md).
        var crc = SIECRC32()
        for record in records {
            crc.update(CP437.encode(record[0]))
            for field in record.dropFirst() { crc.update(CP437.encode(unquote(field))) }
        }
        var out: [UInt8] = []
        func line(_ fields: [String]) {
            out += CP437.encode(fields.joined(separator: " "))
            out += [0x0D, 0x0A]
        }
        line(["#FLAGGA", "0"])
        line(["#KSUMMA"])
        for record in records { line(record) }
        line(["#KSUMMA", String(crc.checksum)])
        return out
    }

    /// Quotes a field when it must be (spaces, tabs, quotes, braces, or empty), escaping `"`.
    static func quote(_ text: String) -> String {
        let cleaned = text.replacing("\r", with: " ").replacing("\n", with: " ")
        guard cleaned.isEmpty || cleaned.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "{" || $0 == "}" }) else { return cleaned }
        return "\"" + cleaned.replacing("\"", with: "\\\"") + "\""
    }

    static func unquote(_ field: String) -> String {
        guard field.count >= 2, field.hasPrefix("\""), field.hasSuffix("\"") else { return field }
        return String(field.dropFirst().dropLast()).replacing("\\\"", with: "\"")
    }

    static func compact(_ date: CalendarDate) -> String { date.compact }

    /// T tillgång (assets), S skuld (liabilities and equity), I intäkt (revenue), K kostnad (cost).
    static func kind(_ account: Int) -> String {
        switch account {
        case ..<2000: "T"
        case ..<3000: "S"
        case ..<4000: "I"
        default: "K"
        }
    }
}
