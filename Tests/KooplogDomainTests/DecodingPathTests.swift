import KooplogDomain
import KooplogSynthetic
import KooplogTestSupport
import Testing

/// The decoding path reads bytes in place and names fields only when it refuses (session 3's
/// speed-ups): these pin that the fast paths accept and refuse exactly what the careful ones do.
@Suite("Decoding fast paths agree with the careful checks")
struct DecodingPathTests {
    private func invoice(lines: String, extra: String = "") throws -> Event {
        let text = """
            {"type":"invoice.issued","org":"769629-1231","date":"2025-03-01",
             "data":{"invoice":"F-1","customer":"Kund","customerKind":"private","due":"2025-03-31","lines":\(lines)\(extra)}}
            """
        return try Event.decode(try JSONParser.parse(text))
    }

    private func refusal(_ body: () throws -> Event) -> Refusal? { KooplogTestSupport.refusal(of: body) }

    @Test("a refusal inside a list names the item's path; an unknown field lists the known ones")
    func listPaths() {
        let account = refusal {
            try invoice(lines: #"[{"text":"a","amount":"10","vat":25},{"text":"b","amount":"10","vat":25,"account":"1930"}]"#)
        }
        #expect(account?.field == "data.lines[2].account")
        #expect(account?.code == .invalidAccount)
        let unknown = refusal { try invoice(lines: #"[{"text":"a","amount":"10","vat":25,"colour":"red"}]"#) }
        #expect(unknown?.field == "data.lines[1].colour")
        #expect(unknown?.message.contains("known: account, amount, text, vat") == true)
        let notObject = refusal { try invoice(lines: #"[{"text":"a","amount":"10","vat":25}, 7]"#) }
        #expect(notObject?.field == "data.lines[2]")
        let top = refusal { try invoice(lines: #"[{"text":"a","amount":"10","vat":25}]"#, extra: #","note":"x""#) }
        #expect(top?.field == "data.note")
    }

    @Test("text length counts characters, not bytes; control characters and blank text are refused")
    func textLimits() throws {
        func line(_ text: String) -> String { #"[{"text":"\#(text)","amount":"10","vat":25}]"# }
        let twoHundredOWithDiaeresis = String(repeating: "ö", count: 200)  // 400 bytes: only the careful count accepts it
        #expect(try invoice(lines: line(twoHundredOWithDiaeresis)).body.payload.fields["lines"] != nil)
        #expect(refusal { try invoice(lines: line(twoHundredOWithDiaeresis + "ö")) }?.code == .tooLarge)
        #expect(refusal { try invoice(lines: line(String(repeating: "a", count: 201))) }?.code == .tooLarge)
        #expect(refusal { try invoice(lines: line("a\\tb")) }?.code == .invalidValue)
        #expect(refusal { try invoice(lines: line("\\u007f")) }?.code == .invalidValue)
        #expect(refusal { try invoice(lines: line("   ")) }?.code == .invalidValue)
        #expect(try invoice(lines: line(" ä ")).body.payload.fields["lines"] != nil)
    }

    @Test("ids: plain ASCII fast, other printable text still accepted, spaces at the ends refused")
    func ids() {
        #expect((try? Event.checkID("inv-2025-017")) != nil)
        #expect((try? Event.checkID("Faktura 2025/ö")) != nil)
        #expect((try? Event.checkID(" x")) == nil)
        #expect((try? Event.checkID("x ")) == nil)
        #expect((try? Event.checkID("a\u{7}b")) == nil)
        #expect((try? Event.checkID(String(repeating: "x", count: 129))) == nil)
        #expect((try? Event.checkID("")) == nil)
    }

    @Test("timestamps, dates and organisation numbers read in place")
    func values() {
        #expect(Timestamp.isValid("2025-03-01T12:00:59Z"))
        for bad in ["2025-02-30T12:00:00Z", "2025-03-01 12:00:00Z", "2025-03-01T12:00:00", "2025-03-01T1a:00:00Z", "ö025-03-01T12:00:00Z"] {
            #expect(!Timestamp.isValid(bad), "\(bad)")
        }
        for text in ["1900-01-01", "2024-02-29", "2199-12-31", "2025-10-09"] {
            #expect(CalendarDate(text)?.description == text)
        }
        #expect(CalendarDate("2025-1ö-01") == nil)
        #expect(CalendarDate(Substring("x2025-03-01").dropFirst())?.description == "2025-03-01")
        #expect(OrgNumber.parse("769629-1231").map(\.text) == .success("769629-1231"))
        #expect(OrgNumber.parse("769629-1234") == .failure(.checkDigit(expected: 1)))
        #expect(OrgNumber.parse("769629 1231") == .failure(.shape))
        #expect(OrgNumber.parse("76962a-1231") == .failure(.shape))
        #expect(OrgNumber.parse("769629-123") == .failure(.shape))
        #expect(OrgNumber.luhnCheckDigit([7, 6, 9, 6, 2, 9, 1, 2, 3]) == 1)
    }

    @Test("canonical JSON sorts keys by UTF-8 bytes and escapes only what JSON requires")
    func canonical() throws {
        let value = try JSONParser.parse(#"{"ö":1,"z":"a\"b\\c\n","a":[true,false,null],"Z":"ä/"}"#)
        #expect(JSONWriter.canonicalString(value) == #"{"Z":"ä/","a":[true,false,null],"z":"a\"b\\c\n","ö":1}"#)
        // Members in every kind of order (sorted, reversed, shuffled, shared prefixes) come out
        // sorted by their UTF-8 bytes, each once with its value.
        let pool = ["a", "aa", "ab", "b", "B", "data", "date", "id", "ö", "å", "z", "lines", "line", "Z0", ""]
        var seed: UInt64 = 7
        for count in 0...pool.count {
            for round in 0..<4 {
                var keys = Array(pool.prefix(count))
                switch round {
                case 0: keys.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                case 1: keys.reverse()
                default:
                    for index in keys.indices.reversed() {
                        seed = seed &* 6_364_136_223_846_793_005 &+ 1
                        keys.swapAt(index, Int((seed >> 33) % UInt64(index + 1)))
                    }
                }
                let object = JSON.object(JSONObject(keys.map { ($0, JSON.string("v" + $0)) }))
                let sorted = keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                let expected = "{" + sorted.map { "\"\($0)\":\"v\($0)\"" }.joined(separator: ",") + "}"
                #expect(JSONWriter.canonicalString(object) == expected, "\(keys)")
            }
        }
    }

    @Test("rule-state keys are the documented text (docs/FORMAT.md), byte for byte, and read back only from that text")
    func ruleKeys() throws {
        let org = try OrgNumber.parse("769629-1231").get()
        let other = try OrgNumber.parse("556677-8899").get()
        let cases: [(RuleKey, String)] = [
            (.org(org), "org/769629-1231"), (.year(org, 2025), "year/769629-1231/2025"), (.year(org, -7), "year/769629-1231/-7"),
            (.year(org, 0), "year/769629-1231/0"), (.invoice(org, "2025-001"), "invoice/769629-1231/2025-001"),
            (.bill(org, "B-7"), "bill/769629-1231/B-7"), (.member(org, "M-12"), "member/769629-1231/M-12"),
            (.person(org, "P-åäö"), "person/769629-1231/P-åäö"), (.grant(org, ""), "grant/769629-1231/"),
            (.grant(org, String(repeating: "g", count: 200)), "grant/769629-1231/" + String(repeating: "g", count: 200)),
            (.reversal(42), "reversed/42"), (.postings(7), "postings/7"), (.postings(UInt64.max), "postings/18446744073709551615"),
            (.year(org, Int.min), "year/769629-1231/-9223372036854775808"),
            (.invoice(try OrgNumber.parse("002003-0003").get(), "1"), "invoice/002003-0003/1"),
        ]
        for (key, text) in cases {
            #expect(key.text == text)
            #expect(key.bytes == Array(text.utf8))
            #expect(Array(text.utf8).withUnsafeBytes { RuleKey(stored: $0) } == key, "\(text)")
        }
        #expect(RuleKey.invoice(org, "x").text.utf8.count == 21)
        // Equal keys hash alike; keys differing in any one part are not equal.
        #expect(Set([RuleKey.invoice(org, "1"), .invoice(org, "1")]).count == 1)
        let distinct: [RuleKey] = [
            .invoice(org, "1"), .invoice(other, "1"), .bill(org, "1"), .invoice(org, "2"), .year(org, 1), .year(org, 2), .org(org), .org(other),
            .reversal(1), .postings(1), .reversal(2), .member(org, ""), .person(org, ""),
        ]
        #expect(Set(distinct).count == distinct.count)
        // A dictionary's buckets are the low bits of `_rawHashValue(seed:)`: keys that differ
        // in the seq, the year or the id alone spread over them, and the seed moves each key.
        let slots = 1 << 12
        for keys in [
            (0..<slots).map { RuleKey.reversal(UInt64($0)) }, (0..<slots).map { RuleKey.year(org, $0) },
            (0..<slots).map { RuleKey.invoice(org, "2025-\($0)") },
        ] {
            let buckets = Set(keys.map { $0._rawHashValue(seed: 0x5EED) & (slots - 1) })
            #expect(buckets.count > slots / 2, "\(buckets.count) of \(slots) buckets")
            #expect(keys.allSatisfy { $0._rawHashValue(seed: 1) == $0._rawHashValue(seed: 1) })
            #expect(keys.filter { $0._rawHashValue(seed: 1) == $0._rawHashValue(seed: 2) }.count < 4)
        }
        // Only the exact text of a key reads back.
        for text in [
            "year/769629-1231/02025", "year/769629-1231/+2025", "year/769629-1231", "reversed/042", "reversed/", "reversed/x",
            "postings/-1", "year/769629-1231/-0", "postings/18446744073709551616", "reversed/ 1",
            "org/769629-1232", "org/769629-1231/", "org/7696291231", "invoice/769629-1231", "invoice/769629-1231x1",
            "invoices/769629-1231/1", "invoice", "", "/769629-1231/1",
        ] {
            #expect(Array(text.utf8).withUnsafeBytes { RuleKey(stored: $0) } == nil, "\(text)")
        }
        // An id that is not UTF-8 would read back as another text.
        #expect((Array("grant/769629-1231/".utf8) + [0xFF, 0x78]).withUnsafeBytes { RuleKey(stored: $0) } == nil)
    }

    @Test("a stored payload is the canonical JSON of its envelope, for every type of event, with and without an id")
    func payloadIsCanonicalEnvelope() throws {
        var seen = Set<String>()
        var index = 0
        try SyntheticLedger(seed: 11, orgs: 2, years: 3).generate(count: 3_000) { input in
            let event = try Event.decode(input)
            seen.insert(event.type)
            index += 1
            for id in [nil, "k-\(index)", "a\"b\\ö"] as [String?] {
                let withID = Event(org: event.org, date: event.date, id: id, body: event.body)
                let recorded = RecordedEvent(seq: UInt64(index), recorded: "2026-12-02T01:02:03Z", by: "kassör \"K\"", event: withID)
                var envelope = JSONObject([
                    ("v", .number("\(recorded.version)")), ("type", .string(event.type)), ("recorded", .string(recorded.recorded)),
                    ("org", .string(event.org.text)), ("date", .string(event.date.description)), ("data", .object(event.body.fields)),
                    ("by", .string(recorded.by)),
                ])
                if let id { envelope["id"] = .string(id) }
                #expect(recorded.payload == JSONWriter.canonical(.object(envelope)), "\(event.type)")
                #expect(recorded.payload.withUnsafeBytes { RecordedEvent.organisation(ofPayload: $0) } == event.org.text)
            }
        }
        #expect(seen.count >= 15, "\(seen.sorted())")
    }

    @Test("a decoded form reads only from its own bytes: any changed form that still reads writes exactly those bytes again")
    func decodedFormsReadStrictly() throws {
        func reads(_ bytes: [UInt8]) -> RecordedEvent? { bytes.withUnsafeBytes { try? RecordedEvent.decode(seq: 1, decoded: $0) } }
        var generator = SeededGenerator(seed: 23)
        var changedAndRead = 0
        var index = 0
        try SyntheticLedger(seed: 17, orgs: 2, years: 3).generate(count: 2_000) { input in
            index += 1
            let event = try Event.decode(input)
            let form = RecordedEvent(seq: 1, recorded: "2026-12-02T01:02:03Z", by: "kassör", event: event).decodedForm
            #expect(reads(form)?.decodedForm == form)
            // Random changes: a byte replaced, inserted or removed; whatever still reads is canonical.
            for _ in 0..<8 {
                var changed = form
                let at = Int.random(in: 1..<changed.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: changed[at] = UInt8.random(in: 0...255, using: &generator)
                case 1: changed.insert(UInt8.random(in: 0...255, using: &generator), at: at)
                default: changed.remove(at: at)
                }
                guard changed != form, let read = reads(changed) else { continue }
                changedAndRead += 1
                #expect(read.decodedForm == changed, "event \(index): a changed form read as another form's event")
            }
        }
        #expect(changedAndRead > 100, "\(changedAndRead) changed forms read")
        // The shapes a lenient reader would take: an integer in more bytes than it needs (the
        // format byte 1 as 0x81 0x00), one of eleven bytes, text that is not UTF-8 but repairs to
        // text of the same length (F0 90 80 → U+FFFD).
        let event = try Event.decode(Fixtures.journal(id: "j-1", text: "abc"))
        let form = RecordedEvent(seq: 1, recorded: "2026-12-02T01:02:03Z", by: "abc", event: event).decodedForm
        #expect(reads(form) != nil)
        #expect(reads([form[0], 0x81, 0x00] + form[2...]) == nil)
        var long = BinaryWriter(capacity: 16)
        long.put(UInt64.max)
        #expect(long.bytes.count == 11)
        #expect(long.bytes.withUnsafeBytes { try? BinaryReader.decode(UInt64.self, from: $0) } == UInt64.max)
        #expect((long.bytes.dropLast() + [0x02]).withUnsafeBytes { try? BinaryReader.decode(UInt64.self, from: $0) } == nil)
        #expect((long.bytes.dropLast() + [0x81, 0x00]).withUnsafeBytes { try? BinaryReader.decode(UInt64.self, from: $0) } == nil)
        let by = Array("abc".utf8)
        let at = try #require((0..<form.count - 4).first { Array(form[$0..<$0 + 4]) == [3] + by })
        var repaired = form
        repaired.replaceSubrange(at + 1..<at + 4, with: [0xF0, 0x90, 0x80])
        #expect(reads(repaired) == nil, "bytes that are not UTF-8 read as U+FFFD")
        #expect(String(decoding: [0xF0, 0x90, 0x80] as [UInt8], as: UTF8.self).utf8.count == 3)
    }

    @Test("the organisation is found in a payload where the last marker is, whatever the bytes around it")
    func organisationOfPayload() {
        let marker = Array(#","org":""#.utf8)
        // The reference: the last marker followed by eleven bytes and a quote.
        func reference(_ bytes: [UInt8]) -> String? {
            var index = bytes.count - marker.count - 11
            while index >= 0 {
                if Array(bytes[index..<index + marker.count]) == marker {
                    let start = index + marker.count
                    guard start + 12 <= bytes.count, bytes[start + 11] == UInt8(ascii: "\"") else { return nil }
                    return String(decoding: bytes[start..<start + 11], as: UTF8.self)
                }
                index -= 1
            }
            return nil
        }
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array(#",,,"org:x1-"#.utf8)
        var found = 0
        for length in 0..<120 {
            for _ in 0..<40 {
                var bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
                // Plant markers with an organisation (and some without its closing quote) at random places.
                for _ in 0..<Int.random(in: 0...2, using: &generator) where length >= 20 {
                    let at = Int.random(in: 0...(length - 20), using: &generator)
                    let planted = marker + Array("769629-1231".utf8) + [Bool.random(using: &generator) ? UInt8(ascii: "\"") : UInt8(ascii: "x")]
                    bytes.replaceSubrange(at..<at + planted.count, with: planted)
                }
                let want = reference(bytes)
                if want != nil { found += 1 }
                #expect(bytes.withUnsafeBytes { RecordedEvent.organisation(ofPayload: $0) } == want, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(found > 500)
    }
}
