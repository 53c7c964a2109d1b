import Foundation
import KooplogDomain
import KooplogTestSupport
import Testing

func nightly(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessOutput {
    try runProcess(
        "/bin/bash", [PackagePaths.root + "/ops/nightly"] + arguments,
        environment: ["KOOPLOG": Binaries.kooplog, "KOOPLOG_ACTOR": "nightly"].merging(environment) { $1 })
}

@Suite("Operations: the nightly job, backups, restore, a full disk", .serialized)
struct OperationsTests {
    @Test("the nightly job end to end while another process keeps appending")
    func nightlyWhileAppending() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let (appender, output) = try startTorture(["append-loop", path, "live", "400", "556677-8899", "2026-03-01"])
        let pipe = output!
        let run = try nightly(
            ["--ledger", path, "--reports", directory.file("reports"), "--backups", directory.file("backups")],
            environment: ["KOOPLOG_NIGHTLY_DATE": "2026-11-23"])
        appender.waitUntilExit()
        let appended = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").count
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("verify: verify: everything agrees"))
        #expect(run.stdout.contains("backup checked: it restores and verifies"))
        #expect(appender.terminationStatus == 0, "an append failed during the nightly run")
        #expect(appended == 400)
        for org in ["556677-8899", "716431-0059"] {
            for report in ["trial-balance", "income", "balance", "receivables", "journal", "headcount", "surplus", "members", "grants"] {
                let json = directory.file("reports/2026-11-23/\(org)/\(report).json")
                let object = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: json)))).objectValue
                #expect(object?["report"] == .string(report))
                #expect(FileManager.default.fileExists(atPath: directory.file("reports/2026-11-23/\(org)/\(report).txt")))
            }
        }
        let manifest = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: directory.file("backups/2026-11-23/manifest.json"))))).objectValue
        guard case .number(let backupSeq)? = manifest?["seq"] else {
            Issue.record("no manifest seq")
            return
        }
        let live = try headText(path)
        #expect(UInt64(backupSeq)! <= live.seq)
        #expect(live.seq == 818 + 400)
        #expect(try kooplog(["verify", "--ledger", path]).status == 0)
    }

    @Test("two nightly runs started together: one runs, the other says so and exits 75")
    func overlapping() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        let arguments = ["--ledger", path, "--reports", directory.file("reports"), "--backups", directory.file("backups")]
        // Hold the lock as a running job would, then start a second run.
        try FileManager.default.createDirectory(atPath: directory.file("backups"), withIntermediateDirectories: true)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [directory.file("backups/.nightly.lock"), "sleep", "3"]
        try holder.run()
        usleep(300_000)
        let second = try nightly(arguments)
        holder.waitUntilExit()
        #expect(second.status == 75)
        #expect(second.stdout.contains("another nightly run holds"))
        // And once the first is done, a run goes through.
        #expect(try nightly(arguments).status == 0)
    }

    @Test("a corrupted backup is refused by restore, and the target is left alone")
    func corruptedBackup() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        #expect(try kooplog(["backup", "--ledger", path, directory.file("backup")]).status == 0)
        // Change one byte of the copy.
        let file = URL(fileURLWithPath: directory.file("backup/data.mdb"))
        var bytes = [UInt8](try Data(contentsOf: file))
        let at = try #require(bytes.firstRange(of: Array("Tvättkemikalier".utf8)))
        bytes[at.lowerBound] = UInt8(ascii: "X")
        try Data(bytes).write(to: file)
        let restore = try runProcess(
            "/bin/bash", [PackagePaths.root + "/ops/restore", directory.file("backup"), directory.file("restored")],
            environment: ["KOOPLOG": Binaries.kooplog])
        #expect(restore.status == 74)
        #expect(restore.stderr.contains("does not match its manifest"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("restored")))
        // A backup whose manifest was also forged still fails verification of the chain.
        let (sum, size) = try shaOf(file)
        var manifest = String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory.file("backup/manifest.json"))), as: UTF8.self)
        manifest = manifest.replacing(/"dataSHA256" : "[0-9a-f]+"/, with: "\"dataSHA256\" : \"\(sum)\"").replacing(
            /"dataBytes" : [0-9]+/, with: "\"dataBytes\" : \(size)")
        try manifest.write(toFile: directory.file("backup/manifest.json"), atomically: true, encoding: .utf8)
        let again = try kooplog(["restore", "--ledger", directory.file("restored"), directory.file("backup")])
        #expect(again.status == 74)
        #expect(again.stderr.contains("does not verify"))
        // Restore never overwrites a live ledger unless told to.
        #expect(try kooplog(["backup", "--ledger", path, directory.file("good")]).status == 0)
        let over = try kooplog(["restore", "--ledger", path, directory.file("good")])
        #expect(over.status == 64)
        #expect(over.stderr.contains("never overwrites"))
        let replaced = try kooplog(["restore", "--ledger", path, directory.file("good"), "--replace"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(replaced.stdout.contains("kept at"))
    }

    @Test("a full disk (the map held at its size) during append: exit 74, the ledger intact and verifying")
    func diskFull() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("ledger")
        #expect(try kooplog(["init", "--ledger", path]).status == 0)
        #expect(try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson([Fixtures.registered()])).status == 0)
        let before = try headText(path)
        let big = (1...3000).map { Fixtures.journal(id: "j-\($0)", text: String(repeating: "Kontantförsäljning ", count: 8)) }
        let full = try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson(big), environment: ["KOOPLOG_MAP_MAX_BYTES": String(1 << 20)])
        #expect(full.status == 74, "\(full.stderr)")
        #expect(full.stderr.contains("memory map is full") || full.stderr.contains("largest map size"))
        #expect(try headText(path) == before)
        #expect(try kooplog(["verify", "--ledger", path]).status == 0)
        // With room again, the same batch goes in.
        #expect(try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson(big)).status == 0)
    }
}

