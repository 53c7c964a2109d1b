/// A calendar date (proleptic Gregorian), `YYYY-MM-DD`; years 1900–2199.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A real calendar date, or nil.
    public init?(year: Int, month: Int, day: Int) {
        guard (1900...2199).contains(year), (1...12).contains(month),
            (1...CalendarDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`, or nil.
    public init?(_ text: some StringProtocol) {
        guard let date = text.withUTF8Bytes(CalendarDate.parse) else { return nil }
        self = date
    }

    /// Parses exactly the ten bytes `YYYY-MM-DD`, or nil.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> CalendarDate? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        guard let year = digits(bytes, 0, 4), let month = digits(bytes, 5, 2), let day = digits(bytes, 8, 2) else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        // Written byte by byte: folds ask for it once per event.
        String(unsafeUninitializedCapacity: 10) { out in
            write(into: out)
            return 10
        }
    }

    /// Writes the ten bytes `YYYY-MM-DD` at the start of `out` (the description, and the
    /// canonical payload's dates).
    func write(into out: UnsafeMutableBufferPointer<UInt8>) {
        var y = year
        for index in (0..<4).reversed() {
            out[index] = UInt8(0x30 + y % 10)
            y /= 10
        }
        out[4] = UInt8(ascii: "-")
        out[5] = UInt8(0x30 + month / 10)
        out[6] = UInt8(0x30 + month % 10)
        out[7] = UInt8(ascii: "-")
        out[8] = UInt8(0x30 + day / 10)
        out[9] = UInt8(0x30 + day % 10)
    }

    /// `YYYYMMDD` (SIE).
    public var compact: String { description.replacingOccurrences(of: "-", with: "") }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The last day of this date's month.
    public var endOfMonth: CalendarDate {
        CalendarDate(year: year, month: month, day: CalendarDate.daysIn(month: month, year: year))!
    }

    /// The day before.
    public var previousDay: CalendarDate {
        if day > 1 { return CalendarDate(year: year, month: month, day: day - 1)! }
        if month > 1 { return CalendarDate(year: year, month: month - 1, day: 1)!.endOfMonth }
        return CalendarDate(year: year - 1, month: 12, day: 31)!
    }

    private static func digits(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<start + count {
            let c = bytes[index]
            guard c >= 0x30, c <= 0x39 else { return nil }
            value = value * 10 + Int(c - 0x30)
        }
        return value
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
