import Foundation
import KooplogDomain
import KooplogEngine
import KooplogStore
import KooplogTestSupport
import Testing

/// Direct writes to a ledger's LMDB file, as someone with the file (not Kooplog's rules) could do.
struct Tamperer {
    let environment: Environment
    let log: EventLog

    init(_ path: String) throws {
        environment = try Environment(directory: path, databases: Ledger.databases, mode: .existing)
        log = EventLog(environment: environment)
    }

    func raw(_ seq: UInt64) throws -> [UInt8] { try environment.read { txn in try txn.get(log.events, BigEndian.bytes(seq))! } }

    func put(_ seq: UInt64, _ bytes: [UInt8]) throws {
        try environment.write { txn in try txn.put(log.events, BigEndian.bytes(seq), bytes) }
    }

    /// Replaces the payload of `seq`; `rehash` recomputes its own hash (same prev).
    func changePayload(_ seq: UInt64, rehash: Bool, _ change: (String) -> String) throws {
        var bytes = try raw(seq)
        let payload = String(decoding: bytes[73...], as: UTF8.self)
        let changed = Array(change(payload).utf8)
        precondition(changed != Array(payload.utf8), "the change changed nothing")
        bytes.replaceSubrange(73..., with: changed)
        if rehash { bytes.replaceSubrange(32..<64, with: Self.hash(bytes)) }
        try put(seq, bytes)
    }

    /// Recomputes every hash from `seq` on and the head, so the chain is consistent again.
    func rechain(from seq: UInt64) throws {
        try environment.write { txn in
            let head = try log.head(txn)
            var prev = Array(try txn.get(log.events, BigEndian.bytes(seq))![0..<32])
            var current = seq
            while current <= head.seq {
                var bytes = try txn.get(log.events, BigEndian.bytes(current))!
                bytes.replaceSubrange(0..<32, with: prev)
                bytes.replaceSubrange(32..<64, with: Self.hash(bytes))
                try txn.put(log.events, BigEndian.bytes(current), bytes)
                prev = Array(bytes[32..<64])
                current += 1
            }
            try txn.put(log.meta, Array("head".utf8), BigEndian.bytes(head.seq) + prev)
        }
    }

    static func hash(_ record: [UInt8]) -> [UInt8] {
        record.withUnsafeBytes { raw in
            Digest.sha256(UnsafeRawBufferPointer(rebasing: raw[0..<32]), UnsafeRawBufferPointer(rebasing: raw[64...])).bytes
        }
    }
}

extension Tamperer {
    /// Every entry of the stream and ids indexes, as text.
    func indexes() throws -> [String] {
        try environment.read { txn in
            var entries: [String] = []
            for (name, database) in [("streams", log.streams), ("ids", log.ids)] {
                try txn.scan(database) { key, value in
                    entries.append("\(name) \(String(decoding: key, as: UTF8.self)) \(Array(value))")
                    return true
                }
            }
            return entries
        }
    }
}

/// `kooplog rebuild --indexes` derives the indexes again: verify passes, and they are what the
/// appends wrote before they were changed.
func expectIndexesRepaired(_ path: String, _ tamperer: Tamperer, as untouched: [String]) throws {
    let head = try headText(path)
    let rebuilt = try kooplog(["rebuild", "--indexes", "--ledger", path])
    #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
    #expect(rebuilt.stdout.hasPrefix("indexed \(head.seq) events: "), "\(rebuilt.stdout)")
    #expect(try tamperer.indexes() == untouched)
    let verified = try kooplog(["verify", "--ledger", path])
    #expect(verified.status == 0, "\(verified.stdout)")
    #expect(try headText(path) == head)
}

func demoLedger(_ directory: TemporaryDirectory) throws -> String {
    let path = directory.file("ledger")
    #expect(try kooplog(["init", "--ledger", path]).status == 0)
    #expect(try kooplog(["append", "--ledger", path, PackagePaths.root + "/Tools/demo-data/demo.ndjson"]).status == 0)
    #expect(try kooplog(["rebuild", "--ledger", path]).status == 0)
    return path
}

