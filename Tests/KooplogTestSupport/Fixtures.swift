public import KooplogDomain
@_exported import KooplogSynthetic
import Testing

/// Example events for tests. Organisation numbers have valid Luhn digits.
public enum Fixtures {
    /// A car-wash ASF (calendar fiscal year).
    public static let carWash = "769629-1231"
    /// A social cooperative with a broken fiscal year starting 1 July.
    public static let cooperative = "716431-0059"

    public static func event(_ type: String, org: String = carWash, date: String, id: String? = nil, data: JSON) -> JSON {
        var object = JSONObject([("type", .string(type)), ("org", .string(org)), ("date", .string(date)), ("data", data)])
        if let id { object["id"] = .string(id) }
        return .object(object)
    }

    public static func registered(org: String = carWash, date: String = "2024-01-01", start: String = "01-01") -> JSON {
        event("org.registered", org: org, date: date, data: ["name": "Tvätten ek. för.", "fiscalYearStart": .string(start)])
    }

    /// A balanced journal entry of `amount` kronor (bank against sales), carrying `text`.
    public static func journal(
        org: String = carWash, date: String = "2025-03-01", id: String? = nil, amount: String = "100.00", text: String = "Kontantförsäljning"
    ) -> JSON {
        event(
            "journal.entry", org: org, date: date, id: id,
            data: [
                "text": .string(text),
                "lines": [["account": "1930", "debit": .string(amount)], ["account": "3004", "credit": .string(amount)]],
            ])
    }

    public static func ndjson(_ events: [JSON]) -> String {
        events.map(JSONWriter.canonicalString).joined(separator: "\n") + "\n"
    }
}

/// The refusal `body` throws; nil, and an issue recorded, when it throws anything else or nothing.
public func refusal<T>(of body: () throws -> T) -> Refusal? {
    do {
        _ = try body()
        return nil
    } catch let refusal as Refusal {
        return refusal
    } catch {
        Issue.record("not a refusal: \(error)")
        return nil
    }
}
