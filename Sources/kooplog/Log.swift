import ArgumentParser
import KooplogDomain
import KooplogEngine
import KooplogStore

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored events.",
        discussion: "Example: kooplog log --org 769629-1231 --type invoice.paid --format json")

    @OptionGroup var ledger: LedgerOption
    @Option(help: "First seq.") var from: UInt64 = 1
    @Option(help: "Last seq.") var to: UInt64 = .max
    @Option(help: "Only this organisation.") var org: String?
    @Option(help: "Only this event type.") var type: String?
    @Option(help: "text, or json (NDJSON of stored envelopes).") var format: OutputFormat = .text

    func validate() throws {
        if let org, case .failure = OrgNumber.parse(org) {
            throw ValidationError("--org \(org) is not an organisation number NNNNNN-NNNN with a valid check digit")
        }
        if let type, !EventCatalogue.types.contains(type) {
            throw ValidationError("--type \(type) is not an event type")
        }
    }

    func run() throws {
        try runMapped(format: format) {
            let opened = try ledger.open()
            let orgNumber = try org.map { try OrgNumber.parse($0).get() }
            var out = Output()
            try opened.forEachEvent(EventFilter(from: from, to: to, org: orgNumber, type: type)) { stored in
                if format == .json {
                    out.bytes(JSONWriter.canonical(stored.envelope))
                } else {
                    let e = stored.recorded.event
                    let id = e.id.map { "  id \($0)" } ?? ""
                    out.line("\(stored.seq)\t\(e.date)\t\(e.org)\t\(e.type)\(id)\t\(JSONWriter.canonicalString(.object(e.body.fields)))")
                }
                return true
            }
            out.flush()
        }
    }
}
