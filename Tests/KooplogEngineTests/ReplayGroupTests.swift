import Foundation
import KooplogStore
import KooplogSynthetic
import KooplogTestSupport
import Testing

@testable import KooplogDomain
@testable import KooplogEngine

/// Verify and the full rebuild replay a few organisations together, their events in one merged
/// seq order: the result must be exactly what one organisation at a time gives.
@Suite("Organisations replayed in groups")
struct ReplayGroupTests {
    @Test("groups hold at most the group budget of events; a larger organisation stands alone; order is kept")
    func grouping() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory, register: false)
        let budget = Limits.replayGroupEvents
        // Enough events that a quarter per worker exceeds the budget: the budget decides.
        let sizes = [budget * 10, budget + 1, budget * 6 / 10, budget / 2, budget * 3 / 10, budget / 5, budget / 10]
        let jobs = sizes.enumerated().map { OrganisationJob(org: "org-\($0.offset)", events: $0.element) }
        let groups = ledger.organisationGroups(jobs, workers: 1)
        #expect(groups.map { $0.map(\.org) } == [["org-0"], ["org-1"], ["org-2"], ["org-3", "org-4", "org-5"], ["org-6"]])
        #expect(groups.joined().map(\.org) == jobs.map(\.org))
        #expect(ledger.organisationGroups([]).isEmpty)
        // Few events for many workers: groups shrink so that every worker gets at least four.
        let small = (0..<10).map { OrganisationJob(org: "small-\($0)", events: 1_000) }
        #expect(ledger.organisationGroups(small, workers: 2).count == 10)
        #expect(ledger.organisationGroups(small, workers: 1).map(\.count) == [2, 2, 2, 2, 2])
        #expect(
            ledger.organisationGroups(small.map { OrganisationJob(org: $0.org, events: 100) } + [OrganisationJob(org: "big", events: 9_000)], workers: 1).count
                == 2)
    }

    /// Synthetic books of several organisations, interleaved by date as an umbrella keeps them.
    /// The models are checkpointed after the first 40 events, and caught up incrementally (one
    /// sequential pass, not by organisation) over the rest.
    private func umbrella(_ directory: TemporaryDirectory, orgs: Int, events: Int) throws -> Ledger {
        let ledger = try makeEngineLedger(directory, register: false)
        var all: [JSON] = []
        SyntheticLedger(seed: 5, orgs: orgs, years: 2).generate(count: events) { all.append($0) }
        try appendAll(ledger, Array(all.prefix(40)))
        _ = try ledger.rebuild(full: false)
        try appendAll(ledger, Array(all.dropFirst(40)))
        _ = try ledger.rebuild(full: false)
        return ledger
    }

    private func states(_ ledger: Ledger) throws -> [String: [UInt8]] {
        try ledger.environment.read { txn in
            var result: [String: [UInt8]] = [:]
            try txn.scan(ledger.environment.database("models")) { key, value in
                let name = String(decoding: key, as: UTF8.self)
                // `<model>@<generation>/<org>` → `<model>/<org>`: generations differ between rebuilds.
                if let at = name.firstIndex(of: "@"), let slash = name.firstIndex(of: "/") {
                    result[String(name[..<at]) + String(name[slash...])] = Array(value)
                }
                return true
            }
            return result
        }
    }

    @Test("a full rebuild, by one scan per worker or by groups, stores byte for byte what incremental catch-up stored, and verify agrees")
    func rebuildMatchesCatchUp() throws {
        let directory = TemporaryDirectory()
        let ledger = try umbrella(directory, orgs: 7, events: 1_400)
        #expect(ledger.organisationGroups(try ledger.environment.read { try ledger.organisationJobs($0) }, workers: 1).count == 7)
        let incremental = try states(ledger)
        #expect(incremental.count == 28)  // four models for each of seven organisations
        _ = try ledger.rebuild(full: true)  // a short log: one scan per worker, of the decoded forms
        #expect(try states(ledger) == incremental)
        _ = try ledger.rebuildByOrganisation(decodedForms: false)  // one scan per worker, of the log
        #expect(try states(ledger) == incremental)
        _ = try ledger.rebuildByOrganisation(scanEventsMax: 0)  // by groups, of the decoded forms
        #expect(try states(ledger) == incremental)
        _ = try ledger.rebuildByOrganisation(scanEventsMax: 0, decodedForms: false)  // by groups, of the log
        #expect(try states(ledger) == incremental)
        let report = try ledger.verify()
        #expect(report.ok, "\(report.discrepancies)")
        #expect(report.orgs.count == 7)
        #expect(report.events == (try ledger.head()).seq)
    }

    @Test("a full rebuild whose batch write must grow the map counts each event once (the write runs again)")
    func rebuildGrowingTheMap() throws {
        let directory = TemporaryDirectory()
        let head = try umbrella(directory, orgs: 3, events: 600).head()
        // Opened with a tiny map, LMDB maps just the data in use: the rebuild's first write grows it.
        let ledger = try Ledger.open(at: directory.file("ledger"), mapBytes: 4_096)
        let before = ledger.environment.mapGrowths
        let report = try ledger.rebuild(full: true)
        #expect(ledger.environment.mapGrowths > before)
        #expect(report.events == head.seq)
        #expect(try ledger.verify().ok)
        let again = try Ledger.open(at: directory.file("ledger"), mapBytes: 4_096)
        #expect(try again.rebuildByOrganisation(scanEventsMax: 0).events == head.seq)
    }

    @Test("every appended event has its decoded form; missing forms are derived again by the next full rebuild; a bad one stops it")
    func decodedForms() throws {
        let directory = TemporaryDirectory()
        let ledger = try umbrella(directory, orgs: 3, events: 500)
        let head = try ledger.head()
        let decoded = ledger.environment.database("decoded")
        func formsMatchTheLog() throws -> Bool {
            try ledger.environment.read { txn in
                var all = true
                try ledger.log.scan(from: 1, txn) { view in
                    let recorded = try RecordedEvent.decode(seq: view.seq, payload: view.payload)
                    let form = try txn.get(decoded, BigEndian.bytes(view.seq))
                    all = all && form == recorded.decodedForm
                    return true
                }
                let entries = try txn.entries(decoded)
                let events = try ledger.log.checkedHead(txn).seq
                return all && entries == Int(events)
            }
        }
        #expect(try formsMatchTheLog())
        #expect(try ledger.environment.read { try ledger.decodedFormsComplete(through: head, $0) })
        let incremental = try states(ledger)
        // One form lost in the middle, another beyond the head in its place: not complete.
        try ledger.environment.write { txn in
            #expect(try txn.delete(decoded, BigEndian.bytes(head.seq / 2)))
            try txn.put(decoded, BigEndian.bytes(head.seq + 1), [0xB1])
        }
        #expect(try !ledger.environment.read { try ledger.decodedFormsComplete(through: head, $0) })
        // A missing form is derived data not made yet; a form of no event is named.
        let report = try ledger.verify()
        #expect(report.discrepancies.map(\.description) == ["the decoded forms hold 1 entries for no event of the log; run kooplog rebuild --full --from-log"])
        _ = try ledger.rebuild(full: true)
        #expect(try formsMatchTheLog())
        #expect(try states(ledger) == incremental)
        #expect(try ledger.verify().ok)
        // A stale form where the next event goes does not stop the append: it is replaced.
        try ledger.environment.write { txn in try txn.put(decoded, BigEndian.bytes(head.seq + 1), [0xB1, 9]) }
        try appendAll(ledger, [Fixtures.registered(org: "556677-8899")])
        #expect(try ledger.head().seq == head.seq + 1)
        #expect(try ledger.verify().ok)
        _ = try ledger.rebuild(full: true)
        #expect(try ledger.verify().ok)
        // A form that does not read stops the rebuild (an integrity error naming the seq).
        try ledger.environment.write { txn in try txn.put(decoded, BigEndian.bytes(3), [0xB1, 1, 11]) }
        #expect(throws: StoreError.integrity) { try ledger.rebuild(full: true) }
        #expect(throws: StoreError.integrity) { try ledger.rebuildByOrganisation(scanEventsMax: 0) }
        let verified = try ledger.verify()
        let differs = "seq 3: its decoded form differs from the event its payload decodes to; run kooplog rebuild --full --from-log"
        #expect(verified.discrepancies.map(\.description).contains(differs))
        _ = try ledger.rebuild(full: true, fromLog: true)
        #expect(try formsMatchTheLog())
        #expect(try ledger.verify().ok)
    }

    @Test("verify reads a reversed original from its decoded form; a lost or unreadable form falls back to the log; a changed one is named")
    func verifyReadsOriginalsFromForms() throws {
        let directory = TemporaryDirectory()
        let ledger = try umbrella(directory, orgs: 3, events: 600)
        let decoded = ledger.environment.database("decoded")
        // The originals of reversals, in the log.
        var originals: [UInt64] = []
        try ledger.environment.read { txn in
            try ledger.log.scan(from: 1, txn) { view in
                if case .eventReversed(let p) = try RecordedEvent.decode(seq: view.seq, payload: view.payload).event.body { originals.append(p.seq) }
                return true
            }
        }
        let original = try #require(originals.first, "the synthetic books hold a reversal")
        let form = try #require(try ledger.environment.read { try $0.get(decoded, BigEndian.bytes(original)) })
        let other = try #require(try ledger.environment.read { try $0.get(decoded, BigEndian.bytes(original + 1)) })
        #expect(try ledger.verify().ok)
        // Lost: derived data not made yet; the original is read from the log.
        try ledger.environment.write { txn in _ = try txn.delete(decoded, BigEndian.bytes(original)) }
        #expect(try ledger.verify().ok)
        // Unreadable, or another event's form: verify does not stop, and names that form.
        let differs = "seq \(original): its decoded form differs from the event its payload decodes to; run kooplog rebuild --full --from-log"
        for bad in [[0xB1, 1, 11], other] {
            try ledger.environment.write { txn in try txn.put(decoded, BigEndian.bytes(original), bad) }
            let report = try ledger.verify()
            #expect(report.discrepancies.map(\.description).contains(differs), "\(report.discrepancies)")
        }
        try ledger.environment.write { txn in try txn.put(decoded, BigEndian.bytes(original), form) }
        #expect(try ledger.verify().ok)
    }

    @Test("verify reads an event from its decoded form only when the form's canonical payload is the log's and the form is the event's, byte for byte")
    func verifyReadsAgreeingForms() throws {
        let directory = TemporaryDirectory()
        let ledger = try umbrella(directory, orgs: 3, events: 600)
        let decoded = ledger.environment.database("decoded")
        var report = try ledger.verify(formsByDigest: true)
        #expect(report.ok)
        let events = report.events
        #expect(events >= 500 && report.eventsFromForms == events)
        // Every form was read alone, from the spool of its group, and their payloads' digests
        // proved them: nothing read twice.
        #expect(report.spooledGroups == 3)
        #expect(report.organisationsRechecked == 0)
        let seq: UInt64 = 321
        let form = try #require(try ledger.environment.read { try $0.get(decoded, BigEndian.bytes(seq)) })
        let event = try form.withUnsafeBytes { try RecordedEvent.decode(seq: seq, decoded: $0) }
        // Lost: the payload is decoded instead.
        try ledger.environment.write { txn in _ = try txn.delete(decoded, BigEndian.bytes(seq)) }
        report = try ledger.verify()
        #expect(report.ok && report.eventsFromForms == events - 1)
        // A form that reads but is not the payload's event (another recorder), or is of another
        // schema version: the payload is decoded, and the form named.
        var otherRecorder = event
        otherRecorder.by = "någon annan"
        var otherVersion = event
        otherVersion.version = 2
        let differs = "seq \(seq): its decoded form differs from the event its payload decodes to; run kooplog rebuild --full --from-log"
        // And one that a lenient reader would read as the very event, though it is not its bytes:
        // the schema version (byte 15, after the tag, the format, the org's length and digits,
        // the type) as a two-byte varint. Binary records read strictly, so it does not read.
        #expect(form[15] == 1)
        let overlong = Array(form[..<15]) + [0x81, 0x00] + Array(form[16...])
        #expect(overlong.withUnsafeBytes { try? RecordedEvent.decode(seq: seq, decoded: $0) } == nil)
        // The first reads as a current form, so the replay uses it and its organisation's payload
        // digest differs from the log's: that organisation is replayed again, byte for byte. The
        // others do not read as current forms: their payloads are decoded the first time.
        // (By digest whatever the CPU: the default follows its SHA-256 instructions.)
        for (bad, rechecked) in zip([otherRecorder.decodedForm, otherVersion.decodedForm, overlong], [1, 0, 0]) {
            try ledger.environment.write { txn in try txn.put(decoded, BigEndian.bytes(seq), bad) }
            report = try ledger.verify(formsByDigest: true)
            #expect(report.eventsFromForms == events - 1)
            #expect(report.discrepancies.map(\.description) == [differs], "\(report.discrepancies)")
            #expect(report.organisationsRechecked == rechecked)
        }
        // Where SHA-256 runs in software every form is compared byte for byte from the start: the
        // same findings, nothing replayed twice.
        try ledger.environment.write { txn in try txn.put(decoded, BigEndian.bytes(seq), otherRecorder.decodedForm) }
        report = try ledger.verify(formsByDigest: false)
        #expect(report.discrepancies.map(\.description) == [differs] && report.eventsFromForms == events - 1 && report.organisationsRechecked == 0)
        try ledger.environment.write { txn in try txn.put(decoded, BigEndian.bytes(seq), form) }
        report = try ledger.verify()
        #expect(report.ok && report.eventsFromForms == events)
        report = try ledger.verify(formsByDigest: false)
        #expect(report.ok && report.eventsFromForms == events && report.organisationsRechecked == 0)
    }

    @Test("a group's spooled forms are its organisations' forms in seq order, byte for byte, however long; others are not there")
    func spooledForms() throws {
        let directory = TemporaryDirectory()
        let environment = try Environment(directory: directory.path, databases: [DatabaseSpec("forms")], mode: .create)
        let forms = environment.database("forms")
        let orgs = ["556677-8899", "716431-0059", "769629-1231"]
        // What a form starts with (tag, format, the organisation's length and bytes), then bytes
        // of its own; seq 7 longer than a reader's buffer.
        func form(_ seq: UInt64) -> [UInt8] {
            let org = orgs[Int(seq) % 3]
            let length = seq == 7 ? (3 << 20) + 5 : Int(seq) * 3
            return [BinaryWriter.tag, RecordedEvent.decodedFormat, 11] + Array(org.utf8) + (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seq)) }
        }
        try environment.write { txn in
            for seq in UInt64(1)...30 { try txn.put(forms, BigEndian.bytes(seq), form(seq)) }
            try txn.put(forms, BigEndian.bytes(31), [0xB1, 1, 3, 0x41])  // names no organisation
        }
        let spool = try #require(try environment.read { txn in FormSpool.make(groups: [[orgs[1]], [orgs[0]]], forms: forms, txn, release: {}) })
        // Group 0 holds orgs[1]'s forms (seq ≡ 1 mod 3), group 1 orgs[0]'s (seq ≡ 0), none of orgs[2].
        for (group, residue) in [(0, 1), (1, 0)] {
            let reader = spool.reader(group)
            for seq in UInt64(1)...31 {
                let found = try reader.form(seq).map { Array($0) }
                #expect(found == (Int(seq) % 3 == residue && seq <= 30 ? form(seq) : nil), "group \(group), seq \(seq)")
            }
            #expect(try reader.form(40) == nil)
        }
        // Asked for every other seq: the ones between are passed over, and can be read again
        // (a reversal's original), but not one not passed yet, nor another group's.
        let skipping = spool.reader(1)
        #expect(try skipping.form(15).map { Array($0) } == form(15))
        for seq in [UInt64(3), 6, 9, 12, 15] { #expect(try skipping.earlier(seq).map { Array($0) } == form(seq), "seq \(seq)") }
        for seq in [UInt64(1), 7, 14, 18, 30] { #expect(try skipping.earlier(seq) == nil, "seq \(seq)") }
        let long = spool.reader(0)
        #expect(try long.form(10).map { Array($0) } == form(10))
        #expect(try long.earlier(7).map { Array($0) } == form(7))
        #expect(try long.earlier(4).map { Array($0) } == form(4))
        #expect(try long.form(13).map { Array($0) } == form(13))
        #expect(try long.earlier(10).map { Array($0) } == form(10), "an entry passed after the buffer moved")
    }

    @Test("the spooled records keyed by seq come back whole, sorted by kind and seq in each chunk, without a re-replayed organisation's first pass")
    func crossRecordSpool() throws {
        let spool = try #require(CrossRecordSpool())
        // Values of 1 000 bytes: 6 000 records cross the reader's 4 MiB blocks.
        func value(_ seq: UInt64) -> [UInt8] { (0..<1_000).map { UInt8(truncatingIfNeeded: Int(seq) &* 7 &+ $0) } }
        for org in ["556677-8899", "716431-0059"] {
            for start in stride(from: UInt64(1), through: 6_000, by: 1_000) {
                let seqs = stride(from: start + (org.hasPrefix("5") ? 0 : 1), to: start + 1_000, by: 2).reversed()
                let records = seqs.map { (key: $0 % 3 == 0 ? RuleKey.postings($0) : RuleKey.reversal($0), value: value($0)) }
                #expect(spool.add(pass: 1, org: org, records))
            }
        }
        #expect(spool.add(pass: 2, org: "716431-0059", [(key: .reversal(7), value: value(7))]))
        var seen: [(String, RuleKey, [UInt8])] = []
        try spool.forEach(skippingFirstPassOf: ["716431-0059"], chunk: 1_000) { seen.append(($0, $1, $2)) }
        #expect(seen.count == 3_000 + 1)
        #expect(seen.allSatisfy { $0.2 == value($0.1.seq!) })
        #expect(seen.filter { $0.0 == "716431-0059" }.map(\.1) == [.reversal(7)])
        // Each chunk of 1 000 in order of kind, then seq.
        for chunk in stride(from: 0, to: 3_000, by: 1_000) {
            let orders = seen[chunk..<chunk + 1_000].map { UInt64($0.1.kind.rawValue) << 56 | $0.1.seq! }
            #expect(orders == orders.sorted())
        }
    }

    @Test("a record changed in the log: the chain breaks there, and only its organisation is replayed a second time")
    func changedRecordRechecksItsOrganisation() throws {
        let directory = TemporaryDirectory()
        let ledger = try umbrella(directory, orgs: 3, events: 600)
        let seq: UInt64 = 300
        // Another day in the record's payload: it still decodes, but its hash and its form no
        // longer agree with it.
        try ledger.environment.write { txn in
            var record = try #require(try txn.get(ledger.log.events, BigEndian.bytes(seq)))
            let date = try #require(record.firstRange(of: Array(#""date":"2"#.utf8)))
            let digit = date.upperBound + 8  // the day's last digit: "date":"YYYY-MM-DD"
            record[digit] = record[digit] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
            try txn.put(ledger.log.events, BigEndian.bytes(seq), record)
        }
        for byDigest in [true, false] {
            let report = try ledger.verify(formsByDigest: byDigest)
            let found = report.discrepancies.map(\.description)
            #expect(found.contains("seq \(seq): hash does not match the record's bytes (the record was changed)"), "\(found)")
            #expect(found.contains { $0.hasPrefix("seq \(seq): its decoded form differs") }, "\(found)")
            // The payloads after the break are still digested: the other organisations are proven.
            #expect(report.organisationsRechecked == (byDigest ? 1 : 0))
        }
    }

    @Test("an append reads an earlier event (a reversal's original) from its form only when the form agrees with the log")
    func appendReadsAgreeingForms() throws {
        let directory = TemporaryDirectory()
        let ledger = try makeEngineLedger(directory)
        try appendAll(ledger, [Fixtures.journal(date: "2024-02-01", amount: "100")])
        let decoded = ledger.environment.database("decoded")
        let original = try ledger.head().seq
        // The form of seq 2 now says it is a fiscal year's closing, which cannot be reversed; the
        // log says it is a journal entry, which can.
        let closing = RecordedEvent(
            seq: original, recorded: "2025-11-23T10:00:00Z", by: "t",
            event: Event(
                org: try OrgNumber.parse(Fixtures.carWash).get(), date: CalendarDate(year: 2025, month: 2, day: 1)!,
                body: .fiscalYearClosed(FiscalYearClosed(fiscalYear: 2024))))
        try ledger.environment.write { txn in try txn.put(decoded, BigEndian.bytes(original), closing.decodedForm) }
        let reversal = Fixtures.event("event.reversed", date: "2024-02-02", data: ["seq": .number(String(original)), "reason": "fel"])
        let results = try ledger.append(items([reversal]), options: AppendOptions(actor: "t"))
        #expect(results.map(\.duplicate) == [false])
        let report = try ledger.verify()
        #expect(report.discrepancies.map(\.description).contains { $0.hasPrefix("seq \(original): its decoded form differs") }, "\(report.discrepancies)")
    }

    @Test("a ledger made before decoded forms (no such database) appends, rebuilds from the log and verifies as a new one does")
    func ledgerWithoutDecodedForms() throws {
        let directory = TemporaryDirectory()
        var all: [JSON] = []
        SyntheticLedger(seed: 3, orgs: 2, years: 2).generate(count: 400) { all.append($0) }
        let path = directory.file("older")
        do {
            // What an older build's init made: the log and the derived databases it knew.
            let environment = try Environment(directory: path, databases: Ledger.databases.filter { !$0.derived }, mode: .create)
            try environment.write { txn in try EventLog(environment: environment).prepare(&txn) }
        }
        let older = try Ledger.open(at: path)
        #expect(older.decodedDatabase == nil)
        try appendAll(older, all)
        _ = try older.rebuild(full: true)
        _ = try older.rebuild(full: true, fromLog: true)
        let report = try older.verify()
        let head = try older.head().seq
        #expect(report.ok && report.events == head && report.eventsFromForms == 0)
        let newer = try makeEngineLedger(directory, register: false)
        try appendAll(newer, all)
        _ = try newer.rebuild(full: true)
        #expect(try states(older) == states(newer))
        #expect(try older.head().seq == newer.head().seq)
    }

    @Test("an org: index naming another organisation's event: verify names it, a full rebuild by groups refuses it")
    func indexNamingAnotherOrganisation() throws {
        let directory = TemporaryDirectory()
        let ledger = try umbrella(directory, orgs: 3, events: 300)
        let jobs = try ledger.environment.read { try ledger.organisationJobs($0) }
        let (owner, other) = (jobs[0].org, jobs[1].org)
        let (own, foreign) = try ledger.environment.read { txn in
            (try ledger.log.streamSequences("org:\(owner)", txn), try ledger.log.streamSequences("org:\(other)", txn)[3])
        }
        // One of the owner's entries swapped for the other's event: the counts still agree.
        try ledger.environment.write { txn in
            let streams = ledger.environment.database("streams")
            let key = Array("org:\(owner)".utf8)
            _ = try txn.delete(streams, key)
            for seq in own.filter({ $0 != own[5] }) + [foreign] { try txn.put(streams, key, BigEndian.bytes(seq)) }
        }
        let report = try ledger.verify()
        #expect(!report.ok)
        let named = "the org:\(owner) index names seq \(foreign), an event of \(other)"
        #expect(report.discrepancies.contains { $0.description.contains(named) }, "\(report.discrepancies)")
        do {
            _ = try ledger.rebuildByOrganisation(scanEventsMax: 0)
            Issue.record("a rebuild by groups over an index naming another organisation's event succeeded")
        } catch let error as StoreError {
            #expect(error == .integrity, "\(error)")
            #expect(error.description.contains(named), "\(error)")
        }
    }

    @Test("a whole type: stream removed from the index: verify names its first entries and counts them all")
    func typeStreamRemoved() throws {
        let directory = TemporaryDirectory()
        let ledger = try umbrella(directory, orgs: 3, events: 300)
        #expect(try ledger.verify().ok)
        let (name, records) = try #require(try ledger.environment.read { try ledger.log.streams(withPrefix: "type:", $0) }.max { $0.records < $1.records })
        let seqs = try ledger.environment.read { try ledger.log.streamSequences(name, $0) }
        #expect(records > Limits.streamDifferencesNamed)
        try ledger.environment.write { txn in _ = try txn.delete(ledger.log.streams, Array(name.utf8)) }
        let report = try ledger.verify()
        let expected =
            seqs.prefix(Limits.streamDifferencesNamed).map { "seq \($0): the stream index lacks seq \($0) under \(name), a stream the event names" }
            + ["\(records) entries of the type: streams differ from the log in all (the first \(Limits.streamDifferencesNamed) are named)"]
        #expect(report.discrepancies.map(\.description) == expected)
    }

    @Test("a full rebuild refuses a log whose org: index lacks an organisation, by scan and by groups")
    func rebuildChecksTheIndex() throws {
        let directory = TemporaryDirectory()
        let ledger = try umbrella(directory, orgs: 3, events: 300)
        let jobs = try ledger.environment.read { try ledger.organisationJobs($0) }
        try ledger.environment.write { txn in
            _ = try txn.delete(ledger.environment.database("streams"), Array("org:\(jobs[1].org)".utf8))
        }
        for scanEventsMax in [Int.max, 0] {
            do {
                _ = try ledger.rebuildByOrganisation(scanEventsMax: scanEventsMax)
                Issue.record("a rebuild over a damaged index succeeded (scanEventsMax \(scanEventsMax))")
            } catch let error as StoreError {
                #expect(error == .integrity, "\(error)")
            }
        }
    }
}
