/// One fact as the treasurer states it (SPEC.md §2): type, org, business date, optional
/// idempotency key, and the type's data.
public struct Event: Sendable, Equatable {
    public var org: OrgNumber
    public var date: CalendarDate
    public var id: String?
    public var body: EventBody

    public init(org: OrgNumber, date: CalendarDate, id: String? = nil, body: EventBody) {
        self.org = org
        self.date = date
        self.id = id
        self.body = body
    }

    public var type: String { body.type }

    /// Decodes one input event (SPEC.md §2). Refusals carry the field's path.
    public static func decode(_ value: JSON) throws(Refusal) -> Event {
        try JSONTape.withValue(of: value) { (root) throws(Refusal) in try decode(root) }
    }

    /// Decodes one input event from a parsed input, where it lies.
    public static func decode(_ value: JSONValue) throws(Refusal) -> Event {
        guard value.kind == .object else {
            throw Refusal(.notAnObject, "an event must be a JSON object {…}, not \(value.kindName)")
        }
        try value.forEachMember { (_, key, _) throws(Refusal) in
            if isEnvelopeKey(key) { return true }
            let name = key.text
            let hint =
                ["seq", "recorded", "by", "v", "hash", "prev"].contains(name)
                ? " (the ledger adds \(name) itself)" : ""
            throw Refusal(.unknownField, field: name, "is not a field of an event\(hint); fields are type, org, date, id, data")
        }
        guard let typeValue = value["type"] else { throw Refusal(.missingField, field: "type", "is required, e.g. \"invoice.paid\"") }
        guard let type = typeValue.stringValue else { throw Refusal(.wrongType, field: "type", "must be text, not \(typeValue.kindName)") }
        let org = try decodeOrg(value["org"])
        guard let dateValue = value["date"] else { throw Refusal(.missingField, field: "date", "is required (YYYY-MM-DD)") }
        let date = try FieldReader.checkedDate(dateValue, field: "date")
        let id = try decodeID(value["id"])
        guard let data = value["data"] else { throw Refusal(.missingField, field: "data", "is required (an object with the type's fields)") }
        let body = try EventCatalogue.decode(type: type, data: data)
        return Event(org: org, date: date, id: id, body: body)
    }

    /// The keys of an input event (a switch over bytes: no string per key).
    static func isEnvelopeKey(_ key: JSONValue) -> Bool {
        switch key.bytes.count {
        case 2: key.isString("id")
        case 3: key.isString("org")
        case 4: key.isString("type") || key.isString("date") || key.isString("data")
        default: false
        }
    }

    static func decodeOrg(_ value: JSONValue?) throws(Refusal) -> OrgNumber {
        guard let value else { throw Refusal(.missingField, field: "org", "is required (the organisation number NNNNNN-NNNN)") }
        guard let text = value.stringValue else { throw Refusal(.wrongType, field: "org", "must be text \"NNNNNN-NNNN\", not \(value.kindName)") }
        switch OrgNumber.parse(text) {
        case .success(let org): return org
        case .failure(.shape):
            throw Refusal(.invalidOrgNumber, field: "org", "\"\(text)\" is not an organisation number; write NNNNNN-NNNN, e.g. 769629-1231")
        case .failure(.checkDigit(let expected)):
            throw Refusal(
                .invalidOrgNumber, field: "org",
                "\"\(text)\" has a wrong check digit (the last digit should be \(expected)); check the number")
        }
    }

