import Foundation

/// Where in the input a JSON problem is.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let problem: String
    public var description: String { "line \(line), column \(column): \(problem)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes: no trailing commas, no comments, no duplicate keys,
/// depth at most `depthMax`, text checked to be UTF-8. Numbers keep their text. It writes a
/// `JSONTape` (decoders read fields from it in place); `parse` builds a `JSON` tree from that.
public struct JSONParser {
    public static let depthMax = 32

    /// The input, borrowed for the parse (the entry points hold it).
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var tape: JSONTape

    private init(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) {
        self.bytes = bytes
        tape = JSONTape()
        // A stored event has about one node per eight bytes; reserving a little more costs less
        // than growing the array.
        tape.nodes.reserveCapacity(min(bytes.count / 6 + 8, 1 << 16))
        guard bytes.count < Int(UInt32.max) else { throw error("the input is larger than 4 GiB") }
    }

    /// Parses exactly one value (surrounded by whitespace only).
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSON {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) in try parse(buffer) }
    }

    /// Parses exactly one value (surrounded by whitespace only) from borrowed bytes.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSON {
        let tape = try parseTape(bytes)
        return tape.withDocument(bytes) { $0.value().json }
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSON { try parse(Array(text.utf8)) }

    /// Parses exactly one value into a tape whose root is node 0.
    public static func parseTape(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONTape {
        var parser = try JSONParser(bytes)
        parser.skipWhitespace()
        try parser.value(depth: 0)
        parser.skipWhitespace()
        if !parser.atEnd { throw parser.error("unexpected text after the JSON value") }
        return parser.tape
    }

    /// Parses an input of events: one object, one array of objects, or a sequence of values
    /// separated by whitespace (NDJSON). Returns each value with the line it starts on.
    public static func parseDocuments(_ bytes: [UInt8]) throws(JSONSyntaxError) -> [(value: JSON, line: Int)] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) in
            let (tape, documents) = try parseDocumentTape(buffer)
            return tape.withDocument(buffer) { document in documents.map { (document.value(at: $0.node).json, $0.line) } }
        }
    }

    /// `parseDocuments` into one tape: each document's first node and the line it starts on.
    public static func parseDocumentTape(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> (tape: JSONTape, documents: [(node: Int, line: Int)]) {
        var parser = try JSONParser(bytes)
        var result: [(Int, Int)] = []
        parser.skipWhitespace()
        if parser.peek == UInt8(ascii: "[") {
            parser.advance()
            parser.skipWhitespace()
            if parser.peek == UInt8(ascii: "]") {
                parser.advance()
            } else {
                while true {
                    parser.skipWhitespace()
                    result.append((parser.tape.nodes.count, parser.line))
                    try parser.value(depth: 1)
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
            return (parser.tape, result)
        }
        while !parser.atEnd {
            result.append((parser.tape.nodes.count, parser.line))
            try parser.value(depth: 0)
            parser.skipWhitespace()
        }
        return (parser.tape, result)
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

    private mutating func value(depth: Int) throws(JSONSyntaxError) {
        guard depth <= JSONParser.depthMax else { throw error("nested deeper than \(JSONParser.depthMax) levels") }
        guard let c = peek else { throw error("unexpected end of input, expected a value") }
        switch c {
        case UInt8(ascii: "{"): try object(depth: depth)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"):
            try literal("true")
            scalar(.bool, start: 1, length: 0)
        case UInt8(ascii: "f"):
            try literal("false")
            scalar(.bool, start: 0, length: 0)
        case UInt8(ascii: "n"):
            try literal("null")
            scalar(.null, start: 0, length: 0)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw error("unexpected character \(JSONParser.show(c)), expected a value")
        }
    }

    private mutating func scalar(_ kind: JSONTape.Kind, start: Int, length: Int, inSide: Bool = false) {
        let end = UInt32(tape.nodes.count + 1)
        tape.nodes.append(JSONTape.Node(kind: kind, inSide: inSide, start: UInt32(start), length: UInt32(length), end: end))
    }

    /// Starts a container's node; `close` fills in its count and end.
    private mutating func open(_ kind: JSONTape.Kind) -> Int {
        tape.nodes.append(JSONTape.Node(kind: kind, inSide: false, start: 0, length: 0, end: 0))
        return tape.nodes.count - 1
    }

    private mutating func close(_ node: Int, count: Int) {
        tape.nodes[node].length = UInt32(count)
        tape.nodes[node].end = UInt32(tape.nodes.count)
    }

    /// The input bytes of a string node without escapes.
    private func inputBytes(_ node: Int) -> UnsafeBufferPointer<UInt8> {
        let n = tape.nodes[node]
        return UnsafeBufferPointer(rebasing: bytes[Int(n.start)..<Int(n.start + n.length)])
    }

    private func keyText(_ node: Int) -> String {
        let n = tape.nodes[node]
        if n.inSide { return String(decoding: tape.side[Int(n.start)..<Int(n.start + n.length)], as: UTF8.self) }
        return String(decoding: bytes[Int(n.start)..<Int(n.start + n.length)], as: UTF8.self)
    }

    /// How two nodes' bytes in the input compare, bytewise then by length: negative, zero or
    /// positive.
    private func inputOrder(_ a: Int, _ b: Int) -> Int { inputBytes(a).byteOrder(inputBytes(b)) }

    /// Whether an earlier key of the object starting at `object` equals the key at `key`.
    private func isRepeated(_ key: Int, in object: Int, members: Int) -> Bool {
        let n = tape.nodes[key]
        var other = object + 1
        for _ in 0..<members {
            let o = tape.nodes[other]
            if o.length == n.length, o.inSide || n.inSide ? keyText(other) == keyText(key) : inputOrder(other, key) == 0 {
                return true
            }
            other = Int(tape.nodes[other + 1].end)
        }
        return false
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let text = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard index + text.count <= bytes.count, bytes[index..<index + text.count].elementsEqual(text) else {
            throw error("unexpected word, expected \(word)")
        }
        index += text.count
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) {
        advance()
        let node = open(.object)
        var count = 0
        // Keys so far without escapes and in strictly ascending byte order (a canonical payload's
        // are): a key after the last of them is new without comparing it with each earlier one.
        var ascending = true
        var previousKey = -1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            advance()
            return close(node, count: 0)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a field name in double quotes") }
            let key = tape.nodes.count
            try string()
            ascending = ascending && !tape.nodes[key].inSide && (previousKey < 0 || inputOrder(previousKey, key) < 0)
            if !ascending, isRepeated(key, in: node, members: count) { throw error("field \"\(keyText(key))\" appears twice") }
            previousKey = key
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("expected : after field name \"\(keyText(key))\"") }
            advance()
            skipWhitespace()
            try value(depth: depth + 1)
            count += 1
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                advance()
                continue
            }
            if peek == UInt8(ascii: "}") {
                advance()
                return close(node, count: count)
            }
            throw error("expected , or } after field \"\(keyText(key))\"")
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) {
        advance()
        let node = open(.array)
        var count = 0
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            advance()
            return close(node, count: 0)
        }
        while true {
            skipWhitespace()
            try value(depth: depth + 1)
            count += 1
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                advance()
                continue
            }
            if peek == UInt8(ascii: "]") {
                advance()
                return close(node, count: count)
            }
            throw error("expected , or ] in a list")
        }
    }

    private mutating func number() throws(JSONSyntaxError) {
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
        scalar(.number, start: start, length: index - start)
    }

    private mutating func string() throws(JSONSyntaxError) {
        advance()
        let start = index
        // Fast path: no escapes; ASCII needs no UTF-8 check.
        var ascii = true
        if let base = bytes.baseAddress {
            let count = bytes.count
            var i = index
            // Eight bytes at a time: the lowest byte that is a quote, a backslash, a control
            // character or part of a multi-byte character is found from the word's mask; past a
            // multi-byte one the scan goes on. The last few bytes go one by one, below.
            while i + 8 <= count {
                let mask = JSONParser.textEndMask(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                if mask == 0 {
                    i += 8
                    continue
                }
                i += mask.trailingZeroBitCount >> 3
                guard base[i] >= 0x80 else { break }
                ascii = false
                i += 1
            }
            while i < count {
                let c = base[i]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                if c >= 0x80 { ascii = false }
                i += 1
            }
            index = i
        }
        if peek == UInt8(ascii: "\"") {
            if !ascii { try checkUTF8(UnsafeBufferPointer(rebasing: bytes[start..<index])) }
            scalar(.string, start: start, length: index - start)
            advance()
            return
        }
        var out = [UInt8]()
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
        try out.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) in try checkUTF8(buffer) }
        let sideStart = tape.side.count
        tape.side.append(contentsOf: out)
        scalar(.string, start: sideStart, length: out.count, inSide: true)
    }

    /// The high bit of each of eight bytes (little-endian) that is a quote, a backslash, below
    /// 0x20 or 0x80 and above, exact up to and including the lowest such byte (a byte is zero in
    /// `x ^ pattern` where it equals the pattern's; a borrow, which can flag bytes above, starts
    /// only at a flagged byte).
    @inline(__always)
    static func textEndMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        return word & highs | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C)) | (word &- ones &* 0x20) & ~word & highs
    }

    private func checkUTF8(_ slice: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) {
        // ASCII is always valid UTF-8: no need for the validating (slower, generic) path.
        if slice.allSatisfy({ $0 < 0x80 }) { return }
        guard String(validating: slice, as: UTF8.self) != nil else { throw error("text is not valid UTF-8") }
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
