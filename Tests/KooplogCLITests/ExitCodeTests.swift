import Foundation
import KooplogDomain
import KooplogTestSupport
import Testing

@Suite("CLI exit codes and messages")
struct ExitCodeTests {
    @Test("init creates a ledger (0) and refuses an existing one (64)")
    func initTwice() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("ledger")
        #expect(try kooplog(["init", "--ledger", path]).status == 0)
        let again = try kooplog(["init", "--ledger", path])
        #expect(again.status == 64)
        #expect(again.stderr.contains("already exists"))
    }

    @Test("a missing ledger gives 66 and the command to create one")
    func missingLedger() throws {
        let directory = TemporaryDirectory()
        for command in [["head"], ["log"], ["verify"], ["append"]] {
            let result = try kooplog(command + ["--ledger", directory.file("nope")], stdin: Fixtures.ndjson([Fixtures.registered()]))
            #expect(result.status == 66, "\(command)")
            #expect(result.stderr.contains("kooplog init --ledger"))
        }
    }

    @Test("$KOOPLOG_LEDGER is used when --ledger is absent")
    func ledgerFromEnvironment() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let head = try kooplog(["head"], environment: ["KOOPLOG_LEDGER": path])
        #expect(head.status == 0)
        #expect(head.stdout.hasPrefix("{\"seq\": 1, \"hash\": \""))
    }

    @Test("a missing input file gives 66")
    func missingFile() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let result = try kooplog(["append", "--ledger", path, directory.file("no-such.ndjson")])
        #expect(result.status == 66)
        #expect(result.stderr.contains("no such file"))
    }

    @Test("malformed JSON gives 65 with the line and column, nothing appended")
    func malformed() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let before = try kooplog(["head", "--ledger", path]).stdout
        let input = Fixtures.ndjson([Fixtures.journal()]) + "{\"type\": \"journal.entry\", \"org\": }\n"
        let result = try kooplog(["append", "--ledger", path], stdin: input)
        #expect(result.status == 65)
        #expect(result.stderr.contains("line 2, column"))
        #expect(try kooplog(["head", "--ledger", path]).stdout == before)
    }

    @Test("a refusal in --format json is a JSON object with a stable code")
    func jsonRefusal() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let paid = Fixtures.event("invoice.paid", date: "2025-03-14", id: "bank-0007", data: ["invoice": "2025-017", "amount": "15000"])
        let result = try kooplog(["append", "--ledger", path, "--format", "json"], stdin: Fixtures.ndjson([paid]))
        #expect(result.status == 65)
        let json = try JSONParser.parse(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(json.objectValue?["code"] == "unknown-reference")
        #expect(json.objectValue?["id"] == "bank-0007")
        #expect(json.objectValue?["field"] == "data.invoice")
    }

    @Test("a second writer waits briefly, then gets 75 with a clear message")
    func busy() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let (holder, output) = try startTorture(["hold", path, "4"])
        let pipe = output!
        // Wait until the holder has the lock.
        let line = pipe.fileHandleForReading.availableData
        #expect(String(decoding: line, as: UTF8.self).contains("holding"))
        let result = try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson([Fixtures.journal()]), environment: ["KOOPLOG_WRITER_WAIT_MS": "300"])
        holder.waitUntilExit()
        #expect(result.status == 75)
        #expect(result.stderr.contains("busy"))
        // Readers are never blocked, and the ledger took nothing.
        #expect(try kooplog(["head", "--ledger", path]).stdout.hasPrefix("{\"seq\": 1,"))
    }

    @Test("a damaged ledger file gives 74")
    func damaged() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        try Data(repeating: 0x5A, count: 64 << 10).write(to: URL(fileURLWithPath: path + "/data.mdb"))
        let result = try kooplog(["head", "--ledger", path])
        #expect(result.status == 74)
        #expect(result.stderr.hasPrefix("error:"))
    }

    @Test("wrong usage gives 64")
    func usage() throws {
        #expect(try kooplog(["append", "--no-such-flag"]).status == 64)
        #expect(try kooplog(["log", "--org", "123"]).status == 64)
        #expect(try kooplog(["frobnicate"]).status == 64)
    }

    @Test("append prints seq and hash; --format json gives one object per event with duplicate flags")
    func appendOutput() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let input = Fixtures.ndjson([Fixtures.journal(id: "j-1"), Fixtures.journal(id: "j-2")])
        let first = try kooplog(["append", "--ledger", path], stdin: input)
        #expect(first.status == 0)
        #expect(first.stdout.contains("seq 2  "))
        #expect(first.stdout.contains("seq 3  "))
        let again = try kooplog(["append", "--ledger", path, "--format", "json"], stdin: input)
        #expect(again.status == 0)
        let lines = again.stdout.split(separator: "\n").map { try? JSONParser.parse(String($0)) }
        #expect(lines.count == 2)
        #expect(lines[0]?.objectValue?["seq"] == .number("2"))
        #expect(lines[0]?.objectValue?["duplicate"] == .bool(true))
        #expect(lines[1]?.objectValue?["id"] == "j-2")
        #expect(try kooplog(["head", "--ledger", path]).stdout.hasPrefix("{\"seq\": 3,"))
    }

    @Test("log filters by org, type and range and prints NDJSON envelopes")
    func logFilters() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        let input = Fixtures.ndjson([
            Fixtures.registered(org: Fixtures.cooperative, start: "07-01"),
            Fixtures.journal(id: "j-1"), Fixtures.journal(org: Fixtures.cooperative, id: "j-2"), Fixtures.journal(id: "j-3"),
        ])
        #expect(try kooplog(["append", "--ledger", path], stdin: input).status == 0)
        let carWash = try kooplog(["log", "--ledger", path, "--org", Fixtures.carWash, "--type", "journal.entry", "--format", "json"])
        let seqs = carWash.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)).objectValue?["seq"] }
        #expect(seqs == [.number("3"), .number("5")])
        let range = try kooplog(["log", "--ledger", path, "--from", "2", "--to", "3", "--format", "json"])
        #expect(range.stdout.split(separator: "\n").count == 2)
        let envelope = try JSONParser.parse(String(range.stdout.split(separator: "\n")[0])).objectValue
        for key in ["seq", "hash", "prev", "type", "org", "date", "data", "recorded", "by", "v"] {
            #expect(envelope?[key] != nil, "envelope lacks \(key)")
        }
    }
}

