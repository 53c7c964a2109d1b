/// Receives an event's `data` field by field. Each event type describes its fields once
/// (`EventPayload.emit`), in canonical key order (by UTF-8 bytes, docs/FORMAT.md "Canonical
/// JSON"); one sink builds the `JSON` tree (`fields`), another writes the canonical bytes
/// directly (`CanonicalSink`), so the stored payload costs no tree, no sort and no string per
/// amount.
public protocol FieldSink {
    mutating func text(_ key: StaticString, _ value: String)
    mutating func number(_ key: StaticString, _ value: Int)
    mutating func bool(_ key: StaticString, _ value: Bool)
    mutating func money(_ key: StaticString, _ value: Money)
    mutating func date(_ key: StaticString, _ value: CalendarDate)
    /// An account number, written as text (`"1930"`).
    mutating func account(_ key: StaticString, _ value: Account)
    /// An array of objects, each described by `item` into a sink of its own.
    mutating func objects<Item>(_ key: StaticString, _ items: [Item], _ item: (Item, inout Self) -> Void)
}

extension FieldSink {
    mutating func text(_ key: StaticString, _ value: String?) { if let value { text(key, value) } }
    mutating func number(_ key: StaticString, _ value: Int?) { if let value { number(key, value) } }
    mutating func money(_ key: StaticString, _ value: Money?) { if let value { money(key, value) } }
    mutating func account(_ key: StaticString, _ value: Account?) { if let value { account(key, value) } }
}

extension EventPayload {
    /// The `data` object as a `JSON` tree (members in canonical order).
    public var fields: JSONObject {
        var sink = TreeSink()
        emit(&sink)
        return sink.object
    }
}

extension EventBody {
    /// Describes the payload inside into `sink` (a switch, so each type's `emit` is specialised
    /// for the sink; `payload`'s existential would not be).
    public func emit<Sink: FieldSink>(_ sink: inout Sink) {
        switch self {
        case .orgRegistered(let p): p.emit(&sink)
        case .fiscalYearClosed(let p): p.emit(&sink)
        case .eventReversed(let p): p.emit(&sink)
        case .memberAdmitted(let p): p.emit(&sink)
        case .memberContributionPaid(let p): p.emit(&sink)
        case .memberLeft(let p): p.emit(&sink)
        case .boardElected(let p): p.emit(&sink)
        case .placementStarted(let p): p.emit(&sink)
        case .placementChanged(let p): p.emit(&sink)
        case .placementEnded(let p): p.emit(&sink)
        case .invoiceIssued(let p): p.emit(&sink)
        case .invoicePaid(let p): p.emit(&sink)
        case .invoiceCredited(let p): p.emit(&sink)
        case .salePaid(let p): p.emit(&sink)
        case .billReceived(let p): p.emit(&sink)
        case .billPaid(let p): p.emit(&sink)
        case .expensePaid(let p): p.emit(&sink)
        case .payrollPaid(let p): p.emit(&sink)
        case .payrollTaxesPaid(let p): p.emit(&sink)
        case .subsidyReceived(let p): p.emit(&sink)
        case .grantAwarded(let p): p.emit(&sink)
        case .grantReceived(let p): p.emit(&sink)
        case .grantUsed(let p): p.emit(&sink)
        case .grantRepaid(let p): p.emit(&sink)
        case .journalEntry(let p): p.emit(&sink)
        case .surplusAllocated(let p): p.emit(&sink)
        }
    }
}

/// Builds the `JSON` tree of an event's data.
struct TreeSink: FieldSink {
    var object = JSONObject()

    private mutating func add(_ key: StaticString, _ value: JSON) { object.members.append((key.description, value)) }

    mutating func text(_ key: StaticString, _ value: String) { add(key, .string(value)) }
    mutating func number(_ key: StaticString, _ value: Int) { add(key, .number(String(value))) }
    mutating func bool(_ key: StaticString, _ value: Bool) { add(key, .bool(value)) }
    mutating func money(_ key: StaticString, _ value: Money) { add(key, .string(value.canonical)) }
    mutating func date(_ key: StaticString, _ value: CalendarDate) { add(key, .string(value.description)) }
    mutating func account(_ key: StaticString, _ value: Account) { add(key, .string(value.description)) }
    mutating func objects<Item>(_ key: StaticString, _ items: [Item], _ item: (Item, inout TreeSink) -> Void) {
        add(
            key,
            .array(
                items.map { element in
                    var sink = TreeSink()
                    item(element, &sink)
                    return .object(sink.object)
                }))
    }
}

/// Writes an event's data as canonical JSON straight into a byte output. The keys arrive in
/// canonical order (each type's `emit` lists them so; debug builds check it, and a test compares
/// every type's bytes with the tree's sorted writing). The sink of an object inside an array
/// writes to the same output: it holds a pointer to it, valid during `write`.
public struct CanonicalSink<Output: ByteOutput>: FieldSink {
    private let out: UnsafeMutablePointer<Output>
    private var empty = true
    #if DEBUG
        private var previous: StaticString?
    #endif