    /// An idempotency key: 1–128 printable characters.
    public static func decodeID(_ value: JSONValue?) throws(Refusal) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let id = value.stringValue else { throw Refusal(.wrongType, field: "id", "must be text, not \(value.kindName)") }
        try checkID(id)
        return id
    }

    public static func checkID(_ id: String) throws(Refusal) {
        // Printable ASCII without space at either end (the usual id) needs no Unicode look-ups.
        let plain = id.withUTF8Bytes { b in
            b.count >= 1 && b.count <= 128 && b.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && b.first != 0x20 && b.last != 0x20
        }
        if plain { return }
        let count = id.count
        guard count >= 1, count <= 128 else {
            throw Refusal(.invalidIdentifier, field: "id", "must be 1–128 characters long (it has \(count))")
        }
        guard id.utf8.count <= 400 else {
            throw Refusal(.invalidIdentifier, field: "id", "is \(id.utf8.count) bytes in UTF-8; at most 400 are stored")
        }
        let printable = id.unicodeScalars.allSatisfy { scalar in
            scalar.properties.generalCategory != .control && scalar.properties.generalCategory != .format
                && scalar.properties.generalCategory != .unassigned && scalar.properties.generalCategory != .lineSeparator
                && scalar.properties.generalCategory != .paragraphSeparator
        }
        guard printable, id.first?.isWhitespace == false, id.last?.isWhitespace == false else {
            throw Refusal(.invalidIdentifier, field: "id", "must be printable characters (no control characters, no leading or trailing space)")
        }
    }

    /// The input form (without ledger metadata): `{"type","org","date","id"?,"data"}`.
    public var json: JSON {
        var object = JSONObject([("type", .string(type)), ("org", .string(org.text)), ("date", .string(date.description)), ("data", .object(body.fields))])
        if let id { object["id"] = .string(id) }
        return .object(object)
    }

    /// The streams this event is indexed under (docs/FORMAT.md, "streams"). Each name's bytes are
    /// copied once into a string of its size (`RuleKey.compose`; interpolation grew each piece by
    /// piece, 2 600 instructions per event).
    public var streams: [String] {
        var result: [String] = []
        result.reserveCapacity(3)
        forEachStream { kind, first, second in result.append(RuleKey.compose(kind, first, second)) }
        return result
    }

    /// Calls `body` with each stream this event is indexed under, in the order of `streams`, as
    /// its parts: the name is `kind`, `first`, and `/` and `second` when there is one. Verify
    /// fingerprints the names from their parts, without making them.
    public func forEachStream<Failure: Error>(_ body: (_ kind: StaticString, _ first: String, _ second: String?) throws(Failure) -> Void) throws(Failure) {
        let o = org.text
        try body("org:", o, nil)
        try body("type:", type, nil)
        switch self.body {
        case .memberAdmitted(let p): try body("member:", o, p.member)
        case .memberContributionPaid(let p): try body("member:", o, p.member)
        case .memberLeft(let p): try body("member:", o, p.member)
        case .boardElected: try body("board:", o, nil)
        case .placementStarted(let p): try body("person:", o, p.person)
        case .placementChanged(let p): try body("person:", o, p.person)
        case .placementEnded(let p): try body("person:", o, p.person)
        case .invoiceIssued(let p): try body("invoice:", o, p.invoice)
        case .invoicePaid(let p): try body("invoice:", o, p.invoice)
        case .invoiceCredited(let p): try body("invoice:", o, p.invoice)
        case .billReceived(let p): try body("bill:", o, p.bill)
        case .billPaid(let p): try body("bill:", o, p.bill)
        case .grantAwarded(let p): try body("grant:", o, p.grant)
        case .grantReceived(let p): try body("grant:", o, p.grant)
        case .grantUsed(let p): try body("grant:", o, p.grant)
        case .grantRepaid(let p): try body("grant:", o, p.grant)
        case .subsidyReceived(let p): if let person = p.person { try body("person:", o, person) }
        case .eventReversed(let p): try body("reversal:", String(p.seq), nil)
        default: break
        }
    }
}

/// An event as stored: the event plus what the ledger adds (SPEC.md §2).
public struct RecordedEvent: Sendable, Equatable {
    public var seq: UInt64
    /// UTC timestamp `YYYY-MM-DDTHH:MM:SSZ`.
    public var recorded: String
    /// Who recorded it.
    public var by: String
    /// Schema version of the type when it was stored.
    public var version: Int
    public var event: Event

    public init(seq: UInt64, recorded: String, by: String, version: Int = EventCatalogue.currentVersion, event: Event) {
        self.seq = seq
        self.recorded = recorded
        self.by = by
        self.version = version
        self.event = event
    }

