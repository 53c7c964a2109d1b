/// Reads the fields of one JSON object for a decoder: each field read once, types and ranges
/// checked, unknown fields refused at `finish()`. Every refusal names the field's path. Reading a
/// valid object allocates nothing of its own: the fields read are bits, and paths are written
/// only when a refusal needs one.
public struct FieldReader {
    private let object: JSONObject
    private let parentPath: String
    /// The position in a list (1-based) this object has, or 0.
    private let listPosition: Int
    /// Members read so far, by position (objects have a handful of fields).
    private var readMembers: UInt64 = 0
    /// Keys asked for but absent, and read members past the 64th: only for messages.
    private var otherKeys: [String] = []

    public init(_ object: JSONObject, path: String) {
        self.init(object, parentPath: path, listPosition: 0)
    }

    private init(_ object: JSONObject, parentPath: String, listPosition: Int) {
        self.object = object
        self.parentPath = parentPath
        self.listPosition = listPosition
    }

    public static func object(_ value: JSON, path: String) throws(Refusal) -> FieldReader {
        try object(value, parentPath: path, listPosition: 0)
    }

    private static func object(_ value: JSON, parentPath: String, listPosition: Int) throws(Refusal) -> FieldReader {
        guard case .object(let object) = value else {
            throw Refusal(.wrongType, field: path(parentPath, listPosition), "must be an object {…}, not \(value.kindName)")
        }
        return FieldReader(object, parentPath: parentPath, listPosition: listPosition)
    }

    /// `lines[2]` for the second item of `lines`, the parent's path otherwise.
    private static func path(_ parentPath: String, _ listPosition: Int) -> String {
        listPosition > 0 ? "\(parentPath)[\(listPosition)]" : parentPath
    }

    var path: String { FieldReader.path(parentPath, listPosition) }

    func name(_ key: String) -> String {
        let path = self.path
        return path.isEmpty ? key : "\(path).\(key)"
    }

    public func has(_ key: String) -> Bool { object[key] != nil }

    // MARK: raw access

    public mutating func optionalValue(_ key: String) -> JSON? {
        guard let position = object.members.firstIndex(where: { $0.key == key }) else {
            if !otherKeys.contains(key) { otherKeys.append(key) }
            return nil
        }
        if position < 64 {
            readMembers |= 1 << UInt64(position)
        } else if !otherKeys.contains(key) {
            otherKeys.append(key)
        }
        let value = object.members[position].value
        return value == .null ? nil : value
    }

    public mutating func value(_ key: String) throws(Refusal) -> JSON {
        guard let value = optionalValue(key) else {
            throw Refusal(.missingField, field: name(key), "is required")
        }
        return value
    }

    private func wasRead(_ position: Int) -> Bool {
        position < 64 ? readMembers & (1 << UInt64(position)) != 0 : otherKeys.contains(object.members[position].key)
    }

    /// Refuses fields that no decoder read.
    public func finish() throws(Refusal) {
        for position in object.members.indices where !wasRead(position) {
            let read = object.members.indices.filter(wasRead).map { object.members[$0].key }
            let known = Set(read + otherKeys).sorted().joined(separator: ", ")
            throw Refusal(.unknownField, field: name(object.members[position].key), "is not a known field here (known: \(known))")
        }
    }

    // MARK: typed fields

    public mutating func string(_ key: String, maxLength: Int = 200) throws(Refusal) -> String {
        try checkedString(try value(key), key: key, maxLength: maxLength)
    }

    public mutating func optionalString(_ key: String, maxLength: Int = 200) throws(Refusal) -> String? {
        guard let value = optionalValue(key) else { return nil }
        return try checkedString(value, key: key, maxLength: maxLength)
    }

    private func checkedString(_ value: JSON, key: String, maxLength: Int) throws(Refusal) -> String {
        guard case .string(let text) = value else {
            throw Refusal(.wrongType, field: name(key), "must be text in double quotes, not \(value.kindName)")
        }
        // The usual text: not blank, no control bytes, and short enough counted in bytes.
        let plain = text.withUTF8Bytes { b in
            b.count <= maxLength && b.contains { $0 != 0x20 } && !b.contains { $0 < 0x20 || $0 == 0x7F }
        }
        if plain { return text }
        if text.unicodeScalars.allSatisfy({ $0 == " " }) {
            throw Refusal(.invalidValue, field: name(key), "must not be empty")
        }
        if text.count > maxLength {
            throw Refusal(.tooLarge, field: name(key), "is \(text.count) characters long; at most \(maxLength) are allowed")
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw Refusal(.invalidValue, field: name(key), "must not contain control characters (line breaks, tabs)")
        }
        return text
    }

