import Foundation

/// A parsed JSON text as a flat list of nodes over the input bytes (a "tape"): no tree, no
/// strings, one array. Decoders read fields from it where they lie (`JSONValue`); a `JSON` tree is
/// built from it only where one is wanted. A string's bytes are the input's when it had no escape,
/// else the unescaped copy in `side`. Every string was checked to be UTF-8 when parsed.
public struct JSONTape {
    public enum Kind: UInt8, Sendable {
        case null, bool, number, string, array, object

        /// For messages: "must be …, not a list".
        public var name: String {
            switch self {
            case .null: "null"
            case .bool: "true/false"
            case .number: "a number"
            case .string: "text"
            case .array: "a list"
            case .object: "an object"
            }
        }
    }

    /// One value. Scalars: `start`/`length` of their bytes (a string's without its quotes; a
    /// bool's `start` is 1 for true). Containers: `length` is the number of items (of members,
    /// for objects: each member is a key node then its value's nodes). `end` is the index after
    /// the value's nodes.
    public struct Node: Sendable {
        public var kind: Kind
        /// The string's bytes lie in `side` (it had escapes, or came from a tree).
        var inSide: Bool
        var start: UInt32
        var length: UInt32
        var end: UInt32
    }

    public internal(set) var nodes: [Node] = []
    /// Unescaped string bytes.
    public internal(set) var side: [UInt8] = []

    public init() {}

    /// A tape of a tree (its strings in `side`), for decoders handed a `JSON` value.
    public init(_ value: JSON) {
        append(value)
    }

    /// Calls `body` with the root of a tape of `value` (it has no input bytes of its own).
    public static func withValue<R, E: Error>(of value: JSON, _ body: (JSONValue) throws(E) -> R) throws(E) -> R {
        try JSONTape(value).withDocument(UnsafeBufferPointer(start: nil, count: 0)) { (document) throws(E) in try body(document.value()) }
    }

    private mutating func append(_ value: JSON) {
        let index = nodes.count
        switch value {
        case .null: nodes.append(Node(kind: .null, inSide: false, start: 0, length: 0, end: UInt32(index + 1)))
        case .bool(let flag): nodes.append(Node(kind: .bool, inSide: false, start: flag ? 1 : 0, length: 0, end: UInt32(index + 1)))
        case .number(let text): appendText(.number, text)
        case .string(let text): appendText(.string, text)
        case .array(let items):
            nodes.append(Node(kind: .array, inSide: false, start: 0, length: UInt32(items.count), end: 0))
            for item in items { append(item) }
            nodes[index].end = UInt32(nodes.count)
        case .object(let object):
            nodes.append(Node(kind: .object, inSide: false, start: 0, length: UInt32(object.members.count), end: 0))
            for member in object.members {
                appendText(.string, member.key)
                append(member.value)
            }
            nodes[index].end = UInt32(nodes.count)
        }
    }

    private mutating func appendText(_ kind: Kind, _ text: String) {
        let start = side.count
        side.append(contentsOf: text.utf8)
        nodes.append(Node(kind: kind, inSide: true, start: UInt32(start), length: UInt32(side.count - start), end: UInt32(nodes.count + 1)))
    }

    /// Reads the tape of `input` (the bytes it was parsed from) in `body`; the values must not
    /// outlive it.
    public func withDocument<R, E: Error>(_ input: UnsafeBufferPointer<UInt8>, _ body: (JSONDocument) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = nodes.withUnsafeBufferPointer { nodes in
            side.withUnsafeBufferPointer { side in
                do throws(E) { return .success(try body(JSONDocument(input: input, side: side, nodes: nodes))) } catch { return .failure(error) }
            }
        }
        return try result.get()
    }
}

/// A tape with its bytes, borrowed: what `JSONValue`s read.
public struct JSONDocument {
    let input: UnsafeBufferPointer<UInt8>
    let side: UnsafeBufferPointer<UInt8>
    let nodes: UnsafeBufferPointer<JSONTape.Node>

