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
            let positions = (0..<11).lazy.filter { $0 != 6 }
            guard positions.allSatisfy({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) else { return .failure(.shape) }
            let expected = luhnCheckDigit(positions.prefix(9).lazy.map { Int(bytes[$0] - 0x30) })
            return Int(bytes[10] - 0x30) == expected ? .success(()) : .failure(.checkDigit(expected: expected))
        }
        return checked.map { OrgNumber(text: text) }
    }

    private init(text: String) { self.text = text }

    /// The Luhn digit for nine digits (weights 2, 1, 2, … from the left).
    public static func luhnCheckDigit(_ digits: some Sequence<Int>) -> Int {
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
