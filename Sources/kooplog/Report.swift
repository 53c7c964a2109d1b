import ArgumentParser
import KooplogDomain
import KooplogEngine
import KooplogReports
import KooplogStore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a report: \(ReportName.allCases.map(\.rawValue).joined(separator: ", ")).",
        discussion: """
            Every JSON report carries asOf {seq, hash}: the log position it reflects. Save it and hand it to the auditor.
            Examples:
              kooplog report income --org 556677-8899 --year 2024
              kooplog report balance --org 556677-8899 --as-of 2024-12-31 --format json > balans-2024.json
              kooplog report headcount --org all --year 2025 --format csv
            """)

    @OptionGroup var ledger: LedgerOption
    @Argument(help: "The report.") var name: String
    @Option(help: "The organisation (needed when the ledger holds several), or all.") var org: String?
    @Option(help: "The fiscal year by its start year (default: the year of the report date).") var year: Int?
    @Option(name: .customLong("as-of"), help: "Only facts dated up to this date YYYY-MM-DD (default: all).") var asOf: String?
    @Option(help: "text, json or csv.") var format: OutputFormat = .text
    @Option(help: "Sign the JSON report with this private key (see kooplog keys generate).") var sign: String?

    func validate() throws {
        guard ReportName(rawValue: name) != nil else {
            throw ValidationError("unknown report \(name); reports: \(ReportName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let org, org != "all", case .failure = OrgNumber.parse(org) {
            throw ValidationError("--org \(org) is not an organisation number NNNNNN-NNNN with a valid check digit")
        }
        if let asOf, CalendarDate(asOf) == nil { throw ValidationError("--as-of \(asOf) is not a real date YYYY-MM-DD") }
        if let year, !(1900...2199).contains(year) { throw ValidationError("--year \(year) is not a year") }
        if sign != nil && format != .json { throw ValidationError("--sign signs the JSON report: add --format json") }
    }

    func run() throws {
        try runMapped(format: format) {
            let opened = try ledger.open()
            var request = ReportRequest(name: ReportName(rawValue: name)!, year: year, asOf: asOf.flatMap { CalendarDate($0) })
            var report: JSON
            if org == "all" {
                report = try opened.reportAll(request)
            } else {
                request.org = try org.map { try OrgNumber.parse($0).get() }
                report = try opened.report(request)
            }
            if let sign { report = try ReportSignature.sign(report, privateKey: try ReportSignature.loadPrivateKey(sign)) }
            print(render(report))
        }
    }

    func render(_ report: JSON) -> String {
        let parts = report.objectValue?["orgs"]?.arrayValue ?? [report]
        switch format {
        case .json: return JSONWriter.pretty(report)
        case .csv: return parts.map(ReportText.csv).joined(separator: "\n")
        case .text: return parts.map(ReportText.text).joined(separator: "\n\n")
        }
    }
}