@Suite("Never touching a user's files")
struct SafetyTests {
    @Test("a failed import into an existing directory leaves its other files alone")
    func importIntoExistingDirectory() throws {
        let directory = TemporaryDirectory()
        let target = directory.file("documents")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try "keep me".write(toFile: target + "/letter.txt", atomically: true, encoding: .utf8)
        try "{\"seq\":1,\"broken\":true}\n".write(toFile: directory.file("bad.ndjson"), atomically: true, encoding: .utf8)
        let result = try kooplog(["import", "--ledger", target, directory.file("bad.ndjson")])
        #expect(result.status == 65)
        #expect(FileManager.default.fileExists(atPath: target + "/letter.txt"))
        #expect(!FileManager.default.fileExists(atPath: target + "/data.mdb"))
    }

    @Test("restore into a directory with other files refuses and leaves them alone")
    func restoreIntoExistingDirectory() throws {
        let directory = TemporaryDirectory()
        let path = try makeLedger(directory)
        #expect(try kooplog(["backup", "--ledger", path, directory.file("backup")]).status == 0)
        let target = directory.file("documents")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try "keep me".write(toFile: target + "/letter.txt", atomically: true, encoding: .utf8)
        let result = try kooplog(["restore", "--ledger", target, directory.file("backup")])
        #expect(result.status == 74)
        #expect(result.stderr.contains("holds other files"))
        #expect(FileManager.default.fileExists(atPath: target + "/letter.txt"))
    }

    @Test("a directory that is not a Kooplog ledger is not opened as one")
    func notALedger() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("other")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // An LMDB environment made by someone else: no meta.format.
        #expect(
            try runProcess("/usr/bin/env", ["python3", "-c", "import lmdb; e = lmdb.open('\(path)', max_dbs=4); e.close()"]).status == 0
                || !PackagePaths.pythonHas("lmdb"))
        guard FileManager.default.fileExists(atPath: path + "/data.mdb") else { return }
        let before = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        let head = try kooplog(["head", "--ledger", path])
        #expect(head.status == 74)
        #expect(head.stderr.contains("is not a Kooplog ledger"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")) == before, "the foreign file was changed")
    }
}
