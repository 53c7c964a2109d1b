import Foundation
import KooplogDomain
import Testing

/// Decoders read fields from a tape over the input bytes (session 4); a tree is built from the
/// tape only where one is wanted. These pin that both forms agree and that the tape's parser is as
/// strict as the tree's was.
@Suite("JSON tape")
struct TapeTests {
    private func tapeValue<R>(_ text: String, _ body: (JSONValue) throws -> R) throws -> R {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer in
            let tape = try JSONParser.parseTape(buffer)
            return try tape.withDocument(buffer) { document in try body(document.value()) }
        }
    }

    @Test("the tree built from a tape is the value written: nesting, escapes, numbers, Unicode")
    func treeFromTape() throws {
        let text = #"{"a":[1,-2.50,true,false,null,{"b":"x\"y\\z\u00e5\ud83d\ude00"}],"c":{},"d":[],"ö":"åäö"}"#
        let expected: JSON = [
            "a": [1, .number("-2.50"), true, false, .null, ["b": .string("x\"y\\zå😀")]], "c": .object(JSONObject()), "d": [],
            "ö": "åäö",
        ]
        #expect(try JSONParser.parse(text) == expected)
        try tapeValue(text) { value in
            #expect(value.count == 4)
            #expect(value.keys == ["a", "c", "d", "ö"])
            #expect(value["a"]?.items.count == 6)
            #expect(value["a"]?.items[5]["b"]?.stringValue == "x\"y\\zå😀")
            #expect(value["ö"]?.isString("åäö") == true)
            #expect(value["e"] == nil)
            #expect(value.json == expected)
        }
        // A tape of a tree reads the same.
        JSONTape.withValue(of: expected) { root in
            #expect(root.json == expected)
            #expect(root["a"]?.items[1].text == "-2.50")
        }
    }

    @Test("the writer escapes exactly the quote, the backslash and control characters, wherever they fall in a word")
    func writerEscapes() throws {
        // The plain escaping the canonical form requires, byte by byte.
        func reference(_ text: String) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for c in text.utf8 {
                switch c {
                case 0x22: out += [0x5C, 0x22]
                case 0x5C: out += [0x5C, 0x5C]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                case 0x09: out += [0x5C, 0x74]
                case 0x08: out += [0x5C, 0x62]
                case 0x0C: out += [0x5C, 0x66]
                case 0..<0x20: out += Array(String(format: "\\u%04x", c).utf8)
                default: out.append(c)
                }
            }
            return out + [0x22]
        }
        var texts = ["", "plain", "exactly8", "a longer text of ascii only"]
        // Each special byte at every position of texts of 1–20 bytes, after ASCII or after å.
        for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}", "å", "😀", " ", "\u{7F}"] {
            for length in 1...20 {
                for position in 0..<length {
                    for filler in ["x", "å"] {
                        var text = String(repeating: filler, count: position) + special
                        text += String(repeating: "y", count: length - position - 1)
                        texts.append(text)
                    }
                }
            }
        }
        for text in texts {
            var written: [UInt8] = []
            JSONWriter.writeString(text, into: &written)
            #expect(written == reference(text), "\(Array(text.utf8))")
            #expect(try JSONParser.parse(String(decoding: written, as: UTF8.self)) == .string(text))
        }
    }

    @Test("the tape's parser refuses what the tree's refused: repeated keys (also by escape), bad UTF-8, trailing commas")
    func strict() {
        for bad in [#"{"a":1,"a":2}"#, #"{"a":1,"\u0061":2}"#, #"{"a\n":1,"a\u000a":2}"#, "[1,]", #"{"a":1,}"#, "\"\u{1}\""] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try JSONParser.parse(bad) }
        }
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22]] {
            #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(bytes) }
        }
        #expect((try? JSONParser.parse(#"{"ab":1,"a":2,"b":3}"#)) != nil)
        // Keys in ascending order skip the comparison with each earlier key; any other order, or a
        // key with an escape, compares with all of them.
        let repeats = [
            #"{"a":1,"b":2,"a":3}"#, #"{"a":1,"b":2,"b":3}"#, #"{"b":1,"a":2,"b":3}"#, #"{"a":1,"b":2,"c":3,"\u0062":4}"#,
            #"{"\u0061":1,"b":2,"a":3}"#, #"{"ab":1,"abc":2,"ab":3}"#, #"{"":1,"a":2,"":3}"#, #"{"A":1,"\u0041":2}"#,
        ]
        for bad in repeats { #expect(throws: JSONSyntaxError.self, "\(bad)") { try JSONParser.parse(bad) } }
        for good in [#"{"":1,"a":2,"ab":3,"b":4}"#, #"{"b":1,"a":2,"\u0063":3,"ab":4}"#, #"{"a":{"a":1,"b":2},"b":{"b":1,"a":2}}"#] {
            #expect((try? JSONParser.parse(good)) != nil, "\(good)")
        }
    }

    @Test("an event decodes the same from input bytes and from a tree, and refuses the same")
    func eventBothWays() throws {
        let text = """
            {"type":"invoice.issued","org":"769629-1231","date":"2025-03-01","id":"i-1",
             "data":{"invoice":"F-1","customer":"Kund \\"AB\\"","customerKind":"private","due":"2025-03-31",
                     "lines":[{"text":"a","amount":"10.50","vat":25},{"text":"b","amount":"3","vat":12}]}}
            """
        let fromTree = try Event.decode(try JSONParser.parse(text))
        let fromTape = try tapeValue(text) { try Event.decode($0) }
        #expect(fromTree == fromTape)
        #expect(fromTape.id == "i-1")
        let wrong = text.replacingOccurrences(of: #""vat":12"#, with: #""vat":"12""#)
        var refusals: [Refusal] = []
        for decode in [{ try Event.decode(try JSONParser.parse(wrong)) }, { try tapeValue(wrong) { try Event.decode($0) } }] {
            do {
                _ = try decode()
            } catch let refusal as Refusal {
                refusals.append(refusal)
            }
        }
        #expect(refusals.count == 2)
        #expect(refusals.first?.field == "data.lines[2].vat")
        #expect(refusals.first == refusals.last)
    }

    @Test(
        "text is read eight bytes at a time where it can: every string, at every offset and length, reads as written; a raw control character or bad UTF-8 anywhere is refused"
    )
    func textWordAtATime() throws {
        // Deterministic mix of plain ASCII, characters that end the fast path, and multi-byte ones.
        let alphabet: [String] = ["a", "b", "Z", "0", " ", "-", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "ö", "€", "😀", "~", "\u{7f}"]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for length in 0..<40 {
            for pad in 0..<9 {
                let text = String((0..<length).map { _ in alphabet[next(alphabet.count)] }.joined())
                // Padding before the string moves it across the eight-byte boundaries.
                let json: JSON = ["k": .string(String(repeating: "p", count: pad)), "v": .string(text)]
                let written = JSONWriter.canonical(json)
                try written.withUnsafeBufferPointer { buffer in
                    let tape = try JSONParser.parseTape(buffer)
                    tape.withDocument(buffer) { document in
                        #expect(document.value()["v"]?.stringValue == text, "length \(length), pad \(pad)")
                    }
                }
                #expect(try JSONParser.parse(written) == json)
            }
        }
        // Refusals at every position of a long plain text: a raw control character, a lone
        // continuation byte, a truncated multi-byte character.
        for position in 0..<24 {
            for bad: [UInt8] in [[0x0A], [0x1F], [0x80], [0xC3], [0xE2, 0x82]] {
                var bytes = Array(#"{"v":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 24)
                bytes.insert(contentsOf: bad, at: 6 + position)
                bytes += Array(#""}"#.utf8)
                #expect(throws: JSONSyntaxError.self, "\(bad) at \(position)") {
                    try bytes.withUnsafeBufferPointer { buffer in _ = try JSONParser.parseTape(buffer) }
                }
            }
        }
    }
}
