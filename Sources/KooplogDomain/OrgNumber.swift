/// A Swedish organisationsnummer `NNNNNN-NNNN` whose last digit is the Luhn check digit.
public struct OrgNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let text: String

    public enum Problem: Error, Equatable, Sendable {
        case shape
        case checkDigit(expected: Int)
    }

    public static func parse(_ text: String) -> Result<OrgNumber, Problem> {
        let bytes = Array(text.utf8)
        guard bytes.count == 11, bytes[6] == UInt8(ascii: "-") else { return .failure(.shape) }
        let digits = bytes[0..<6] + bytes[7..<11]
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .failure(.shape) }
        let values = digits.map { Int($0 - 0x30) }
        let expected = luhnCheckDigit(Array(values[0..<9]))
        guard values[9] == expected else { return .failure(.checkDigit(expected: expected)) }
        return .success(OrgNumber(text: text))
    }

    private init(text: String) { self.text = text }

    /// The Luhn digit for nine digits (weights 2, 1, 2, … from the left).
    public static func luhnCheckDigit(_ digits: [Int]) -> Int {
        var sum = 0
        for (index, digit) in digits.enumerated() {
            let product = digit * (index % 2 == 0 ? 2 : 1)
            sum += product > 9 ? product - 9 : product
        }
        return (10 - sum % 10) % 10
    }

    public static func < (lhs: OrgNumber, rhs: OrgNumber) -> Bool { lhs.text < rhs.text }
    public var description: String { text }
}
