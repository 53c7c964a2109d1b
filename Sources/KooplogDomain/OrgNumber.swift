/// A Swedish organisationsnummer `NNNNNN-NNNN` whose last digit is the Luhn check digit.
public struct OrgNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let text: String

    public enum Problem: Error, Equatable, Sendable {
        case shape
        case checkDigit(expected: Int)
    }

    public static func parse(_ text: String) -> Result<OrgNumber, Problem> {
        let checked: Result<Void, Problem> = text.withUTF8Bytes { bytes in
            guard bytes.count == 11, bytes[6] == UInt8(ascii: "-") else { return .failure(.shape) }
            // Every stored event's number is checked on reading: one loop, no iterator per digit.
            var sum = 0
            for index in 0..<11 where index != 6 {
                let digit = Int(bytes[index]) &- 0x30
                guard digit >= 0, digit <= 9 else { return .failure(.shape) }
                if index < 10 { sum += luhnTerm(digit, at: index < 6 ? index : index - 1) }
            }
            let expected = (10 - sum % 10) % 10
            return Int(bytes[10] - 0x30) == expected ? .success(()) : .failure(.checkDigit(expected: expected))
        }
        return checked.map { OrgNumber(text: text) }
    }

    private init(text: String) { self.text = text }

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