    private init(_ out: UnsafeMutablePointer<Output>) {
        self.out = out
        out.pointee.append(UInt8(ascii: "{"))
    }

    private func close() { out.pointee.append(UInt8(ascii: "}")) }

    /// Writes `body`'s data object to `out`.
    public static func write(_ body: EventBody, into out: inout Output) {
        withUnsafeMutablePointer(to: &out) { pointer in write(body, to: pointer) }
    }

    /// Writes `body`'s data object to the output `out` points to.
    static func write(_ body: EventBody, to out: UnsafeMutablePointer<Output>) {
        var sink = CanonicalSink(out)
        body.emit(&sink)
        sink.close()
    }

    private mutating func key(_ key: StaticString) {
        #if DEBUG
            if let previous {
                let before = UnsafeBufferPointer(start: previous.utf8Start, count: previous.utf8CodeUnitCount)
                let after = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
                precondition(before.byteOrder(after) < 0, "\(key) follows \(previous): an emit lists its keys out of canonical order")
            }
            previous = key
        #endif
        if !empty { out.pointee.append(UInt8(ascii: ",")) }
        empty = false
        out.pointee.append(UInt8(ascii: "\""))
        JSONWriter.append(key, to: &out.pointee)
        out.pointee.append(UInt8(ascii: "\""))
        out.pointee.append(UInt8(ascii: ":"))
    }

    public mutating func text(_ key: StaticString, _ value: String) {
        self.key(key)
        JSONWriter.writeString(value, into: &out.pointee)
    }

    public mutating func number(_ key: StaticString, _ value: Int) {
        self.key(key)
        JSONWriter.signedDigits(value < 0, UInt64(value.magnitude), into: &out.pointee)
    }

    public mutating func bool(_ key: StaticString, _ value: Bool) {
        self.key(key)
        value ? JSONWriter.append("true", to: &out.pointee) : JSONWriter.append("false", to: &out.pointee)
    }

    /// `"-12500.00"`: `Money.canonical` in quotes.
    public mutating func money(_ key: StaticString, _ value: Money) {
        self.key(key)
        out.pointee.append(UInt8(ascii: "\""))
        value.writeCanonical(into: &out.pointee)
        out.pointee.append(UInt8(ascii: "\""))
    }

    /// `"YYYY-MM-DD"`, as `CalendarDate.description`.
    public mutating func date(_ key: StaticString, _ value: CalendarDate) {
        self.key(key)
        JSONWriter.writeDate(value, into: &out.pointee)
    }

    public mutating func account(_ key: StaticString, _ value: Account) {
        self.key(key)
        out.pointee.append(UInt8(ascii: "\""))
        JSONWriter.signedDigits(value.number < 0, UInt64(value.number.magnitude), into: &out.pointee)
        out.pointee.append(UInt8(ascii: "\""))
    }

    public mutating func objects<Item>(_ key: StaticString, _ items: [Item], _ item: (Item, inout CanonicalSink) -> Void) {
        self.key(key)
        out.pointee.append(UInt8(ascii: "["))
        for (index, element) in items.enumerated() {
            if index > 0 { out.pointee.append(UInt8(ascii: ",")) }
            var sink = CanonicalSink(out)
            item(element, &sink)
            sink.close()
        }
        out.pointee.append(UInt8(ascii: "]"))
    }
}

extension JSONWriter {
    /// A whole number's decimal digits.
    public static func digits<Output: ByteOutput>(_ value: UInt64, into out: inout Output) {
        guard value >= 10 else {
            out.append(0x30 + UInt8(value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var rest = value
            var index = 20
            while rest > 0 {
                index -= 1
                buffer[index] = 0x30 + UInt8(rest % 10)
                rest /= 10
            }
            out.append(bytes: UnsafeBufferPointer(rebasing: buffer[index..<20]))
        }
    }

    /// A minus when `negative`, then the magnitude's digits.
    static func signedDigits<Output: ByteOutput>(_ negative: Bool, _ magnitude: UInt64, into out: inout Output) {
        if negative { out.append(UInt8(ascii: "-")) }
        digits(magnitude, into: &out)
    }

    /// `"YYYY-MM-DD"`, quotes included.
    static func writeDate<Output: ByteOutput>(_ value: CalendarDate, into out: inout Output) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { b in
            b[0] = UInt8(ascii: "\"")
            value.write(into: UnsafeMutableBufferPointer(rebasing: b[1..<11]))
            b[11] = UInt8(ascii: "\"")
            out.append(bytes: UnsafeBufferPointer(b))
        }
    }
}
