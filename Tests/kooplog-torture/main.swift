// A helper for the crash and concurrency tests: appends events one transaction at a time and
// prints each committed seq, or holds the writer lock. Not part of the product.
import Foundation
import KooplogDomain
import KooplogEngine
import KooplogStore

/// Unbuffered: the parent reads each line as soon as the commit is done.
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: kooplog-torture append-loop DIR PREFIX COUNT ORG | hold DIR SECONDS\n".utf8))
    exit(64)
}
let directory = arguments[2]
do {
    let ledger = try Ledger.open(at: directory)
    switch arguments[1] {
    case "append-loop":
        let prefix = arguments[3]
        let count = Int(arguments[4])!
        let org = arguments[5]
        let date = arguments.count > 6 ? arguments[6] : "2025-03-01"
        for index in 1...count {
            let event: JSON = [
                "type": "journal.entry", "org": .string(org), "date": .string(date), "id": .string("\(prefix)-\(index)"),
                "data": [
                    "text": .string("torture \(prefix) \(index)"), "lines": [["account": "1930", "debit": "1.00"], ["account": "3004", "credit": "1.00"]],
                ],
            ]
            let results = try ledger.append([InputItem(event)], options: AppendOptions(actor: "torture"))
            say("ok \(prefix)-\(index) \(results[0].seq)")
        }
    case "hold":
        let seconds = UInt32(arguments[3])!
        try ledger.environment.write { _ in
            say("holding")
            sleep(seconds)
        }
    default:
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("torture: \(error)\n".utf8))
    exit(74)
}
