/// An exact amount of Swedish kronor as a count of öre. Arithmetic is overflow-checked.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// SPEC.md §2: at most 1 000 000 000 000.00 kr in absolute value.
    public static let absoluteOreMax: Int64 = 100_000_000_000_000
    public static let zero = Money(ore: 0)

    public let ore: Int64

    public init(ore: Int64) { self.ore = ore }
    public init(kronor: Int64) { self.ore = kronor * 100 }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.ore < rhs.ore }

    public var isNegative: Bool { ore < 0 }
    public var isZero: Bool { ore == 0 }
    public var negated: Money { Money(ore: -ore) }
    public var magnitude: Money { Money(ore: ore < 0 ? -ore : ore) }

    /// Sum, or nil on overflow.
    public func adding(_ other: Money) -> Money? {
        let (sum, overflow) = ore.addingReportingOverflow(other.ore)
        return overflow ? nil : Money(ore: sum)
    }

    /// Difference, or nil on overflow.
    public func subtracting(_ other: Money) -> Money? {
        let (difference, overflow) = ore.subtractingReportingOverflow(other.ore)
        return overflow ? nil : Money(ore: difference)
    }

    /// Sum; traps on overflow (amounts are bounded far below Int64 by `absoluteOreMax` and batch limits).
    public static func + (lhs: Money, rhs: Money) -> Money { Money(ore: lhs.ore + rhs.ore) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(ore: lhs.ore - rhs.ore) }
    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
    public static func -= (lhs: inout Money, rhs: Money) { lhs = lhs - rhs }

    /// `net × percent / 100`, rounded to whole öre with halves away from zero (SPEC.md §4 VAT).
    public func percent(_ rate: Int) -> Money {
        let product = ore * Int64(rate)
        let quotient = product / 100
        let remainder = product % 100
        if remainder * 2 >= 100 { return Money(ore: quotient + 1) }
        if remainder * 2 <= -100 { return Money(ore: quotient - 1) }
        return Money(ore: quotient)
    }

    /// The canonical text: `-12500.00`.
    public var canonical: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        writeCanonical(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the canonical text (the stored payload's amounts are written with it too).
    func writeCanonical<Output: ByteOutput>(into out: inout Output) {
        let absolute = ore.magnitude
        JSONWriter.signedDigits(ore < 0, absolute / 100, into: &out)
        let cents = UInt8(absolute % 100)
        out.append(UInt8(ascii: "."))
        out.append(0x30 + cents / 10)
        out.append(0x30 + cents % 10)
    }

    public var description: String { canonical }

    /// Swedish form for people: `12 500,00` (thin grouping by a space).
    public var swedish: String {
        let sign = ore < 0 ? "-" : ""
        let absolute = ore.magnitude
        let kronor = String(absolute / 100)
        var grouped = ""
        for (index, character) in kronor.enumerated() {
            if index > 0 && (kronor.count - index) % 3 == 0 { grouped.append(" ") }
            grouped.append(character)
        }
        let cents = absolute % 100
        return "\(sign)\(grouped),\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Why an amount's text is refused.
    public enum ParseProblem: Error, Equatable, Sendable {
        case notANumber
        case tooManyDecimals
        case tooLarge
    }

    /// Parses the JSON form: `12500`, `12500.5`, `12500.50`, `-3.25` (at most two decimals).
    public static func parse(_ text: String) -> Result<Money, ParseProblem> {
        text.withUTF8Bytes { parse($0) }
    }

    /// `parse(_:)` over UTF-8 bytes (a decoder reads them where they lie).
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Money, ParseProblem> {
        parse(bytes, decimalSeparator: UInt8(ascii: "."), allowGrouping: false)
    }

    /// Parses what a person types: also `12 500,50` and `12500,50`.
    public static func parseLenient(_ text: String) -> Result<Money, ParseProblem> {
        let bytes = Array(text.utf8)
        let separator: UInt8 = bytes.contains(UInt8(ascii: ",")) ? UInt8(ascii: ",") : UInt8(ascii: ".")
        // Spaces, no-break spaces (U+00A0, U+202F) as thousands separators.
        var cleaned = [UInt8]()
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x20 {
                index += 1
                continue
            }
            if index + 1 < bytes.count, bytes[index] == 0xC2, bytes[index + 1] == 0xA0 {
                index += 2
                continue
            }
            if index + 2 < bytes.count, bytes[index] == 0xE2, bytes[index + 1] == 0x80, bytes[index + 2] == 0xAF {
                index += 3
                continue
            }
            cleaned.append(bytes[index])
            index += 1
        }
        return cleaned.withUnsafeBufferPointer { parse($0, decimalSeparator: separator, allowGrouping: true) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, decimalSeparator: UInt8, allowGrouping: Bool) -> Result<Money, ParseProblem> {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var kronor: Int64 = 0
        var integerDigits = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            if integerDigits >= 13 { return .failure(.tooLarge) }
            kronor = kronor * 10 + Int64(bytes[index] - 0x30)
            integerDigits += 1
            index += 1
        }
        guard integerDigits > 0 else { return .failure(.notANumber) }
        // JSON amounts are written plainly: no leading zeros ("0.50", never "007").
        if !allowGrouping, integerDigits > 1, bytes[negative ? 1 : 0] == UInt8(ascii: "0") { return .failure(.notANumber) }
        var ore: Int64 = 0
        if index < bytes.count, bytes[index] == decimalSeparator {
            index += 1
            var decimals = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                decimals += 1
                if decimals > 2 { return .failure(.tooManyDecimals) }
                ore = ore * 10 + Int64(bytes[index] - 0x30)
                index += 1
            }
            guard decimals > 0 else { return .failure(.notANumber) }
            if decimals == 1 { ore *= 10 }
        }
        guard index == bytes.count else { return .failure(.notANumber) }
        let total = kronor * 100 + ore
        guard total <= absoluteOreMax else { return .failure(.tooLarge) }
        return .success(Money(ore: negative ? -total : total))
    }
}
