/// A Swedish organisationsnummer `NNNNNN-NNNN` whose last digit is the Luhn check digit.
public struct OrgNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let text: String
    /// The ten digits as one number (the text without its hyphen): equality and hashing use it.
    public let digits: UInt64

    public enum Problem: Error, Equatable, Sendable {
        case shape
        case checkDigit(expected: Int)
    }

    public static func parse(_ text: String) -> Result<OrgNumber, Problem> {
        let checked: Result<UInt64, Problem> = text.withUTF8Bytes { bytes in
            guard bytes.count == 11, bytes[6] == UInt8(ascii: "-") else { return .failure(.shape) }
            // Every stored event's number is checked on reading: one loop, no iterator per digit.
            var sum = 0
            var digits: UInt64 = 0
            for index in 0..<11 where index != 6 {
                let digit = Int(bytes[index]) &- 0x30
                guard digit >= 0, digit <= 9 else { return .failure(.shape) }
                digits = digits * 10 + UInt64(digit)
                if index < 10 { sum += luhnTerm(digit, at: index < 6 ? index : index - 1) }
            }
            let expected = (10 - sum % 10) % 10
            return Int(bytes[10] - 0x30) == expected ? .success(digits) : .failure(.checkDigit(expected: expected))
        }
        return checked.map { OrgNumber(text: text, digits: $0) }
    }

    private init(text: String, digits: UInt64) {
        self.text = text
        self.digits = digits
    }

    public static func == (lhs: OrgNumber, rhs: OrgNumber) -> Bool { lhs.digits == rhs.digits }
    public func hash(into hasher: inout Hasher) { hasher.combine(digits) }

    /// The Luhn digit for nine digits (weights 2, 1, 2, … from the left).
    public static func luhnCheckDigit(_ digits: some Sequence<Int>) -> Int {
        var sum = 0
        for (index, digit) in digits.enumerated() { sum += luhnTerm(digit, at: index) }
        return (10 - sum % 10) % 10
    }

    /// A digit's term of the Luhn sum: doubled at even positions from the left, digits summed.
    private static func luhnTerm(_ digit: Int, at position: Int) -> Int {
        let product = digit * (position % 2 == 0 ? 2 : 1)
        return product > 9 ? product - 9 : product
    }

    public static func < (lhs: OrgNumber, rhs: OrgNumber) -> Bool { lhs.text < rhs.text }
    public var description: String { text }
}
