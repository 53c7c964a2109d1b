/// Why an event is refused. Codes are stable (they appear in `--format json` and in scripts);
/// add new ones, never rename or renumber.
public enum RefusalCode: String, Sendable, CaseIterable {
    case malformedJSON = "malformed-json"
    case notAnObject = "not-an-object"
    case unknownType = "unknown-type"
    case missingField = "missing-field"
    case unknownField = "unknown-field"
    case wrongType = "wrong-type"
    case invalidValue = "invalid-value"
    case invalidDate = "invalid-date"
    case invalidAmount = "invalid-amount"
    case negativeAmount = "negative-amount"
    case amountTooLarge = "amount-too-large"
    case invalidOrgNumber = "invalid-org-number"
    case invalidIdentifier = "invalid-identifier"
    case orgNotRegistered = "org-not-registered"
    case orgAlreadyRegistered = "org-already-registered"
    case fiscalYearClosed = "fiscal-year-closed"
    case fiscalYearNotEnded = "fiscal-year-not-ended"
    case unknownReference = "unknown-reference"
    case duplicateIdentifier = "duplicate-identifier"
    case paymentExceedsOutstanding = "payment-exceeds-outstanding"
    case unbalancedEntry = "unbalanced-entry"
    case invalidAccount = "invalid-account"
    case alreadyReversed = "already-reversed"
    case notReversible = "not-reversible"
    case allocationMismatch = "allocation-mismatch"
    case conflict = "conflict"
    case tooLarge = "too-large"
    case personalData = "personal-data"
}

/// A refused event: which rule, which field, and what to fix, in plain words.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: RefusalCode
    /// The field concerned, as a path (`data.lines[2].amount`), when there is one.
    public let field: String?
    /// What is wrong and what is allowed.
    public let message: String
    /// Where the event stands in the input; set by whoever knows it.
    public var position: EventPosition?

    public init(_ code: RefusalCode, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public func at(_ position: EventPosition) -> Refusal {
        var copy = self
        copy.position = position
        return copy
    }

    /// `line 3 (invoice.paid, id bank-0007): data.amount: 15 000,00 kr exceeds …`
    public var description: String {
        var text = ""
        if let position { text += position.description + ": " }
        if let field { text += field + ": " }
        return text + message
    }

    public var json: JSON {
        var object = JSONObject([("code", .string(code.rawValue)), ("message", .string(message))])
        if let field { object["field"] = .string(field) }
        if let position {
            object["event"] = .number(String(position.index))
            if let line = position.line { object["line"] = .number(String(line)) }
            if let type = position.type { object["type"] = .string(type) }
            if let id = position.id { object["id"] = .string(id) }
        }
        return .object(object)
    }
}

/// Where an event is in the input: its 1-based position, the line it starts on, its type and id.
public struct EventPosition: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let line: Int?
    public let type: String?
    public let id: String?

    public init(index: Int, line: Int? = nil, type: String? = nil, id: String? = nil) {
        self.index = index
        self.line = line
        self.type = type
        self.id = id
    }

    public var description: String {
        var text = line.map { "line \($0)" } ?? "event \(index)"
        if line != nil, index > 1 || line != 1 { text += " (event \(index)" } else { text += " (" }
        var inner: [String] = []
        if let type { inner.append(type) }
        if let id { inner.append("id \(id)") }
        if text.hasSuffix("(") {
            if inner.isEmpty { return String(text.dropLast(2)) }
            return text + inner.joined(separator: ", ") + ")"
        }
        return text + (inner.isEmpty ? ")" : ", " + inner.joined(separator: ", ") + ")")
    }
}
