/// Where in the input a JSON problem is.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let problem: String
    public var description: String { "line \(line), column \(column): \(problem)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes: no trailing commas, no comments, no duplicate keys,
/// depth at most `depthMax`. Numbers keep their text.
public struct JSONParser {
    public static let depthMax = 32

    /// The input, borrowed for the parse (the entry points hold it).
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var line = 1
    private var lineStart = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Parses exactly one value (surrounded by whitespace only).
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSON {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) in try parse(buffer) }
    }

    /// Parses exactly one value (surrounded by whitespace only) from borrowed bytes.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSON {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        if !parser.atEnd { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSON { try parse(Array(text.utf8)) }

    /// Parses an input of events: one object, one array of objects, or a sequence of values
    /// separated by whitespace (NDJSON). Returns each value with the line it starts on.
    public static func parseDocuments(_ bytes: [UInt8]) throws(JSONSyntaxError) -> [(value: JSON, line: Int)] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) in try parseDocuments(buffer) }
    }

    private static func parseDocuments(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> [(value: JSON, line: Int)] {
        var parser = JSONParser(bytes)
        var result: [(JSON, Int)] = []
        parser.skipWhitespace()
        if parser.peek == UInt8(ascii: "[") {
            parser.advance()
            parser.skipWhitespace()
            if parser.peek == UInt8(ascii: "]") {
                parser.advance()
            } else {
                while true {
                    parser.skipWhitespace()
                    let line = parser.line
                    result.append((try parser.value(depth: 1), line))
                    parser.skipWhitespace()
                    if parser.peek == UInt8(ascii: ",") {
                        parser.advance()
                        continue
                    }
                    if parser.peek == UInt8(ascii: "]") {
                        parser.advance()
                        break
                    }
                    throw parser.error("expected , or ] in the list of events")
                }
            }
            parser.skipWhitespace()
            if !parser.atEnd { throw parser.error("unexpected text after the list of events") }
            return result
        }
        while !parser.atEnd {
            let line = parser.line
            result.append((try parser.value(depth: 0), line))
            parser.skipWhitespace()
        }
        return result
    }

    // MARK: machinery

    private var atEnd: Bool { index >= bytes.count }
    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func advance() { index += 1 }

    private func error(_ problem: String) -> JSONSyntaxError {
        JSONSyntaxError(line: line, column: index - lineStart + 1, problem: problem)
    }

    private mutating func skipWhitespace() {
        while let c = peek {
            switch c {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSON {
        guard depth <= JSONParser.depthMax else { throw error("nested deeper than \(JSONParser.depthMax) levels") }
        guard let c = peek else { throw error("unexpected end of input, expected a value") }
        switch c {
        case UInt8(ascii: "{"): return .object(try object(depth: depth))
        case UInt8(ascii: "["): return .array(try array(depth: depth))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character \(JSONParser.show(c)), expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let text = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard index + text.count <= bytes.count, bytes[index..<index + text.count].elementsEqual(text) else {
            throw error("unexpected word, expected \(word)")
        }
        index += text.count
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONObject {
        advance()
        var object = JSONObject()
        object.members.reserveCapacity(8)  // one allocation for the usual object, not four
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            advance()
            return object
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a field name in double quotes") }
            let key = try string()
            if object[key] != nil { throw error("field \"\(key)\" appears twice") }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected : after field name \"\(key)\"") }
            advance()
            skipWhitespace()
            object.members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                advance()
                continue
            }
            if peek == UInt8(ascii: "}") {
                advance()
                return object
            }
            throw error("expected , or } after field \"\(key)\"")
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) -> [JSON] {
        advance()
        var array = [JSON]()
        array.reserveCapacity(4)
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            advance()
            return array
        }
        while true {
            skipWhitespace()
            array.append(try value(depth: depth + 1))
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                advance()
                continue
            }
            if peek == UInt8(ascii: "]") {
                advance()
                return array
            }
            throw error("expected , or ] in a list")
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> String {
        let start = index
        if peek == UInt8(ascii: "-") { advance() }
        guard let first = peek, JSONParser.isDigit(first) else { throw error("a number needs a digit") }
        advance()
        if first != UInt8(ascii: "0") { while let c = peek, JSONParser.isDigit(c) { advance() } }
        if peek == UInt8(ascii: ".") {
            advance()
            guard let c = peek, JSONParser.isDigit(c) else { throw error("a digit must follow the decimal point") }
            while let c = peek, JSONParser.isDigit(c) { advance() }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            advance()
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { advance() }
            guard let c = peek, JSONParser.isDigit(c) else { throw error("a digit must follow the exponent") }
            while let c = peek, JSONParser.isDigit(c) { advance() }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        advance()
        var out = [UInt8]()
        let start = index
        // Fast path: no escapes.
        while let c = peek, c != UInt8(ascii: "\""), c != UInt8(ascii: "\\"), c >= 0x20 { advance() }
        if peek == UInt8(ascii: "\"") {
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
            advance()
            return try validUTF8(slice)
        }
        out.append(contentsOf: bytes[start..<index])
        while true {
            guard let c = peek else { throw error("text is not closed with a double quote") }
            if c == UInt8(ascii: "\"") {
                advance()
                break
            }
            if c < 0x20 { throw error("control character \(JSONParser.show(c)) inside text; write it as \\u escape") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                advance()
                continue
            }
            advance()
            guard let e = peek else { throw error("text ends inside an escape") }
            advance()
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("unpaired surrogate in \\u escape")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default: throw error("unknown escape \\\(JSONParser.show(e))")
            }
        }
        return try out.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) in try validUTF8(buffer) }
    }

    private func validUTF8(_ slice: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> String {
        // ASCII is always valid UTF-8: decode it without the validating (slower, generic) path.
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else { throw error("text is not valid UTF-8") }
        return text
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = peek else { throw error("text ends inside a \\u escape") }
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("\\u needs four hex digits")
            }
            value = value << 4 | digit
            advance()
        }
        return value
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private static func show(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
    }
}