    /// The canonical payload that is stored and hashed (docs/FORMAT.md): keys sorted, no white space:
    /// `{"by","data","date","id"?,"org","recorded","type","v"}`. The seq lives in the record header.
    public var payload: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(320)
        writePayload(into: &out)
        return out
    }

    /// Appends `payload` to `out` (verify writes each replayed event's payload into one buffer).
    public func appendPayload(to out: inout [UInt8]) { writePayload(into: &out) }

    /// Whether `bytes` are exactly this event's canonical payload (compared as it is written,
    /// nothing kept).
    public func hasPayload(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var matching = MatchingBytes(bytes)
        writePayload(into: &matching)
        return matching.matched
    }

    /// The envelope's keys written in their canonical order; `data` by the canonical sink. Every
    /// write goes through one pointer to `out` (the data's sink writes through it too).
    func writePayload<Output: ByteOutput>(into out: inout Output) {
        withUnsafeMutablePointer(to: &out) { out in
            func key(_ literal: StaticString) { JSONWriter.append(literal, to: &out.pointee) }
            key(#"{"by":"#)
            JSONWriter.writeString(by, into: &out.pointee)
            key(#","data":"#)
            CanonicalSink.write(event.body, to: out)
            key(#","date":"#)
            JSONWriter.writeDate(event.date, into: &out.pointee)
            if let id = event.id {
                key(#","id":"#)
                JSONWriter.writeString(id, into: &out.pointee)
            }
            key(#","org":"#)
            JSONWriter.writeString(event.org.text, into: &out.pointee)
            key(#","recorded":"#)
            JSONWriter.writeString(recorded, into: &out.pointee)
            key(#","type":"#)
            JSONWriter.writeString(event.type, into: &out.pointee)
            key(#","v":"#)
            JSONWriter.digits(UInt64(version), into: &out.pointee)
            out.pointee.append(UInt8(ascii: "}"))
        }
    }

    /// Decodes a stored payload (any known schema version) back into the event.
    public static func decode(seq: UInt64, payload: some Collection<UInt8>, upcaster: Upcaster = .standard) throws(Refusal) -> RecordedEvent {
        // Contiguous bytes (an array, LMDB's page) are read where they lie.
        let inPlace = payload.withContiguousStorageIfAvailable { bytes in
            Result { () throws(Refusal) in try decode(seq: seq, bytes: bytes, upcaster: upcaster) }
        }
        if let inPlace { return try inPlace.get() }
        return try Array(payload).withUnsafeBufferPointer { bytes in Result { () throws(Refusal) in try decode(seq: seq, bytes: bytes, upcaster: upcaster) } }
            .get()
    }

    private static func decode(seq: UInt64, bytes: UnsafeBufferPointer<UInt8>, upcaster: Upcaster) throws(Refusal) -> RecordedEvent {
        let tape: JSONTape
        do {
            tape = try JSONParser.parseTape(bytes)
        } catch {
            throw Refusal(.malformedJSON, "stored payload of seq \(seq) is not JSON: \(error)")
        }
        return try tape.withDocument(bytes) { (document) throws(Refusal) in
            try decode(seq: seq, envelope: document.value(), allowing: [], upcaster: upcaster)
        }
    }

    /// The organisation of a stored canonical payload without decoding it: the last `,"org":"`
    /// (the envelope's keys are sorted, so `org` follows `data`, and a quote inside text is
    /// always escaped). Used to cross-check the `org:` index; the full decode checks it again.
    public static func organisation(ofPayload payload: UnsafeRawBufferPointer) -> String? {
        organisationRange(ofPayload: payload).map { String(decoding: UnsafeRawBufferPointer(rebasing: payload[$0]), as: UTF8.self) }
    }

    /// Where `organisation(ofPayload:)` finds the organisation's eleven bytes. The search goes
    /// back from the end eight bytes at a time, from comma to comma (it runs for every record of
    /// a scan; the organisation lies some 60 bytes before the end).
    public static func organisationRange(ofPayload payload: UnsafeRawBufferPointer) -> Range<Int>? {
        let marker = orgMarker
        guard payload.count >= marker.count + 12 else { return nil }
        let commas: UInt64 = 0x2C2C_2C2C_2C2C_2C2C
        var end = payload.count - marker.count - 10  // one past the last place the marker can start
        while end > 0 {
            // The last comma among the eight bytes before `end`: a zero byte of word ^ commas. The
            // mask flags every zero byte, and at most some 0x01 bytes above one (a borrow), so the
            // highest flag is the last comma or a byte checked and passed below.
            if end >= 8 {
                let x = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self)) ^ commas
                let mask = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
                guard mask != 0 else {
                    end -= 8
                    continue
                }
                end = end - 8 + (63 - mask.leadingZeroBitCount) / 8 + 1
            }
            let index = end - 1
            end = index
            guard payload[index] == marker[0] else { continue }
            if marker.indices.allSatisfy({ payload[index + $0] == marker[$0] }) {
                let start = index + marker.count
                guard start + 12 <= payload.count, payload[start + 11] == UInt8(ascii: "\"") else { return nil }
                return start..<start + 11
            }
        }
        return nil
    }

    /// `,"org":"`, made once (this runs for every record of a scan).
    private static let orgMarker: [UInt8] = Array(#","org":""#.utf8)

    /// The slot of a stored envelope's key: 0 type, 1 recorded, 2 by, 3 v, 4 org, 5 date, 6 id,
    /// 7 data; nil for any other key.
    private static func storedKeySlot(_ key: JSONValue) -> Int? {
        switch key.bytes.count {
        case 1: key.isString("v") ? 3 : nil
        case 2: key.isString("by") ? 2 : key.isString("id") ? 6 : nil
        case 3: key.isString("org") ? 4 : nil
        case 4: key.isString("type") ? 0 : key.isString("date") ? 5 : key.isString("data") ? 7 : nil
        case 8: key.isString("recorded") ? 1 : nil
        default: nil
        }
    }

    /// Decodes a stored envelope object; `allowing` names extra keys to ignore (an export adds
    /// `seq`, `prev`, `hash`).
    public static func decode(seq: UInt64, envelope value: JSON, allowing extra: Set<String>, upcaster: Upcaster = .standard) throws(Refusal) -> RecordedEvent {
        try JSONTape.withValue(of: value) { (root) throws(Refusal) in try decode(seq: seq, envelope: root, allowing: extra, upcaster: upcaster) }
    }

    /// Decodes a line of `kooplog export` where its tape lies: the stored envelope with `seq`,
    /// `prev` and `hash` beside its fields (those three are the caller's to read).
    public static func decode(seq: UInt64, exported value: JSONValue, upcaster: Upcaster = .standard) throws(Refusal) -> RecordedEvent {
        try decode(seq: seq, envelope: value, allowing: exportedKeys, upcaster: upcaster)
    }

    /// The keys `kooplog export` adds to a stored envelope.
    public static let exportedKeys: Set<String> = ["seq", "prev", "hash"]

    static func decode(seq: UInt64, envelope value: JSONValue, allowing extra: Set<String>, upcaster: Upcaster) throws(Refusal) -> RecordedEvent {
        guard value.kind == .object else { throw Refusal(.notAnObject, "stored event \(seq) is not an object") }
        // One pass over the members, each key told by its bytes (no string, no hashing per event;
        // the parser refused repeated keys).
        var typeValue: JSONValue?
        var recordedValue: JSONValue?
        var byValue: JSONValue?
        var versionValue: JSONValue?
        var orgValue: JSONValue?
        var dateValue: JSONValue?
        var idValue: JSONValue?
        var dataValue: JSONValue?
        try value.forEachMember { (_, key, member) throws(Refusal) in
            switch storedKeySlot(key) {
            case 0: typeValue = member
            case 1: recordedValue = member
            case 2: byValue = member
            case 3: versionValue = member
            case 4: orgValue = member
            case 5: dateValue = member
            case 6: idValue = member
            case 7: dataValue = member
            default:
                if extra.isEmpty || !extra.contains(key.text) { throw Refusal(.unknownField, field: key.text, "is not a field of a stored event") }
            }
            return true
        }
        guard let type = typeValue?.stringValue else { throw Refusal(.missingField, field: "type", "is required") }
        guard let recordedValue, recordedValue.kind == .string, Timestamp.isValid(recordedValue.bytes) else {
            throw Refusal(.invalidValue, field: "recorded", "must be a UTC timestamp YYYY-MM-DDTHH:MM:SSZ")
        }
        guard let by = byValue?.stringValue, !by.isEmpty else { throw Refusal(.missingField, field: "by", "is required") }
        guard let versionValue, versionValue.kind == .number, let version = FieldReader.wholeNumber(versionValue.bytes) else {
            throw Refusal(.missingField, field: "v", "is required (the schema version)")
        }
        let org = try Event.decodeOrg(orgValue)
        guard let dateValue else { throw Refusal(.missingField, field: "date", "is required") }
        let date = try FieldReader.checkedDate(dateValue, field: "date")
        let id = try Event.decodeID(idValue)
        guard let data = dataValue, data.kind == .object else { throw Refusal(.missingField, field: "data", "is required") }
        let body: EventBody
        if version == upcaster.currentVersion(of: type) {
            body = try EventCatalogue.decode(type: type, data: data)
        } else {
            // An older version: lift its data as a tree, then read it like today's.
            guard case .object(let object) = data.json else { throw Refusal(.missingField, field: "data", "is required") }
            let lifted = JSON.object(try upcaster.upcast(type: type, version: version, data: object))
            body = try JSONTape.withValue(of: lifted) { (root) throws(Refusal) in try EventCatalogue.decode(type: type, data: root) }
        }
        return RecordedEvent(
            seq: seq, recorded: recordedValue.text, by: by, version: version, event: Event(org: org, date: date, id: id, body: body))
    }
}

/// UTC timestamps `YYYY-MM-DDTHH:MM:SSZ` from seconds since 1970.
public enum Timestamp {
    public static func format(secondsSince1970 seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = civil(fromDays: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }

    public static func isValid(_ text: String) -> Bool { text.withUTF8Bytes { isValid($0) } }

    public static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count == 20, b[10] == UInt8(ascii: "T"), b[19] == UInt8(ascii: "Z"), b[13] == 0x3A, b[16] == 0x3A,
            CalendarDate.parse(UnsafeBufferPointer(rebasing: b[0..<10])) != nil
        else { return false }
        func digit(_ i: Int) -> Bool { b[i] >= 0x30 && b[i] <= 0x39 }
        return digit(11) && digit(12) && digit(14) && digit(15) && digit(17) && digit(18)
    }

    /// Howard Hinnant's days-to-civil.
    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}
