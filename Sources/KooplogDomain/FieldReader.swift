/// Reads the fields of one JSON object for a decoder: each field read once, types and ranges
/// checked, unknown fields refused at `finish()`. Every refusal names the field's path. Reading a
/// valid object allocates nothing of its own: the fields read are bits, and paths are written
/// only when a refusal needs one.
public struct FieldReader {
    private let object: JSONValue
    private let parentPath: String
    /// The position in a list (1-based) this object has, or 0.
    private let listPosition: Int
    /// Members read so far, by position (objects have a handful of fields).
    private var readMembers: UInt64 = 0
    /// Keys asked for but absent, and read members past the 64th: only for messages.
    private var otherKeys: [String] = []

    private init(_ object: JSONValue, parentPath: String, listPosition: Int) {
        self.object = object
        self.parentPath = parentPath
        self.listPosition = listPosition
    }

    public static func object(_ value: JSONValue, path: String) throws(Refusal) -> FieldReader {
        try object(value, parentPath: path, listPosition: 0)
    }

    private static func object(_ value: JSONValue, parentPath: String, listPosition: Int) throws(Refusal) -> FieldReader {
        guard value.kind == .object else {
            throw Refusal(.wrongType, field: path(parentPath, listPosition), "must be an object {…}, not \(value.kindName)")
        }
        return FieldReader(value, parentPath: parentPath, listPosition: listPosition)
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

    public func has(_ key: String) -> Bool { object.member(key) != nil }

    // MARK: raw access

    public mutating func optionalValue(_ key: String) -> JSONValue? {
        guard let (position, value) = object.member(key) else {
            if !otherKeys.contains(key) { otherKeys.append(key) }
            return nil
        }
        if position < 64 {
            readMembers |= 1 << UInt64(position)
        } else if !otherKeys.contains(key) {
            otherKeys.append(key)
        }
        return value.isNull ? nil : value
    }

    public mutating func value(_ key: String) throws(Refusal) -> JSONValue {
        guard let value = optionalValue(key) else {
            throw Refusal(.missingField, field: name(key), "is required")
        }
        return value
    }

    /// Refuses fields that no decoder read.
    public func finish() throws(Refusal) {
        let count = object.count
        if count < 64 && readMembers == (1 << UInt64(count)) - 1 { return }
        var unread: String?
        var read: [String] = []
        try object.forEachMember { (position, key, _) throws(Refusal) in
            let wasRead = position < 64 ? readMembers & (1 << UInt64(position)) != 0 : otherKeys.contains(key.text)
            if wasRead {
                read.append(key.text)
            } else if unread == nil {
                unread = key.text
            }
            return true
        }
        if let unread {
            let known = Set(read + otherKeys).sorted().joined(separator: ", ")
            throw Refusal(.unknownField, field: name(unread), "is not a known field here (known: \(known))")
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

    private func checkedString(_ value: JSONValue, key: String, maxLength: Int) throws(Refusal) -> String {
        guard value.kind == .string else {
            throw Refusal(.wrongType, field: name(key), "must be text in double quotes, not \(value.kindName)")
        }
        // The usual text: not blank, no control bytes, and short enough counted in bytes.
        let b = value.bytes
        let text = value.text
        if b.count <= maxLength && b.contains(where: { $0 != 0x20 }) && !b.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return text }
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
        guard let flag = value.boolValue else {
            throw Refusal(.wrongType, field: name(key), "must be true or false, not \(value.kindName)")
        }
        return flag
    }

    /// A whole number; `allowText` also takes it in double quotes (fiscal years: `"2025"`).
    public mutating func integer(_ key: String, range: ClosedRange<Int>, allowText: Bool = false) throws(Refusal) -> Int {
        let value = try value(key)
        if value.kind == .string, !allowText {
            throw Refusal(.wrongType, field: name(key), "must be a whole number without quotes, not text")
        }
        return try FieldReader.checkedInteger(value, field: name(key), range: range)
    }

    public mutating func optionalInteger(_ key: String, range: ClosedRange<Int>) throws(Refusal) -> Int? {
        guard let value = optionalValue(key) else { return nil }
        if value.kind == .string { throw Refusal(.wrongType, field: name(key), "must be a whole number without quotes, not text") }
        return try FieldReader.checkedInteger(value, field: name(key), range: range)
    }

    static func checkedInteger(_ value: JSONValue, field: @autoclosure () -> String, range: ClosedRange<Int>) throws(Refusal) -> Int {
        guard value.kind == .number || value.kind == .string else {
            throw Refusal(.wrongType, field: field(), "must be a whole number, not \(value.kindName)")
        }
        guard let number = wholeNumber(value.bytes) else {
            throw Refusal(.invalidValue, field: field(), "\"\(value.text)\" is not a whole number")
        }
        guard range.contains(number) else {
            throw Refusal(.invalidValue, field: field(), "\(number) is out of range: \(range.lowerBound)–\(range.upperBound)")
        }
        return number
    }

    public mutating func date(_ key: String) throws(Refusal) -> CalendarDate {
        try FieldReader.checkedDate(try value(key), field: name(key))
    }

    public static func checkedDate(_ value: JSONValue, field: @autoclosure () -> String) throws(Refusal) -> CalendarDate {
        guard value.kind == .string else {
            throw Refusal(.wrongType, field: field(), "must be a date \"YYYY-MM-DD\" in double quotes, not \(value.kindName)")
        }
        guard let date = CalendarDate.parse(value.bytes) else {
            throw Refusal(.invalidDate, field: field(), "\"\(value.text)\" is not a real calendar date; write YYYY-MM-DD, e.g. 2025-03-14")
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

    public static func checkedMoney(_ value: JSONValue, field: @autoclosure () -> String, allowNegative: Bool, allowZero: Bool) throws(Refusal) -> Money {
        guard value.kind == .string else {
            throw Refusal(
                .wrongType, field: field(),
                "must be an amount in double quotes, e.g. \"12500.00\", not \(value.kindName) (amounts are never floating point)")
        }
        var text: String { value.text }
        switch Money.parse(value.bytes) {
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

    static func checkedChoice<E: RawRepresentable & CaseIterable>(_ value: JSONValue, field: @autoclosure () -> String, _ type: E.Type) throws(Refusal) -> E
    where E.RawValue == String {
        var allowed: String { E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") }
        guard let text = value.stringValue else {
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

    static func checkedAccount(_ value: JSONValue, field: @autoclosure () -> String) throws(Refusal) -> Account {
        guard value.kind == .string || value.kind == .number else {
            throw Refusal(.wrongType, field: field(), "must be a four-digit BAS account such as \"1930\", not \(value.kindName)")
        }
        let digits = value.bytes
        guard digits.count == 4, let number = wholeNumber(digits), (1000...8999).contains(number) else {
            throw Refusal(.invalidAccount, field: field(), "\"\(value.text)\" is not a BAS account; use four digits 1000–8999, e.g. \"1930\"")
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
        _ value: JSONValue, key: String, minCount: Int, maxCount: Int,
        _ element: (inout FieldReader) throws(Refusal) -> T
    ) throws(Refusal) -> [T] {
        guard value.kind == .array else {
            throw Refusal(.wrongType, field: name(key), "must be a list [ … ], not \(value.kindName)")
        }
        let items = value.items
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

extension FieldReader {
    /// The value of `[+-]?[0-9]+` as `Int(_:)` reads it, without a string; nil otherwise.
    static func wholeNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count else { return nil }
        var value = 0
        while index < bytes.count {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(Int(digit)) : times.addingReportingOverflow(Int(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return value
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
