import Foundation
import KooplogDomain
import KooplogEngine
import KooplogStore
import KooplogTestSupport
import Testing

/// Makes a ledger with the car wash registered, through the CLI.
func makeLedger(_ directory: TemporaryDirectory) throws -> String {
    let path = directory.file("ledger")
    #expect(try kooplog(["init", "--ledger", path]).status == 0)
    let registered = try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson([Fixtures.registered()]))
    #expect(registered.status == 0, "\(registered.stderr)")
    return path
}

/// Checks the chain and that every expected id is present exactly once.
func checkLedger(_ path: String, ids: Set<String>) throws -> UInt64 {
    let ledger = try Ledger.open(at: path)
    let chain = try ledger.checkChain()
    #expect(chain.firstBad == nil, "chain broken: \(String(describing: chain.firstBad))")
    var seen: [String: Int] = [:]
    var expectedSeq: UInt64 = 1
    try ledger.forEachEvent { event in
        #expect(event.seq == expectedSeq, "sequence gap")
        expectedSeq += 1
        if let id = event.recorded.event.id { seen[id, default: 0] += 1 }
        return true
    }
    for id in ids { #expect(seen[id] == 1, "id \(id) seen \(seen[id] ?? 0) times") }
    #expect(seen.values.allSatisfy { $0 == 1 })
    return chain.head.seq
}

@Suite("Crash safety and concurrent writers", .serialized)
struct CrashAndConcurrencyTests {
    @Test("a writer killed with SIGKILL at random moments, 25 times, never loses a committed event or breaks the chain")
    func killedWriter() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        var acknowledged = Set<String>()
        var generator = SystemRandomNumberGenerator()
        for round in 0..<25 {
            let (process, started) = try startTorture(["append-loop", path, "r\(round)", "100000", Fixtures.carWash])
            let pipe = started!
            // Wait for its first commit (so the test does not depend on the machine's speed), then
            // kill it at a random moment while it keeps appending.
            let first = pipe.fileHandleForReading.availableData
            usleep(UInt32.random(in: 0...40_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let output = String(decoding: first + pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            for line in output.split(separator: "\n") where line.hasPrefix("ok ") {
                acknowledged.insert(String(line.split(separator: " ")[1]))
            }
            _ = try checkLedger(path, ids: acknowledged)
        }
        #expect(acknowledged.count >= 25, "every round commits at least once before the kill")
        let verify = try kooplog(["verify", "--ledger", path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test("two writer processes appending at once: every event present exactly once, chain intact")
    func concurrentWriters() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let count = 300
        var processes: [Process] = []
        for name in ["a", "b"] {
            processes.append(try startTorture(["append-loop", path, name, String(count), Fixtures.carWash], captureOutput: false).process)
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let ids = Set((1...count).flatMap { ["a-\($0)", "b-\($0)"] })
        let head = try checkLedger(path, ids: ids)
        #expect(head == UInt64(1 + 2 * count))
    }
}