func shaOf(_ url: URL) throws -> (String, Int) {
    let output = try runProcess("/usr/bin/sha256sum", [url.path])
    return (String(output.stdout.prefix(64)), try Data(contentsOf: url).count)
}

/// A small tmpfs for the disk tests, when this process may mount one (root); nil otherwise.
final class SmallFileSystem {
    let path: String
    private let directory = TemporaryDirectory("kooplog-fs")

    init?(megabytes: Int) {
        path = directory.file("fs")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)  // mount below says whether it worked
        guard (try? runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]).status) == 0 else { return nil }
    }

    func remountReadOnly() throws { #expect(try runProcess("/bin/mount", ["-o", "remount,ro", path]).status == 0) }

    deinit { _ = try? runProcess("/bin/umount", [path]) }  // best effort: the temporary directory goes too

    static var available: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }
}

@Suite("A real full or read-only disk", .serialized, .enabled(if: SmallFileSystem.available, "needs root to mount a small tmpfs"))
struct DiskTests {
    @Test("a disk that fills up during append: exit 74, the ledger intact and verifying")
    func diskFull() throws {
        guard let fs = SmallFileSystem(megabytes: 2) else { return }
        let path = fs.path + "/ledger"
        #expect(try kooplog(["init", "--ledger", path]).status == 0)
        #expect(try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson([Fixtures.registered()])).status == 0)
        let before = try headText(path)
        let big = (1...20_000).map { Fixtures.journal(id: "j-\($0)", text: String(repeating: "Kontantförsäljning ", count: 8)) }
        let full = try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson(big))
        #expect(full.status == 74, "\(full.stderr)")
        #expect(full.stderr.hasPrefix("error:"))
        #expect(try headText(path) == before)
        #expect(try kooplog(["verify", "--ledger", path]).status == 0)
    }

    @Test("a read-only disk: reads, verify and reports work; an append exits 74 and changes nothing")
    func readOnly() throws {
        guard let fs = SmallFileSystem(megabytes: 8) else { return }
        let path = fs.path + "/ledger"
        #expect(try kooplog(["init", "--ledger", path]).status == 0)
        #expect(try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson([Fixtures.registered(), Fixtures.journal(id: "a")])).status == 0)
        let before = try headText(path)
        try fs.remountReadOnly()
        #expect(try headText(path) == before)
        #expect(try kooplog(["verify", "--ledger", path]).status == 0)
        #expect(try kooplog(["report", "trial-balance", "--ledger", path]).status == 0)
        let append = try kooplog(["append", "--ledger", path], stdin: Fixtures.ndjson([Fixtures.journal(id: "b")]))
        #expect(append.status == 74)
        #expect(append.stderr.contains("read-only"))
        #expect(try headText(path) == before)
    }
}

@Suite("Export and import")
struct ExportImportTests {
    @Test("an export imported again gives byte-identical stored events")
    func lossless() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        #expect(try kooplog(["export", "--ledger", path, "--output", directory.file("all.ndjson")]).status == 0)
        #expect(try kooplog(["import", "--ledger", directory.file("copy"), directory.file("all.ndjson")]).status == 0)
        let a = try kooplog(["log", "--ledger", path, "--format", "json"]).stdout
        let b = try kooplog(["log", "--ledger", directory.file("copy"), "--format", "json"]).stdout
        #expect(a == b)
        #expect(
            try kooplog(["export", "--ledger", directory.file("copy")]).stdout
                == String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory.file("all.ndjson"))), as: UTF8.self))
    }

    @Test("an export changed after it was written is refused by import, naming the line, and no ledger is left")
    func changedExport() throws {
        let directory = TemporaryDirectory()
        let path = try demoLedger(directory)
        #expect(try kooplog(["export", "--ledger", path, "--output", directory.file("all.ndjson")]).status == 0)
        var lines = try String(contentsOfFile: directory.file("all.ndjson"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        let index = try #require(lines.firstIndex { $0.contains("\"type\":\"sale.paid\"") })
        lines[index] = lines[index].replacingOccurrences(of: "\"amount\":\"", with: "\"amount\":\"1")
        try lines.joined(separator: "\n").write(toFile: directory.file("changed.ndjson"), atomically: true, encoding: .utf8)
        let result = try kooplog(["import", "--ledger", directory.file("copy"), directory.file("changed.ndjson")])
        #expect(result.status == 65)
        #expect(result.stderr.contains("line \(index + 1)"))
        #expect(result.stderr.contains("was changed"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("copy")))
    }
}
