/// Events never carry personal data. Names cannot be told from other words, but a Swedish
/// personal identity number (personnummer, samordningsnummer) has a shape: YYMMDD or YYYYMMDD,
/// an optional - or +, and four digits, with a real month and a day 01–31 (61–91 for a
/// samordningsnummer). Organisation numbers have a month position of 20 or more and pass.
public enum PersonalData {
    public static func check(_ text: String, field: @autoclosure () -> String) throws(Refusal) {
        if containsIdentityNumber(text) {
            throw Refusal(
                .personalData, field: field(),
                "looks like a personal identity number; events never carry personal data: use an opaque id such as P-017")
        }
    }

    public static func containsIdentityNumber(_ text: String) -> Bool {
        text.withUTF8Bytes { bytes in
            var index = 0
            while index < bytes.count {
                guard isDigit(bytes[index]), index == 0 || !isDigit(bytes[index - 1]) else {
                    index += 1
                    continue
                }
                var end = index
                while end < bytes.count, isDigit(bytes[end]) { end += 1 }
                let run = UnsafeBufferPointer(rebasing: bytes[index..<end])
                // YYMMDD-NNNN / YYYYMMDD-NNNN with a separator
                if run.count == 6 || run.count == 8, end < bytes.count, bytes[end] == UInt8(ascii: "-") || bytes[end] == UInt8(ascii: "+") {
                    var tail = end + 1
                    while tail < bytes.count, isDigit(bytes[tail]) { tail += 1 }
                    if tail - end - 1 == 4, looksLikeBirthDate(run) { return true }
                }
                // YYMMDDNNNN / YYYYMMDDNNNN without separator
                if run.count == 10, looksLikeBirthDate(UnsafeBufferPointer(rebasing: run[0..<6])) { return true }
                if run.count == 12, looksLikeBirthDate(UnsafeBufferPointer(rebasing: run[0..<8])) { return true }
                index = end
            }
            return false
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static func looksLikeBirthDate(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        let values = digits.lazy.map { Int($0 - 0x30) }
        let offset = values.count == 8 ? 4 : 2
        if values.count == 8 {
            let century = values[0] * 10 + values[1]
            guard century == 18 || century == 19 || century == 20 else { return false }
        }
        let month = values[offset] * 10 + values[offset + 1]
        var day = values[offset + 2] * 10 + values[offset + 3]
        if day > 60 { day -= 60 }
        return (1...12).contains(month) && (1...31).contains(day)
    }
}
