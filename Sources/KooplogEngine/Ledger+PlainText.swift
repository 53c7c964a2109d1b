import Foundation
public import KooplogDomain
import KooplogProjections
import KooplogReports
import KooplogStore

/// Plain-text accounting journals of the finance postings.
public enum PlainTextFormat: String, Sendable, CaseIterable {
    /// ledger-cli and hledger.
    case ledger
    /// beancount.
    case beancount
}

extension Ledger {
    /// Writes every verifikation (of one organisation, or all) as a plain-text journal, in
    /// registration order, so ledger-cli, hledger or beancount report on exactly these books.
    /// Accounts are named by BAS class: `Assets:1930`, `Liabilities:2440`, `Equity:2099`,
    /// `Income:3001`, `Expenses:7010` (with the organisation number after the class when all
    /// organisations are exported).
    public func exportPlainText(_ format: PlainTextFormat, org: OrgNumber?, _ write: ([UInt8]) throws -> Void) throws {
        let prefixOrg = org == nil
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        func emit(_ text: String) throws {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 20 {
                try write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if format == .beancount {
            // beancount wants every account opened before use: a first pass collects them.
            var accounts = Set<String>()
            var firstDate = "2100-01-01"
            try forEachVerifikation(org: org) { orgNumber, v in
                for p in v.postings { accounts.insert(Self.accountName(p.account, org: prefixOrg ? orgNumber : nil)) }
                firstDate = min(firstDate, v.date.description)
            }
            try emit("option \"title\" \"Kooplog export\"\noption \"operating_currency\" \"SEK\"\n\n")
            for account in accounts.sorted() { try emit("\(firstDate) open \(account) SEK\n") }
            try emit("\n")
        } else {
            try emit("; Kooplog export: every verifikation, in registration order\n\n")
        }
        try forEachVerifikation(org: org) { orgNumber, v in
            let text = v.text.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\n", with: " ")
            let number = "A\(v.number)" + (prefixOrg ? " \(orgNumber.text)" : "")
            switch format {
            case .ledger: try emit("\(v.date) * (\(number)) \(text)\n    ; seq: \(v.seq)\n")
            case .beancount: try emit("\(v.date) * \"\(number)\" \"\(text)\"\n  seq: \"\(v.seq)\"\n")
            }
            for p in v.postings {
                let account = Self.accountName(p.account, org: prefixOrg ? orgNumber : nil)
                try emit("\(format == .ledger ? "    " : "  ")\(account)  \(Money(ore: p.ore).canonical) SEK\n")
            }
            try emit("\n")
        }
        if !buffer.isEmpty { try write(buffer) }
    }

    static func accountName(_ account: Int, org: OrgNumber?) -> String {
        let root: String =
            switch account {
            case ..<2000: "Assets"
            case ..<2100: "Equity"
            case ..<3000: "Liabilities"
            case ..<4000: "Income"
            default: "Expenses"
            }
        return org.map { "\(root):\($0.text):\(account)" } ?? "\(root):\(account)"
    }

    /// Replays the finance fold over the log (one organisation's stream, or all), calling `body`
    /// with each verifikation in registration order. Returns the final finance states by organisation.
    @discardableResult
    func forEachVerifikation(org: OrgNumber?, _ body: (OrgNumber, Verifikation) throws -> Void) throws -> [String: FinanceState] {
        var states: [String: FinanceState] = [:]
        let context = LedgerFoldContext(ledger: self)
        try forEachEvent(EventFilter(org: org)) { stored in
            let event = stored.recorded.event
            var state = states.removeValue(forKey: event.org.text) ?? FinanceState()
            defer { states[event.org.text] = state }
            if let v = try FinanceProjection.verifikation(stored.recorded, state: &state, context: context) { try body(event.org, v) }
            return true
        }
        return states
    }
}
