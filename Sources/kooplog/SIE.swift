import ArgumentParser
import Foundation
import KooplogSIE

struct SIE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sie",
        abstract: "SIE 4, the format Swedish accounting programs and auditors exchange books in.",
        discussion: """
            Examples:
            Export a year:  kooplog export --format sie4 --org 556677-8899 --year 2025 --output 2025.se
            Import a year:  kooplog import --format sie4 2024.se --org 556677-8899
            Check any file: kooplog sie check 2024.se
            """,
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check a SIE 4 file: encoding, record order, mandatory records, braces, balanced verifikationer, series, balances, accounts, #ORGNR, #KSUMMA.",
            discussion: "Each problem is reported with its line number. Exit 0 when the file checks, 1 when it does not. Example: kooplog sie check 2024.se")

        @Argument(help: "The SIE file.") var file: String

        func run() throws {
            var problems = 0
            try runMapped {
                let doc = SIEReader.read(try readInput(file))
                problems = doc.problems.count
                for problem in doc.problems { print("\(file): \(problem)") }
                if doc.isValid {
                    print(
                        "\(file): checks: SIE 4\(doc.hasBalances ? "E" : "I"), \(doc.name ?? "") \(doc.orgNumber ?? ""), \(doc.accounts.count) accounts, \(doc.verifikations.count) verifikationer"
                    )
                } else {
                    print("\(file): \(problems) problem\(problems == 1 ? "" : "s")")
                }
            }
            if problems > 0 { throw ExitCode(Exit.discrepancy) }
        }
    }
}