func firstSeq(_ path: String, type: String) throws -> UInt64 {
    let log = try kooplog(["log", "--ledger", path, "--type", type, "--format", "json"])
    let first = try JSONParser.parse(String(log.stdout.split(separator: "\n")[0])).objectValue
    guard case .number(let seq)? = first?["seq"] else { throw Refusal(.missingField, "no \(type)") }
    return UInt64(seq)!
}

func headText(_ path: String) throws -> (seq: UInt64, hash: String) {
    let head = try JSONParser.parse(try kooplog(["head", "--ledger", path]).stdout).objectValue!
    guard case .number(let seq)? = head["seq"] else { return (0, "") }
    return (UInt64(seq)!, head["hash"]!.stringValue!)
}

/// Runs both verifiers; returns kooplog's output and the independent one's (nil when python lmdb is missing).
func verifyBoth(_ path: String, _ extra: [String] = []) throws -> (kooplog: ProcessOutput, independent: ProcessOutput?) {
    let ours = try kooplog(["verify", "--ledger", path] + extra)
    var theirs: ProcessOutput?
    if PackagePaths.pythonHas("lmdb") {
        let checkpoints = extra.enumerated().filter { $0.offset > 0 && extra[$0.offset - 1] == "--checkpoint" }.flatMap { ["--checkpoint", $0.element] }
        theirs = try runProcess("/usr/bin/env", ["python3", PackagePaths.root + "/Tools/verify-independent.py", path] + checkpoints)
    }
    return (ours, theirs)
}

