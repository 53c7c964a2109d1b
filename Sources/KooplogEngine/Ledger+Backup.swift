import Crypto
import Foundation
import KooplogDomain
import KooplogStore

/// The manifest written next to a backup (`manifest.json`).
public struct BackupManifest: Codable, Sendable, Equatable {
    public var seq: UInt64
    public var hash: String
    /// When the copy was taken, UTC.
    public var taken: String
    public var kooplogVersion: String
    public var formatVersion: UInt32
    /// SHA-256 of the copied `data.mdb`.
    public var dataSHA256: String
    public var dataBytes: Int
}

public enum Backup {
    public static let manifestName = "manifest.json"

    /// SHA-256 of a file, streamed.
    public static func sha256(ofFile path: String) throws -> (hex: String, bytes: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StoreError.noSuchFileOrDirectory.with(path) }
        defer { try? handle.close() }  // closing a read handle cannot lose data
        var hasher = SHA256()
        var total = 0
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            total += chunk.count
            hasher.update(data: chunk)
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), total)
    }

    /// Reads and checks a backup's manifest against its data file.
    public static func check(_ directory: String) throws -> BackupManifest {
        let path = directory + "/" + manifestName
        guard let data = FileManager.default.contents(atPath: path) else { throw StoreError.noSuchLedger.with("\(path): no backup manifest") }
        let manifest: BackupManifest
        do {
            manifest = try JSONDecoder().decode(BackupManifest.self, from: data)
        } catch {
            throw StoreError.integrity.with("\(path) is not a backup manifest: \(error)")
        }
        let (sum, bytes) = try sha256(ofFile: Environment.dataFile(in: directory))
        guard sum == manifest.dataSHA256, bytes == manifest.dataBytes else {
            throw StoreError.integrity.with(
                "the backup's data.mdb does not match its manifest (SHA-256 \(sum), \(bytes) bytes; manifest says \(manifest.dataSHA256), \(manifest.dataBytes) bytes): the backup is damaged"
            )
        }
        return manifest
    }
}

extension Ledger {
    /// A consistent, compacted hot copy (`mdb_env_copy2` with `MDB_CP_COMPACT`) into `destination`
    /// (a new directory), with a manifest of the copy's own head and the data file's checksum.
    /// Appends continue meanwhile: the copy is one read snapshot.
    public func backup(to destination: String, version: String) throws -> BackupManifest {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination) {
            let contents = (try? fileManager.contentsOfDirectory(atPath: destination)) ?? ["?"]  // unreadable counts as not empty
            guard contents.isEmpty else { throw StoreError.fileExists.with("\(destination) exists and is not empty; a backup goes into a new directory") }
        } else {
            do {
                try fileManager.createDirectory(atPath: destination, withIntermediateDirectories: true)
            } catch {
                throw StoreError.ioError.with("create \(destination): \(error.localizedDescription)")
            }
        }
        try environment.copy(to: destination, compact: true)
        // The copy's head is whatever its snapshot held: read it from the copy itself.
        let copy = try Ledger.open(at: destination)
        let head = try copy.head()
        let (sum, bytes) = try Backup.sha256(ofFile: Environment.dataFile(in: destination))
        let manifest = BackupManifest(
            seq: head.seq, hash: head.hash.hex, taken: Timestamp.format(secondsSince1970: clock.now()),
            kooplogVersion: version, formatVersion: EventLog.formatVersion, dataSHA256: sum, dataBytes: bytes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: destination + "/" + Backup.manifestName), options: .atomic)
        } catch {
            throw StoreError.ioError.with("write the manifest: \(error.localizedDescription)")
        }
        // The copy holds only data.mdb; the lock files it made on open are not part of it.
        try? fileManager.removeItem(atPath: destination + "/lock.mdb")  // best effort: LMDB recreates it
        try? fileManager.removeItem(atPath: destination + "/writer.lock")  // best effort: recreated on open
        return manifest
    }

    /// Puts a backup in place at `directory` after checking its manifest and verifying it in full.
    /// Refuses to replace an existing ledger unless `replace`; the replaced one is kept aside.
    public static func restore(from backup: String, to directory: String, replace: Bool) throws -> (
        manifest: BackupManifest, report: VerifyReport, keptAside: String?
    ) {
        let manifest = try Backup.check(backup)
        // Verify a scratch copy, so the backup itself is never touched.
        let scratch = directory + ".restoring-\(getpid())"
        let fileManager = FileManager.default
        try? fileManager.removeItem(atPath: scratch)  // a leftover from an interrupted restore
        do {
            try fileManager.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            try fileManager.copyItem(atPath: Environment.dataFile(in: backup), toPath: Environment.dataFile(in: scratch))
        } catch {
            throw StoreError.ioError.with("copy the backup: \(error.localizedDescription)")
        }
        let restored = try Ledger.open(at: scratch)
        let report = try restored.verify()
        guard report.ok, report.head.seq == manifest.seq, report.head.hash.hex == manifest.hash else {
            try? fileManager.removeItem(atPath: scratch)  // best effort clean-up of a refused restore
            throw StoreError.integrity.with("the backup does not verify: " + (report.discrepancies.first?.description ?? "its head is not the manifest's"))
        }
        var keptAside: String?
        if fileManager.fileExists(atPath: Environment.dataFile(in: directory)) {
            guard replace else {
                try? fileManager.removeItem(atPath: scratch)  // best effort clean-up of a refused restore
                throw StoreError.ledgerExists.with("\(directory) holds a live ledger; restore never overwrites one unless told to (--replace)")
            }
            let aside =
                directory + ".replaced-\(Timestamp.format(secondsSince1970: Int64(Date().timeIntervalSince1970)).replacingOccurrences(of: ":", with: ""))"
            do {
                try fileManager.moveItem(atPath: directory, toPath: aside)
            } catch {
                throw StoreError.ioError.with("move the existing ledger aside: \(error.localizedDescription)")
            }
            keptAside = aside
        } else if fileManager.fileExists(atPath: directory) {
            // No ledger there: only an empty directory (or one with a lock file left) may be replaced.
            let contents = (try? fileManager.contentsOfDirectory(atPath: directory)) ?? ["?"]  // unreadable counts as not empty
            guard contents.allSatisfy({ $0 == "lock.mdb" || $0 == "writer.lock" }) else {
                try? fileManager.removeItem(atPath: scratch)  // best effort clean-up of a refused restore
                throw StoreError.fileExists.with(
                    "\(directory) exists and holds other files (\(contents.prefix(3).joined(separator: ", "))); restore into a new or empty directory")
            }
            try? fileManager.removeItem(atPath: directory)  // empty, or only stale lock files
        }
        do {
            try fileManager.moveItem(atPath: scratch, toPath: directory)
        } catch {
            throw StoreError.ioError.with("put the restored ledger in place: \(error.localizedDescription)")
        }
        return (manifest, report, keptAside)
    }
}
