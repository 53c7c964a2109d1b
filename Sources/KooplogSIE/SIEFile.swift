/// One field of a SIE record: its text (quotes removed, escapes resolved) and whether it was an
/// object list `{…}`.
public struct SIEField: Sendable, Equatable {
    public var text: String
    public var isObjectList: Bool
    public var wasQuoted: Bool
}

/// One line of a SIE file.
public struct SIERecord: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case item(label: String, fields: [SIEField])
        case open
        case close
    }
    public var kind: Kind
    public var line: Int

    public var label: String? { if case .item(let label, _) = kind { label } else { nil } }
    public var fields: [SIEField] { if case .item(_, let fields) = kind { fields } else { [] } }
}

/// A problem in a SIE file, with its line.
public struct SIEProblem: Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var message: String
    public var description: String { (line.map { "line \($0): " } ?? "") + message }
}

/// Splits a SIE file into records (SIE 4B: one record per line, `#LABEL` then fields separated by
/// spaces or tabs, `"…"` quoting with `\"` escapes, object lists in braces, `{` and `}` alone on
/// their lines around a verifikation's rows). CR LF and LF line ends are both accepted.
public enum SIETokenizer {
    public static func records(_ text: String) -> (records: [SIERecord], problems: [SIEProblem]) {
        var records: [SIERecord] = []
        var problems: [SIEProblem] = []
        // "\r\n" is one Character in Swift: split on both line ends.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let lineNumber = index + 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.trimmingCharacters(in: [" ", "\t"])
            if trimmed.isEmpty { continue }
            if trimmed == "{" {
                records.append(SIERecord(kind: .open, line: lineNumber))
                continue
            }
            if trimmed == "}" {
                records.append(SIERecord(kind: .close, line: lineNumber))
                continue
            }
            if trimmed.hasPrefix("{") || trimmed.hasPrefix("}") {
                problems.append(SIEProblem(line: lineNumber, message: "a \(trimmed.first!) must stand alone on its line"))
                continue
            }
            guard trimmed.hasPrefix("#") else {
                problems.append(SIEProblem(line: lineNumber, message: "a record must start with #LABEL"))
                continue
            }
            switch fields(of: trimmed) {
            case .success(let parts):
                let label = parts[0].text.uppercased()
                records.append(SIERecord(kind: .item(label: label, fields: Array(parts.dropFirst())), line: lineNumber))
            case .failure(let problem):
                problems.append(SIEProblem(line: lineNumber, message: problem.message))
            }
        }
        return (records, problems)
    }

    struct Problem: Error { let message: String }

    static func fields(of line: String) -> Result<[SIEField], Problem> {
        var result: [SIEField] = []
        let chars = Array(line)
        var index = 0
        while index < chars.count {
            let c = chars[index]
            if c == " " || c == "\t" {
                index += 1
                continue
            }
            if c == "\"" {
                var text = ""
                index += 1
                var closed = false
                while index < chars.count {
                    if chars[index] == "\\", index + 1 < chars.count, chars[index + 1] == "\"" {
                        text.append("\"")
                        index += 2
                        continue
                    }
                    if chars[index] == "\"" {
                        closed = true
                        index += 1
                        break
                    }
                    text.append(chars[index])
                    index += 1
                }
                if !closed { return .failure(Problem(message: "a quoted field is not closed")) }
                result.append(SIEField(text: text, isObjectList: false, wasQuoted: true))
            } else if c == "{" {
                var text = "{"
                index += 1
                var closed = false
                var inQuote = false
                while index < chars.count {
                    let d = chars[index]
                    text.append(d)
                    index += 1
                    if d == "\"" { inQuote.toggle() }
                    if d == "}" && !inQuote {
                        closed = true
                        break
                    }
                }
                if !closed { return .failure(Problem(message: "an object list { … } is not closed on its line")) }
                result.append(SIEField(text: text, isObjectList: true, wasQuoted: false))
            } else {
                var text = ""
                while index < chars.count, chars[index] != " ", chars[index] != "\t" {
                    text.append(chars[index])
                    index += 1
                }
                result.append(SIEField(text: text, isObjectList: false, wasQuoted: false))
            }
        }
        return .success(result)
    }

    /// The bytes a record contributes to `#KSUMMA`: the label and each field's content, without the
    /// separators, the quotes around fields, escapes or line ends (Kooplog's reading of SIE 4B; see
    /// docs/SIE.md). Brace lines contribute their brace.
    public static func checksumBytes(_ record: SIERecord) -> [UInt8] {
        switch record.kind {
        case .open: return [UInt8(ascii: "{")]
        case .close: return [UInt8(ascii: "}")]
        case .item(let label, let fields):
            var bytes = CP437.encode(label)
            for field in fields { bytes += CP437.encode(field.text) }
            return bytes
        }
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var start = startIndex
        var end = endIndex
        while start < end, set.contains(self[start]) { start = index(after: start) }
        while end > start, set.contains(self[index(before: end)]) { end = index(before: end) }
        return String(self[start..<end])
    }
}