@Suite("Tampering is caught, by name and first seq", .serialized)
struct TamperTests {
    @Test("an untouched ledger verifies with both verifiers, and they agree on the head")
    func untouched() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let (ours, theirs) = try verifyBoth(path)
        #expect(ours.status == 0, "\(ours.stdout)")
        let head = try headText(path)
        if let theirs {
            #expect(theirs.status == 0, "\(theirs.stdout)\(theirs.stderr)")
            #expect(theirs.stdout.hasPrefix("{\"seq\": \(head.seq), \"hash\": \"\(head.hash)\"}"))
        }
    }

    @Test("one byte of an event's data changed: first bad seq is that event")
    func byteChanged() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let seq = try firstSeq(path, type: "invoice.paid")
        try Tamperer(path).changePayload(seq, rehash: false) { $0.replacingOccurrences(of: "\"amount\":\"", with: "\"amount\":\"9") }
        let (ours, theirs) = try verifyBoth(path)
        #expect(ours.status == 1)
        #expect(ours.stdout.contains("DISCREPANCY seq \(seq): hash does not match"))
        if let theirs {
            #expect(theirs.status == 1)
            #expect(theirs.stdout.contains("seq \(seq): hash does not match"))
        }
    }

    @Test("an event changed and its own hash recomputed: the next link breaks")
    func rehashed() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let seq = try firstSeq(path, type: "sale.paid")
        try Tamperer(path).changePayload(seq, rehash: true) { $0.replacingOccurrences(of: "\"amount\":\"", with: "\"amount\":\"1") }
        let (ours, theirs) = try verifyBoth(path)
        #expect(ours.status == 1)
        #expect(ours.stdout.contains("DISCREPANCY seq \(seq + 1): prev does not equal the hash of seq \(seq)"))
        if let theirs { #expect(theirs.stdout.contains("seq \(seq + 1): prev does not equal the hash of seq \(seq)")) }
    }

    @Test("the whole chain recomputed after a change: caught by last year's checkpoint and by a saved report")
    func rechained() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let head = try headText(path)
        let saved = try kooplog(["report", "income", "--ledger", path, "--org", "556677-8899", "--year", "2024", "--format", "json"])
        let reportFile = directory.file("income-2024.json")
        try saved.stdout.write(toFile: reportFile, atomically: true, encoding: .utf8)
        // Change a 2024 card sale of the car wash, then rewrite every later hash and the head.
        let sales = try kooplog(["log", "--ledger", path, "--org", "556677-8899", "--type", "sale.paid", "--format", "json"]).stdout.split(separator: "\n")
        let target = try sales.map { try JSONParser.parse(String($0)).objectValue! }.first { $0["date"]!.stringValue!.hasPrefix("2024-06") }!
        guard case .number(let seqText)? = target["seq"] else { return }
        let seq = UInt64(seqText)!
        let tamperer = try Tamperer(path)
        try tamperer.changePayload(seq, rehash: false) { $0.replacingOccurrences(of: "\"amount\":\"", with: "\"amount\":\"1") }
        try tamperer.rechain(from: seq)
        let checkpoint = "\(head.seq):\(head.hash)"
        let (ours, theirs) = try verifyBoth(path, ["--checkpoint", checkpoint, "--report", reportFile])
        #expect(ours.status == 1)
        #expect(ours.stdout.contains("checkpoint \(head.seq):\(head.hash): the log's seq \(head.seq) has hash"))
        #expect(ours.stdout.contains("report \(reportFile) differs: asOf"))
        if let theirs {
            #expect(theirs.status == 1)
            #expect(theirs.stdout.contains("checkpoint \(head.seq)"))
        }
        // Without the auditor's checkpoint the chain alone looks fine, but the replay finds that the
        // stämma's allocation of 2024 no longer equals the (changed) result of the year.
        let plain = try kooplog(["verify", "--ledger", path])
        #expect(plain.status == 1)
        #expect(plain.stdout.contains("the event breaks a rule"))
        #expect(plain.stdout.contains("reserveFund + retained + dividend is 245 269,56 kr but the result of 2024 is"))
    }

    @Test("the last events removed: caught by a checkpoint")
    func truncated() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let head = try headText(path)
        let tamperer = try Tamperer(path)
        try tamperer.environment.write { txn in
            for seq in (head.seq - 4)...head.seq { try txn.delete(tamperer.log.events, BigEndian.bytes(seq)) }
            let last = try txn.get(tamperer.log.events, BigEndian.bytes(head.seq - 5))!
            try txn.put(tamperer.log.meta, Array("head".utf8), BigEndian.bytes(head.seq - 5) + Array(last[32..<64]))
        }
        let (ours, theirs) = try verifyBoth(path, ["--checkpoint", "\(head.seq):\(head.hash)"])
        #expect(ours.status == 1)
        #expect(ours.stdout.contains("checkpoint \(head.seq):\(head.hash): the log has no seq \(head.seq)"))
        if let theirs {
            #expect(theirs.status == 1)
            #expect(theirs.stdout.contains("seq \(head.seq)"))
        }
    }

    @Test("an event inserted in the middle, and two events swapped")
    func insertedAndSwapped() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let tamperer = try Tamperer(path)
        let a = try tamperer.raw(300)
        let b = try tamperer.raw(301)
        try tamperer.put(300, b)
        try tamperer.put(301, a)
        let (ours, theirs) = try verifyBoth(path)
        #expect(ours.status == 1)
        #expect(ours.stdout.contains("DISCREPANCY seq 300: record says seq 301 but is stored under seq 300"))
        if let theirs { #expect(theirs.stdout.contains("seq 300: record says seq 301")) }

        let other = TemporaryDirectory()
        let path2 = try demoLedger(other)
        let t2 = try Tamperer(path2)
        let head = try headText(path2)
        // Insert a copy of seq 200 after it: every later record moves up one.
        try t2.environment.write { txn in
            var seq = head.seq
            while seq > 200 {
                try txn.put(t2.log.events, BigEndian.bytes(seq + 1), try txn.get(t2.log.events, BigEndian.bytes(seq))!)
                seq -= 1
            }
            try txn.put(t2.log.events, BigEndian.bytes(201), try txn.get(t2.log.events, BigEndian.bytes(200))!)
        }
        let (ours2, theirs2) = try verifyBoth(path2)
        #expect(ours2.status == 1)
        #expect(ours2.stdout.contains("DISCREPANCY seq 201: record says seq 200 but is stored under seq 201"))
        if let theirs2 { #expect(theirs2.stdout.contains("seq 201: record says seq 200")) }
    }

    @Test("a stored read model changed behind the projection's back")
    func readModelChanged() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let tamperer = try Tamperer(path)
        let models = tamperer.environment.database("models")
        try tamperer.environment.write { txn in
            // The members state of the coop, in the generation its checkpoint names: one byte changed.
            var key: [UInt8] = []
            try txn.scan(models, from: Array("members@".utf8)) { k, _ in
                guard k.starts(with: Array("members@".utf8)) else { return false }
                if String(decoding: k, as: UTF8.self).hasSuffix("/716431-0059") { key = Array(k) }
                return key.isEmpty
            }
            var value = try #require(try txn.get(models, key))
            value[value.count - 1] ^= 0x01
            try txn.put(models, key, value)
        }
        let (ours, theirs) = try verifyBoth(path)
        #expect(ours.status == 1)
        #expect(ours.stdout.contains("stored read model members of 716431-0059 differs from the replay"))
        if let theirs { #expect(theirs.status == 0, "the log itself is intact") }
    }

    @Test("the stored rule state changed behind the rule book's back: each record named")
    func ruleStateChanged() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let tamperer = try Tamperer(path)
        let state = tamperer.environment.database("state")
        func key(_ text: String) -> [UInt8] { Array(text.utf8) }
        try tamperer.environment.write { txn in
            // A record's value changed, of an organisation and of a seq.
            for text in ["invoice/556677-8899/2023-001", "postings/130"] {
                var value = try #require(try txn.get(state, key(text)))
                value[value.count - 1] ^= 0x01
                try txn.put(state, key(text), value)
            }
            // A record under a key the rule book never writes (its year with a leading zero).
            try txn.put(state, key("year/556677-8899/02023"), try #require(try txn.get(state, key("year/556677-8899/2023"))))
            // Records removed, of an organisation and of a seq.
            #expect(try txn.delete(state, key("person/716431-0059/P-001")))
            #expect(try txn.delete(state, key("reversed/393")))
        }
        let (ours, theirs) = try verifyBoth(path)
        // Where verify has no room for its temporary files (a `$TMPDIR` that does not exist), it
        // looks the records keyed by seq up organisation by organisation: the same findings.
        let withoutSpool = try kooplog(["verify", "--ledger", path], environment: ["TMPDIR": directory.file("none")])
        for output in [ours, withoutSpool] {
            #expect(output.status == 1)
            for line in [
                "stored rule state invoice/556677-8899/2023-001 differs from the replay", "stored rule state postings/130 differs from the replay",
                "stored rule state has year/556677-8899/02023, which the replay does not produce",
                "stored rule state lacks person/716431-0059/P-001, which the replay produces",
                "stored rule state lacks reversed/393, which the replay produces",
            ] {
                #expect(output.stdout.contains(line), "\(line)\n\(output.stdout)")
            }
        }
        #expect(ours.stdout == withoutSpool.stdout)
        if let theirs { #expect(theirs.status == 0, "the log itself is intact") }
    }

    @Test("stream entries added, removed or moved behind Kooplog's back: verify names each; kooplog log refuses an entry of another stream")
    func streamEntriesChanged() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let head = try headText(path)
        let sale = try firstSeq(path, type: "sale.paid")
        let paid = try firstSeq(path, type: "invoice.paid")
        let paidEvent = try JSONParser.parse(try kooplog(["log", "--ledger", path, "--from", "\(paid)", "--to", "\(paid)", "--format", "json"]).stdout)
            .objectValue
        let org = try #require(paidEvent?["org"]?.stringValue)
        let invoice = try #require(paidEvent?["data"]?.objectValue?["invoice"]?.stringValue)
        let tamperer = try Tamperer(path)
        let streams = tamperer.log.streams
        let untouched = try tamperer.indexes()
        try tamperer.environment.write { txn in
            // An entry added to a stream of another type, to a stream no event names, and beyond the head.
            try txn.put(streams, Array("type:invoice.paid".utf8), BigEndian.bytes(sale))
            try txn.put(streams, Array("bogus:x".utf8), BigEndian.bytes(1))
            try txn.put(streams, Array("bogus:short".utf8), [1, 2, 3])
            try txn.put(streams, Array("type:sale.paid".utf8), BigEndian.bytes(head.seq + 5))
            // An entry removed: the invoice's stream without its payment.
            let key = Array("invoice:\(org)/\(invoice)".utf8)
            let seqs = try tamperer.log.streamSequences("invoice:\(org)/\(invoice)", txn)
            #expect(seqs.contains(paid))
            _ = try txn.delete(streams, key)
            for seq in seqs where seq != paid { try txn.put(streams, key, BigEndian.bytes(seq)) }
        }
        let (ours, theirs) = try verifyBoth(path)
        #expect(ours.status == 1)
        for line in [
            "DISCREPANCY seq \(sale): the stream index lists seq \(sale) under type:invoice.paid, but that event is not of the stream",
            "DISCREPANCY seq 1: the stream index lists seq 1 under bogus:x, but that event is not of the stream",
            "DISCREPANCY the stream index holds under bogus:short a value that is not a seq",
            "DISCREPANCY seq \(head.seq + 5): the stream index lists seq \(head.seq + 5) under type:sale.paid, but the log ends at seq \(head.seq)",
            "DISCREPANCY seq \(paid): the stream index lacks seq \(paid) under invoice:\(org)/\(invoice), a stream the event names",
        ] {
            #expect(ours.stdout.contains(line), "\(line)\n\(ours.stdout)")
        }
        #expect(ours.stdout.components(separatedBy: "DISCREPANCY").count == 6, "\(ours.stdout)")
        if let theirs { #expect(theirs.status == 0, "the log itself is intact") }
        // Reading by a stream checks each event it lists.
        let byType = try kooplog(["log", "--ledger", path, "--type", "invoice.paid"])
        #expect(byType.status == 74)
        #expect(byType.stderr.contains("the stream type:invoice.paid lists seq \(sale), an event of type sale.paid"), "\(byType.stderr)")
        let beyond = try kooplog(["log", "--ledger", path, "--type", "sale.paid"])
        #expect(beyond.status == 74)
        #expect(beyond.stderr.contains("a stream index lists seq \(head.seq + 5), which the log does not hold"), "\(beyond.stderr)")
        #expect(try headText(path) == head)
        try expectIndexesRepaired(path, tamperer, as: untouched)
    }

    @Test("ids entries added, removed or moved behind Kooplog's back: verify names each; an append of a known id refuses a moved entry")
    func idEntriesChanged() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let head = try headText(path)
        // The first two events that carry an id, and the line of the first as the treasurer appended it.
        let carrying = try kooplog(["log", "--ledger", path, "--format", "json"]).stdout.split(separator: "\n")
            .compactMap { try JSONParser.parse(String($0)).objectValue }
            .filter { $0["id"] != nil }
            .prefix(2)
        #expect(carrying.count == 2)
        let (first, second) = (carrying[carrying.startIndex], carrying[carrying.startIndex + 1])
        guard case .number(let firstText)? = first["seq"], case .number(let secondText)? = second["seq"] else { return }
        let (firstSeq, secondSeq) = (UInt64(firstText)!, UInt64(secondText)!)
        let (firstID, secondID) = (try #require(first["id"]?.stringValue), try #require(second["id"]?.stringValue))
        let tamperer = try Tamperer(path)
        let ids = tamperer.environment.database("ids")
        let untouched = try tamperer.indexes()
        try tamperer.environment.write { txn in
            // The first id moved to the second's event, the second's removed, one no event carries added.
            try txn.put(ids, Array(firstID.utf8), BigEndian.bytes(secondSeq))
            #expect(try txn.delete(ids, Array(secondID.utf8)))
            try txn.put(ids, Array("no-such-event".utf8), BigEndian.bytes(1))
            try txn.put(ids, Array("short".utf8), [1, 2, 3])
        }
        let (ours, theirs) = try verifyBoth(path)
        #expect(ours.status == 1)
        for line in [
            "DISCREPANCY seq \(secondSeq): the ids index maps \(firstID) to seq \(secondSeq), but the event with that id is seq \(firstSeq)",
            "DISCREPANCY seq \(secondSeq): the ids index lacks \(secondID), the id of seq \(secondSeq)",
            "DISCREPANCY seq 1: the ids index maps no-such-event to seq 1, but no event carries that id",
            "DISCREPANCY the ids index maps short to a value that is not a seq",
        ] {
            #expect(ours.stdout.contains(line), "\(line)\n\(ours.stdout)")
        }
        #expect(ours.stdout.components(separatedBy: "DISCREPANCY").count == 5, "\(ours.stdout)")
        if let theirs {
            // The independent verifier checks the ids index too (docs/FORMAT.md, invariant 4), and stops at the first.
            #expect(theirs.status == 1)
            #expect(theirs.stdout.contains("seq \(firstSeq): ids index does not point id '\(firstID)' at this seq"), "\(theirs.stdout)")
        }
        // Appending the first event again finds its id in the index, and the event there does not carry it.
        var again = JSONObject([])
        for key in ["type", "org", "date", "id", "data"] { again[key] = first[key] }
        let line = directory.file("again.ndjson")
        try JSONWriter.canonicalString(.object(again)).write(toFile: line, atomically: true, encoding: .utf8)
        let append = try kooplog(["append", "--ledger", path, line])
        #expect(append.status == 74)
        #expect(
            append.stderr.contains("the ids index maps \(firstID) to seq \(secondSeq), whose event carries id \(secondID)"), "\(append.stderr)")
        #expect(try headText(path) == head)
        try expectIndexesRepaired(path, tamperer, as: untouched)
        // Repaired, the line is a duplicate of its own event again.
        let duplicate = try kooplog(["append", "--ledger", path, line])
        #expect(duplicate.status == 0, "\(duplicate.stderr)")
        #expect(duplicate.stdout.hasPrefix("seq \(firstSeq) "), "\(duplicate.stdout)")
        #expect(duplicate.stdout.contains("(already recorded; not stored again)"), "\(duplicate.stdout)")
    }

    @Test("a decoded form changed behind the log's back: verify names it; rebuild --full --from-log derives it again")
    func decodedFormChanged() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let seq = try firstSeq(path, type: "invoice.paid")
        let tamperer = try Tamperer(path)
        let decoded = tamperer.environment.database("decoded")
        try tamperer.environment.write { txn in
            // The payment one krona larger: a form that reads, of another event than the log's.
            let form = try #require(try txn.get(decoded, BigEndian.bytes(seq)))
            var recorded = try form.withUnsafeBytes { try RecordedEvent.decode(seq: seq, decoded: $0) }
            guard case .invoicePaid(var paid) = recorded.event.body else { throw CancellationError() }
            paid.amount = paid.amount + Money(ore: 100)
            recorded.event.body = .invoicePaid(paid)
            try txn.put(decoded, BigEndian.bytes(seq), recorded.decodedForm)
        }
        let (ours, theirs) = try verifyBoth(path)
        #expect(ours.status == 1)
        #expect(ours.stdout.contains("seq \(seq): its decoded form differs from the event its payload decodes to; run kooplog rebuild --full --from-log"))
        if let theirs { #expect(theirs.status == 0, "the log itself is intact") }
        // A plain full rebuild folds the forms as they are: verify now finds the models wrong too.
        #expect(try kooplog(["rebuild", "--full", "--ledger", path]).status == 0)
        let after = try kooplog(["verify", "--ledger", path])
        #expect(after.status == 1)
        #expect(after.stdout.contains("differs from the replay"))
        let fromLog = try kooplog(["rebuild", "--full", "--from-log", "--ledger", path])
        #expect(fromLog.status == 0, "\(fromLog.stderr)")
        let repaired = try kooplog(["verify", "--ledger", path])
        #expect(repaired.status == 0, "\(repaired.stdout)")
    }

    @Test("an event that chains correctly but pays an invoice twice, written directly with LMDB")
    func ruleBreakingEvent() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        // The car wash's last payment, in its open year 2026.
        let payments = try kooplog(["log", "--ledger", path, "--org", "556677-8899", "--type", "invoice.paid", "--format", "json"]).stdout.split(
            separator: "\n")
        guard case .number(let paidText)? = try JSONParser.parse(String(payments.last!)).objectValue?["seq"] else { return }
        let paidSeq = UInt64(paidText)!
        let tamperer = try Tamperer(path)
        // The same payment again, with a new id: valid JSON, valid chain, impossible under the rules.
        let original = String(decoding: try tamperer.raw(paidSeq)[73...], as: UTF8.self)
        let again = Array(original.replacingOccurrences(of: "\"id\":\"", with: "\"id\":\"again-").utf8)
        let newSeq: UInt64 = try tamperer.environment.write { txn in
            let head = try tamperer.log.head(txn)
            return try tamperer.log.append(PendingRecord(payload: again, id: "again"), after: head, &txn).seq
        }
        let (ours, theirs) = try verifyBoth(path)
        #expect(ours.status == 1)
        #expect(ours.stdout.contains("DISCREPANCY seq \(newSeq): the event breaks a rule"))
        #expect(ours.stdout.contains("exceeds what is outstanding"))
        // The independent verifier checks the log, not the bookkeeping rules: it finds the ids index
        // entry does not match the payload's id (the forger had to write it by hand) or passes.
        _ = theirs
    }

    @Test("verify passes on a ledger restored from a backup and on one imported from an export")
    func restoredAndImported() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let head = try headText(path)
        #expect(try kooplog(["backup", "--ledger", path, directory.file("backup")]).status == 0)
        let restore = try kooplog(["restore", "--ledger", directory.file("restored"), directory.file("backup")])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try verifyBoth(directory.file("restored")).kooplog.status == 0)
        #expect(try headText(directory.file("restored")) == head)
        #expect(try kooplog(["export", "--ledger", path, "--output", directory.file("export.ndjson")]).status == 0)
        let imported = try kooplog(["import", "--ledger", directory.file("imported"), directory.file("export.ndjson")])
        #expect(imported.status == 0, "\(imported.stderr)")
        let both = try verifyBoth(directory.file("imported"))
        #expect(both.kooplog.status == 0)
        if let theirs = both.independent { #expect(theirs.status == 0) }
        #expect(try headText(directory.file("imported")) == head)
        for copy in ["restored", "imported"] {
            for org in ["716431-0059", "556677-8899"] {
                for report in ["trial-balance", "income", "balance", "receivables", "journal", "headcount", "surplus", "members", "grants"] {
                    let a = try kooplog(["report", report, "--ledger", path, "--org", org, "--format", "json"]).stdout
                    let b = try kooplog(["report", report, "--ledger", directory.file(copy), "--org", org, "--format", "json"]).stdout
                    #expect(a == b, "\(copy): \(report) of \(org)")
                }
            }
        }
    }
}