    /// An identifier chosen by the treasurer (`2025-017`, `P-017`): 1–64 printable ASCII
    /// characters without spaces or `/`.
    public mutating func identifier(_ key: String) throws(Refusal) -> String {
        let text = try string(key, maxLength: 64)
        try FieldReader.checkIdentifier(text, field: name(key))
        return text
    }

    public static func checkIdentifier(_ text: String, field: @autoclosure () -> String) throws(Refusal) {
        let ok = text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }
        if !ok {
            throw Refusal(
                .invalidIdentifier, field: field(),
                "\"\(text)\" is not a valid identifier: use letters, digits and - _ . : (no spaces, no /, no å ä ö)")
        }
    }

    public mutating func bool(_ key: String, default defaultValue: Bool? = nil) throws(Refusal) -> Bool {
        guard let value = optionalValue(key) else {
            if let defaultValue { return defaultValue }
            throw Refusal(.missingField, field: name(key), "is required (true or false)")
        }
        guard case .bool(let flag) = value else {
            throw Refusal(.wrongType, field: name(key), "must be true or false, not \(value.kindName)")
        }
        return flag
    }

    /// A whole number; `allowText` also takes it in double quotes (fiscal years: `"2025"`).
    public mutating func integer(_ key: String, range: ClosedRange<Int>, allowText: Bool = false) throws(Refusal) -> Int {
        let value = try value(key)
        if case .string = value, !allowText {
            throw Refusal(.wrongType, field: name(key), "must be a whole number without quotes, not text")
        }
        return try FieldReader.checkedInteger(value, field: name(key), range: range)
    }

    public mutating func optionalInteger(_ key: String, range: ClosedRange<Int>) throws(Refusal) -> Int? {
        guard let value = optionalValue(key) else { return nil }
        if case .string = value { throw Refusal(.wrongType, field: name(key), "must be a whole number without quotes, not text") }
        return try FieldReader.checkedInteger(value, field: name(key), range: range)
    }

    static func checkedInteger(_ value: JSON, field: @autoclosure () -> String, range: ClosedRange<Int>) throws(Refusal) -> Int {
        let text: String
        switch value {
        case .number(let t): text = t
        case .string(let t): text = t
        default: throw Refusal(.wrongType, field: field(), "must be a whole number, not \(value.kindName)")
        }
        guard let number = Int(text) else {
            throw Refusal(.invalidValue, field: field(), "\"\(text)\" is not a whole number")
        }
        guard range.contains(number) else {
            throw Refusal(.invalidValue, field: field(), "\(number) is out of range: \(range.lowerBound)–\(range.upperBound)")
        }
        return number
    }

    public mutating func date(_ key: String) throws(Refusal) -> CalendarDate {
        try FieldReader.checkedDate(try value(key), field: name(key))
    }

    public static func checkedDate(_ value: JSON, field: @autoclosure () -> String) throws(Refusal) -> CalendarDate {
        guard case .string(let text) = value else {
            throw Refusal(.wrongType, field: field(), "must be a date \"YYYY-MM-DD\" in double quotes, not \(value.kindName)")
        }
        guard let date = CalendarDate(text) else {
            throw Refusal(.invalidDate, field: field(), "\"\(text)\" is not a real calendar date; write YYYY-MM-DD, e.g. 2025-03-14")
        }
        return date
    }

    /// An amount in kronor as JSON text with at most two decimals (SPEC.md §2).
    public mutating func money(_ key: String, allowNegative: Bool = false, allowZero: Bool = true) throws(Refusal) -> Money {
        try FieldReader.checkedMoney(try value(key), field: name(key), allowNegative: allowNegative, allowZero: allowZero)
    }

    public mutating func optionalMoney(_ key: String, allowZero: Bool = true) throws(Refusal) -> Money? {
        guard let value = optionalValue(key) else { return nil }
        return try FieldReader.checkedMoney(value, field: name(key), allowNegative: false, allowZero: allowZero)
    }

    public static func checkedMoney(_ value: JSON, field: @autoclosure () -> String, allowNegative: Bool, allowZero: Bool) throws(Refusal) -> Money {
        guard case .string(let text) = value else {
            throw Refusal(
                .wrongType, field: field(),
                "must be an amount in double quotes, e.g. \"12500.00\", not \(value.kindName) (amounts are never floating point)")
        }
        switch Money.parse(text) {
        case .failure(.tooManyDecimals):
            throw Refusal(.invalidAmount, field: field(), "\"\(text)\" has more than two decimals (öre)")
        case .failure(.tooLarge):
            throw Refusal(.amountTooLarge, field: field(), "\"\(text)\" is over the limit of 1 000 000 000 000,00 kr")
        case .failure(.notANumber):
            throw Refusal(.invalidAmount, field: field(), "\"\(text)\" is not an amount; write kronor like \"12500\" or \"12500.50\"")
        case .success(let money):
            if money.isNegative && !allowNegative {
                throw Refusal(.negativeAmount, field: field(), "\(money.swedish) kr is negative; amounts here must be zero or more")
            }
            if money.isZero && !allowZero {
                throw Refusal(.invalidAmount, field: field(), "must be more than 0,00 kr")
            }
            return money
        }
    }

    public mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(Refusal) -> E
    where E.RawValue == String {
        try FieldReader.checkedChoice(try value(key), field: name(key), type)
    }

    public mutating func optionalChoice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(Refusal) -> E?
    where E.RawValue == String {
        guard let value = optionalValue(key) else { return nil }
        return try FieldReader.checkedChoice(value, field: name(key), type)
    }

    static func checkedChoice<E: RawRepresentable & CaseIterable>(_ value: JSON, field: @autoclosure () -> String, _ type: E.Type) throws(Refusal) -> E
    where E.RawValue == String {
        var allowed: String { E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") }
        guard case .string(let text) = value else {
            throw Refusal(.wrongType, field: field(), "must be one of \(allowed), not \(value.kindName)")
        }
        guard let choice = E(rawValue: text) else {
            throw Refusal(.invalidValue, field: field(), "\"\(text)\" is not allowed; use one of \(allowed)")
        }
        return choice
    }

    /// A BAS account: four digits, 1000–8999.
    public mutating func account(_ key: String) throws(Refusal) -> Account {
        try FieldReader.checkedAccount(try value(key), field: name(key))
    }

    public mutating func optionalAccount(_ key: String) throws(Refusal) -> Account? {
        guard let value = optionalValue(key) else { return nil }
        return try FieldReader.checkedAccount(value, field: name(key))
    }

    static func checkedAccount(_ value: JSON, field: @autoclosure () -> String) throws(Refusal) -> Account {
        let text: String
        switch value {
        case .string(let t): text = t
        case .number(let t): text = t
        default: throw Refusal(.wrongType, field: field(), "must be a four-digit BAS account such as \"1930\", not \(value.kindName)")
        }
        guard text.utf8.count == 4, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let number = Int(text),
            (1000...8999).contains(number)
        else {
            throw Refusal(.invalidAccount, field: field(), "\"\(text)\" is not a BAS account; use four digits 1000–8999, e.g. \"1930\"")
        }
        return Account(number)
    }

    /// A list of objects, each read by `element`.
    public mutating func list<T>(
        _ key: String, minCount: Int = 1, maxCount: Int = 1000,
        _ element: (inout FieldReader) throws(Refusal) -> T
    ) throws(Refusal) -> [T] {
        try checkedList(try value(key), key: key, minCount: minCount, maxCount: maxCount, element)
    }

    public mutating func optionalList<T>(
        _ key: String, minCount: Int = 1, maxCount: Int = 1000,
        _ element: (inout FieldReader) throws(Refusal) -> T
    ) throws(Refusal) -> [T]? {
        guard let value = optionalValue(key) else { return nil }
        return try checkedList(value, key: key, minCount: minCount, maxCount: maxCount, element)
    }

    private func checkedList<T>(
        _ value: JSON, key: String, minCount: Int, maxCount: Int,
        _ element: (inout FieldReader) throws(Refusal) -> T
    ) throws(Refusal) -> [T] {
        guard case .array(let items) = value else {
            throw Refusal(.wrongType, field: name(key), "must be a list [ … ], not \(value.kindName)")
        }
        guard items.count >= minCount else {
            throw Refusal(.missingField, field: name(key), "needs at least \(minCount) entr\(minCount == 1 ? "y" : "ies")")
        }
        guard items.count <= maxCount else {
            throw Refusal(.tooLarge, field: name(key), "has \(items.count) entries; at most \(maxCount) are allowed")
        }
        var result = [T]()
        result.reserveCapacity(items.count)
        let listPath = name(key)
        for (index, item) in items.enumerated() {
            var reader = try FieldReader.object(item, parentPath: listPath, listPosition: index + 1)
            result.append(try element(&reader))
            try reader.finish()
        }
        return result
    }
}

/// A four-digit BAS account number.
public struct Account: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let number: Int
    public init(_ number: Int) { self.number = number }
    public static func < (lhs: Account, rhs: Account) -> Bool { lhs.number < rhs.number }
    public var description: String { String(number) }
    /// Classes 1–2 are balance accounts; 3–8 result accounts.
    public var isBalance: Bool { number < 3000 }
    public var isRevenue: Bool { number >= 3000 && number < 4000 }
}
