import ArgumentParser
import KooplogDomain
import KooplogEngine
import KooplogStore

struct Record: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record one event without writing JSON: kooplog record TYPE --org … --date … --FIELD VALUE …",
        discussion: """
            Each --FIELD VALUE becomes a field of the event's data. Amounts may be typed as 12500, 12500.50 or
            "12 500,50". Lists (lines, seats, …) are given as JSON. Examples:
              kooplog record invoice.paid --org 769629-1231 --date 2025-03-14 --invoice 2025-017 --amount 12500
              kooplog record placement.started --org 769629-1231 --date 2025-04-01 --person P-017 --form work-training --extent 50 --targetGroup true
              kooplog record invoice.issued --org 769629-1231 --date 2025-03-01 --invoice 2025-018 --customer "Kommunen" \\
                --customerKind public --due 2025-03-31 --lines '[{"text":"Biltvätt","amount":"4000","vat":25}]'
            """)

    @OptionGroup var ledger: LedgerOption
    @Argument(help: "The event type, e.g. invoice.paid.") var type: String
    @Option(help: "The organisation number NNNNNN-NNNN.") var org: String
    @Option(help: "The business date YYYY-MM-DD.") var date: String
    @Option(help: "An idempotency key.") var id: String?
    @Option(help: "Who records (default: $KOOPLOG_ACTOR, else the login name).") var actor: String?
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Flag(name: .customLong("dry-run"), help: "Check the event and show it; store nothing.") var dryRun = false
    @Argument(parsing: .allUnrecognized, help: "--FIELD VALUE pairs for the event's data.") var fields: [String] = []

    func run() throws {
        try runMapped(format: format) {
            let data = try RecordFields.data(type: type, arguments: fields)
            var envelope = JSONObject([("type", .string(type)), ("org", .string(org)), ("date", .string(date)), ("data", .object(data))])
            if let id { envelope["id"] = .string(id) }
            let opened = try ledger.open()
            let results = try opened.append([InputItem(.object(envelope))], options: AppendOptions(actor: resolveActor(actor), dryRun: dryRun))
            if dryRun && format == .text {
                var out = Output()
                out.line(JSONWriter.pretty(.object(envelope)))
                out.flush()
            }
            printResults(results, format: format, dryRun: dryRun)
        }
    }
}

/// Turns `--field value` pairs into an event's data, forgiving the way people type amounts.
enum RecordFields {
    static let moneyFields: Set<String> = [
        "amount", "contribution", "refund", "gross", "taxWithheld", "employerFees", "budget", "reserveFund", "retained", "dividend",
    ]
    static let integerFields: Set<String> = ["extent", "seq", "vat"]
    static let boolFields: Set<String> = ["targetGroup", "vatRegistered"]

    static func data(type: String, arguments: [String]) throws(Refusal) -> JSONObject {
        var data = JSONObject()
        var index = 0
        while index < arguments.count {
            let flag = arguments[index]
            guard flag.hasPrefix("--"), flag.count > 2 else {
                throw Refusal(.invalidValue, field: flag, "expected --FIELD VALUE; \"\(flag)\" is not a --FIELD")
            }
            var name = String(flag.dropFirst(2))
            var value: String
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
                index += 1
            } else {
                guard index + 1 < arguments.count else { throw Refusal(.missingField, field: "data.\(name)", "--\(name) needs a value") }
                value = arguments[index + 1]
                index += 2
            }
            if data[name] != nil { throw Refusal(.invalidValue, field: "data.\(name)", "is given twice") }
            data[name] = try convert(name: name, value: value)
        }
        return data
    }

    static func convert(name: String, value: String) throws(Refusal) -> JSON {
        if value.hasPrefix("[") || value.hasPrefix("{") {
            do {
                return try JSONParser.parse(value)
            } catch {
                throw Refusal(.malformedJSON, field: "data.\(name)", "is not valid JSON: \(error)")
            }
        }
        if moneyFields.contains(name) {
            switch Money.parseLenient(value) {
            case .success(let money): return .string(money.canonical)
            case .failure: return .string(value)  // the decoder explains what is wrong
            }
        }
        if integerFields.contains(name), Int(value) != nil { return .number(value) }
        if boolFields.contains(name) {
            switch value.lowercased() {
            case "true", "yes", "ja": return .bool(true)
            case "false", "no", "nej": return .bool(false)
            default: return .string(value)
            }
        }
        return .string(value)
    }
}
