// Kooplog's storage benchmark: batch append, durable single-append latency, chain scan, peak memory,
// bytes on disk, for ledgers of the sizes asked. Prints one JSON object per size and a table.
// Run through Tools/bench (release build). Reference points (raw LMDB in C on this 2-core machine,
// 200-byte records): 2.3 M records/s batch, 0.26 ms durable commit p50, 11 M records/s scan,
// 1.6 M records/s scan with SHA-256 chain.
import Foundation
import KooplogDomain
import KooplogEngine
import KooplogProjections
import KooplogStore
import KooplogSynthetic

struct Figures {
    var size = 0
    var storeBatchPerSecond = 0.0
    var engineBatchPerSecond = 0.0
    var singleAppendP50Milliseconds = 0.0
    var singleAppendP99Milliseconds = 0.0
    var chainScanPerSecond = 0.0
    var verifyPerSecond = 0.0
    var bytesPerEvent = 0.0
    var peakRSSMebibytes = 0.0
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    var start = timespec()
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    try body()
    clock_gettime(CLOCK_MONOTONIC, &end)
    return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
}

func peakRSSMebibytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func temporaryDirectory() -> String {
    var template = Array((NSTemporaryDirectory() + "/kooplog-bench-XXXXXX").utf8CString)
    _ = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

let org = "769629-1231"

func journal(_ index: Int) -> Event {
    let json: JSON = [
        "type": "journal.entry", "org": .string(org), "date": "2025-03-01",
        "data": [
            "text": .string("Kontantförsäljning \(index)"),
            "lines": [["account": "1930", "debit": "125.00"], ["account": "3001", "credit": "100.00"], ["account": "2611", "credit": "25.00"]],
        ],
    ]
    return try! Event.decode(json)
}

func run(size: Int) throws -> Figures {
    var figures = Figures()
    figures.size = size
    let batch = 10_000

    // Store level: raw 200-byte payloads, 10 000 per durable transaction.
    do {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }  // best effort clean-up
        let environment = try Environment(directory: directory + "/l", databases: EventLog.databases, mode: .create)
        let log = EventLog(environment: environment)
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 200 - RecordFormat.payloadOffset)
        let elapsed = try seconds {
            var done = 0
            while done < size {
                let count = min(batch, size - done)
                try environment.write { txn in
                    var head = try log.head(txn)
                    var appended = AppendBatch()
                    for _ in 0..<count { head = try log.append(PendingRecord(payload: payload), after: head, &txn, batch: &appended) }
                    try log.finish(appended, head: head, &txn)
                }
                done += count
            }
        }
        figures.storeBatchPerSecond = Double(size) / elapsed
        var checked: UInt64 = 0
        let scan = try seconds { checked = try log.checkChain(in: environment).records }
        precondition(checked == UInt64(size))
        figures.chainScanPerSecond = Double(size) / scan
    }

    // Engine level: real events (journal entries) decoded, checked against the rules, chained.
    let directory = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }  // best effort clean-up
    let ledger = try Ledger.create(at: directory + "/l")
    _ = try ledger.append(
        [try Event.decode(["type": "org.registered", "org": .string(org), "date": "2024-01-01", "data": ["name": "Bench"]])],
        options: AppendOptions(actor: "bench"))
    let events = (0..<batch).map(journal)
    let elapsed = try seconds {
        var done = 0
        while done < size {
            let count = min(batch, size - done)
            _ = try ledger.append(Array(events[0..<count]), options: AppendOptions(actor: "bench"))
            done += count
        }
    }
    figures.engineBatchPerSecond = Double(size) / elapsed

    // Durable single appends: one event per transaction, fsync each.
    var latencies: [Double] = []
    for index in 0..<500 {
        let event = journal(index)
        latencies.append(try seconds { _ = try ledger.append([event], options: AppendOptions(actor: "bench")) } * 1000)
    }
    latencies.sort()
    figures.singleAppendP50Milliseconds = latencies[latencies.count / 2]
    figures.singleAppendP99Milliseconds = latencies[latencies.count * 99 / 100]

    let verifySeconds = try seconds {
        let report = try ledger.verify()
        precondition(report.ok, "verify failed: \(report.discrepancies)")
    }
    figures.verifyPerSecond = Double(size) / verifySeconds
    figures.bytesPerEvent = Double(ledger.environment.usedBytes) / Double(size)
    figures.peakRSSMebibytes = peakRSSMebibytes()
    return figures
}