    /// The value at the tape's root (the first node), or of a document starting at `index`.
    public func value(at index: Int = 0) -> JSONValue { JSONValue(document: self, index: index) }
}

/// One value of a `JSONDocument`.
public struct JSONValue {
    let document: JSONDocument
    let index: Int

    var node: JSONTape.Node { document.nodes[index] }

    public var kind: JSONTape.Kind { node.kind }
    public var isNull: Bool { node.kind == .null }

    public var kindName: String { node.kind.name }

    /// The bytes of a string (unescaped) or a number.
    public var bytes: UnsafeBufferPointer<UInt8> {
        let node = self.node
        let base = node.inSide ? document.side : document.input
        return UnsafeBufferPointer(rebasing: base[Int(node.start)..<Int(node.start + node.length)])
    }

    /// The text of a string or a number.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public var stringValue: String? { node.kind == .string ? text : nil }
    public var boolValue: Bool? { node.kind == .bool ? node.start == 1 : nil }

    /// A string equal to `literal`.
    public func isString(_ literal: StaticString) -> Bool {
        guard node.kind == .string else { return false }
        let own = bytes
        // `withUTF8Buffer`: a one-character literal may be held as a scalar, without a pointer.
        return literal.withUTF8Buffer { $0.count == own.count && ($0.isEmpty || memcmp($0.baseAddress!, own.baseAddress!, own.count) == 0) }
    }

    /// Items of a list, members of an object.
    public var count: Int { node.kind == .array || node.kind == .object ? Int(node.length) : 0 }

    /// The items of a list in order.
    public var items: [JSONValue] {
        guard node.kind == .array else { return [] }
        var result: [JSONValue] = []
        result.reserveCapacity(count)
        var child = index + 1
        for _ in 0..<count {
            result.append(JSONValue(document: document, index: child))
            child = Int(document.nodes[child].end)
        }
        return result
    }

    /// Calls `body` with each member's position, key node and value, in input order, until it
    /// returns false.
    func forEachMember(_ body: (Int, JSONValue, JSONValue) throws(Refusal) -> Bool) throws(Refusal) {
        guard node.kind == .object else { return }
        var key = index + 1
        for position in 0..<count {
            let value = JSONValue(document: document, index: key + 1)
            guard try body(position, JSONValue(document: document, index: key), value) else { return }
            key = Int(document.nodes[key + 1].end)
        }
    }

    /// The member named `key`: its position and value.
    public func member(_ key: String) -> (position: Int, value: JSONValue)? {
        key.withUTF8Bytes { wanted in
            guard node.kind == .object else { return nil }
            let nodes = document.nodes
            var child = index + 1
            for position in 0..<count {
                let name = nodes[child]
                if Int(name.length) == wanted.count {
                    let base = name.inSide ? document.side : document.input
                    if wanted.isEmpty || memcmp(base.baseAddress! + Int(name.start), wanted.baseAddress!, wanted.count) == 0 {
                        return (position, JSONValue(document: document, index: child + 1))
                    }
                }
                child = Int(nodes[child + 1].end)
            }
            return nil
        }
    }

    public subscript(key: String) -> JSONValue? { member(key)?.value }

    /// The members' keys in input order.
    public var keys: [String] {
        var result: [String] = []
        try? forEachMember { (_, name, _) throws(Refusal) in
            result.append(name.text)
            return true
        }
        return result
    }

    /// The value as a tree.
    public var json: JSON {
        switch node.kind {
        case .null: return .null
        case .bool: return .bool(node.start == 1)
        case .number: return .number(text)
        case .string: return .string(text)
        case .array: return .array(items.map(\.json))
        case .object:
            var members: [(key: String, value: JSON)] = []
            members.reserveCapacity(count)
            try? forEachMember { (_, name, value) throws(Refusal) in
                members.append((name.text, value.json))
                return true
            }
            return .object(JSONObject(members))
        }
    }
}