/// `kooplog-bench generate --events N [--orgs K] [--seed S] [--years Y]`: synthetic books as NDJSON on stdout.
func generate(_ arguments: [String]) {
    var events = 100_000
    var orgs = 0
    var seed: UInt64 = 1
    var years = 10
    var index = 0
    while index + 1 < arguments.count {
        switch arguments[index] {
        case "--events": events = Int(arguments[index + 1]) ?? events
        case "--orgs": orgs = Int(arguments[index + 1]) ?? orgs
        case "--seed": seed = UInt64(arguments[index + 1]) ?? seed
        case "--years": years = Int(arguments[index + 1]) ?? years
        default: break
        }
        index += 2
    }
    if orgs == 0 { orgs = max(1, min(1000, events / 10_000)) }
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 20)
    SyntheticLedger(seed: seed, orgs: orgs, years: years).generate(count: events) { event in
        JSONWriter.write(event, into: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 {
            FileHandle.standardOutput.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
    FileHandle.standardOutput.write(Data(buffer))
}

func storeBenchmark(_ arguments: [String]) throws {
    var sizes = [100_000, 1_000_000]
    if !arguments.isEmpty { sizes = arguments.compactMap { Int($0) } }
    var all: [Figures] = []
    for size in sizes {
        let f = try run(size: size)
        all.append(f)
        func r(_ x: Double, _ places: Int = 0) -> String { String(format: "%.\(places)f", x) }
        print(
            "{\"events\": \(f.size), \"storeBatchAppendPerSecond\": \(r(f.storeBatchPerSecond)), \"engineBatchAppendPerSecond\": \(r(f.engineBatchPerSecond)), \"singleAppendMillisecondsP50\": \(r(f.singleAppendP50Milliseconds, 3)), \"singleAppendMillisecondsP99\": \(r(f.singleAppendP99Milliseconds, 3)), \"chainScanPerSecond\": \(r(f.chainScanPerSecond)), \"verifyPerSecond\": \(r(f.verifyPerSecond)), \"bytesOnDiskPerEvent\": \(r(f.bytesPerEvent, 1)), \"peakRSSMebibytes\": \(r(f.peakRSSMebibytes, 1))}"
        )
    }
    print("")
    print("events      store batch/s  engine batch/s  append p50 ms  p99 ms   chain scan/s  verify/s   bytes/event  peak RSS MiB")
    for f in all {
        print(
            String(
                format: "%-10d  %13.0f  %14.0f  %13.3f  %6.3f  %12.0f  %9.0f  %11.1f  %12.1f", f.size, f.storeBatchPerSecond, f.engineBatchPerSecond,
                f.singleAppendP50Milliseconds, f.singleAppendP99Milliseconds, f.chainScanPerSecond, f.verifyPerSecond, f.bytesPerEvent, f.peakRSSMebibytes))
    }
    print("reference (raw LMDB, C): 2.3 M batch/s, 0.26 ms durable commit p50, 1.6 M records/s scan with SHA-256 chain")
}

/// `kooplog-bench phases --ledger DIR [--events N]`: where one core's time goes per stored event,
/// on the first N events of a ledger held in memory (no LMDB in the timed loops): JSON parse,
/// full decode, the canonical encoding, the decoded form (docs/FORMAT.md) both ways, the rule
/// book with rule state in memory and each read model's fold (one state per org).
func phases(_ arguments: [String]) throws {
    var directory = ""
    var count = 200_000
    for (index, argument) in arguments.enumerated() where index + 1 < arguments.count {
        if argument == "--ledger" { directory = arguments[index + 1] }
        if argument == "--events" { count = Int(arguments[index + 1]) ?? count }
    }
    let ledger = try Ledger.open(at: directory)
    var payloads: [[UInt8]] = []
    try ledger.log.forEach(in: ledger.environment, from: 1, to: UInt64(count)) { view in
        payloads.append(Array(view.payload))
        return true
    }
    let n = Double(payloads.count)
    func report(_ name: String, _ time: Double) {
        print(name.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%8.2f µs/event  %9.0f events/s", time / n * 1e6, n / time))
    }
    var sink = 0
    report("JSON parse (tape)", seconds { for p in payloads { p.withUnsafeBufferPointer { sink &+= try! JSONParser.parseTape($0).nodes.count } } })
    report("JSON parse (tree)", seconds { for p in payloads { if case .object(let o) = try! JSONParser.parse(p) { sink &+= o.members.count } } })
    var decoded: [RecordedEvent] = []
    decoded.reserveCapacity(payloads.count)
    report(
        "decode (parse + typed)", seconds { for (i, p) in payloads.enumerated() { decoded.append(try! RecordedEvent.decode(seq: UInt64(i + 1), payload: p)) } })
    report("encode canonical payload", seconds { for e in decoded { sink &+= e.payload.count } })
    var forms: [[UInt8]] = []
    forms.reserveCapacity(decoded.count)
    report("encode decoded form", seconds { for e in decoded { forms.append(e.decodedForm) } })
    report(
        "decode decoded form",
        seconds {
            for (i, f) in forms.enumerated() { f.withUnsafeBytes { sink &+= Int(try! RecordedEvent.decode(seq: UInt64(i + 1), decoded: $0).version) } }
        })
    let formBytes = Double(forms.reduce(0) { $0 + $1.count }) / n
    let payloadBytes = Double(payloads.reduce(0) { $0 + $1.count }) / n
    print(String(format: "decoded form %.1f bytes/event, canonical payload %.1f", formBytes, payloadBytes))
    var states: [String: MemoryRuleState] = [:]
    let all = decoded
    report(
        "rule book (state in memory)",
        seconds {
            for e in all {
                let org = e.event.org.text
                if states[org] == nil { states[org] = MemoryRuleState { all[Int($0) - 1] } }
                if try! RuleBook.apply(e.event, seq: e.seq, to: &states[org]!) != nil { sink &+= 1 }
            }
        })
    // Each read model's fold, one state per organisation, earlier events from memory.
    struct Earlier: FoldContext {
        let events: [RecordedEvent]
        func event(_ seq: UInt64) throws -> RecordedEvent? { seq >= 1 && seq <= events.count ? events[Int(seq) - 1] : nil }
    }
    func fold<P: Projection>(_: P.Type) {
        var states: [String: P.State] = [:]
        let context = Earlier(events: all)
        report(
            "fold \(P.name)",
            seconds {
                for e in all { try! P.apply(e, to: &states[e.event.org.text, default: P.initial()], context: context) }
            })
        sink &+= states.count
    }
    fold(FinanceProjection.self)
    fold(HeadcountProjection.self)
    fold(MembersProjection.self)
    fold(GrantsProjection.self)
    print("(\(payloads.count) events, \(sink % 2))")
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "generate": generate(Array(arguments.dropFirst()))
case "store": try storeBenchmark(Array(arguments.dropFirst()))
case "phases": try phases(Array(arguments.dropFirst()))
default: try storeBenchmark(arguments)
}
