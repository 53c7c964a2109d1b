import Crypto
import Foundation
public import KooplogDomain
import KooplogProjections
import KooplogReports
public import KooplogStore

/// What checking a saved report found.
public struct ReportCheck: Sendable {
    /// The recomputed report equals the saved one.
    public var matches: Bool
    /// The keys (paths) whose values differ.
    public var differences: [String]
    /// nil: no signature asked for; true/false: the signature checked against the given key.
    public var signatureValid: Bool?
    public var signatureProblem: String?
}

extension Ledger {
    /// Whether the log still holds `seq` with `hash` (the history an auditor noted).
    public func checkCheckpoint(seq: UInt64, hash: KooplogStore.Digest) throws -> Discrepancy? {
        guard let record = try environment.read({ txn in try log.record(seq, txn) }) else {
            return Discrepancy(seq: seq, what: "checkpoint \(seq):\(hash.hex): the log has no seq \(seq) (it was truncated or rewritten)")
        }
        guard record.hash == hash else {
            return Discrepancy(seq: seq, what: "checkpoint \(seq):\(hash.hex): the log's seq \(seq) has hash \(record.hash.hex): the history was rewritten")
        }
        return nil
    }

    /// The read models as they were at `seq` (replayed from the first event).
    func models(at seq: UInt64) throws -> ModelSet {
        let models = ModelSet()
        let context = LedgerFoldContext(ledger: self)
        try log.forEach(in: environment, from: 1, to: seq) { view in
            try models.apply(try RecordedEvent.decode(seq: view.seq, payload: view.payload), context: context)
            return true
        }
        return models
    }

    /// Recomputes a saved JSON report at exactly the log position it names (`asOf`) and compares.
    public func checkReport(_ saved: JSON, publicKey: VerifyingKey? = nil) throws -> ReportCheck {
        guard case .object(var object) = saved, let name = object["report"]?.stringValue.flatMap(ReportName.init(rawValue:)),
            let asOf = object["asOf"]?.objectValue, case .number(let seqText)? = asOf["seq"], let seq = UInt64(seqText),
            let hashText = asOf["hash"]?.stringValue, let hash = KooplogStore.Digest(hex: hashText)
        else {
            throw Refusal(.missingField, "not a Kooplog report: it needs report, org and asOf {seq, hash}")
        }
        var check = ReportCheck(matches: false, differences: [])
        let signature = object["signature"]
        object["signature"] = nil
        if let publicKey {
            (check.signatureValid, check.signatureProblem) = ReportSignature.verify(.object(object), signature: signature, publicKey: publicKey.key)
        }
        if let problem = try checkCheckpoint(seq: seq, hash: hash) {
            check.differences = ["asOf: \(problem.what)"]
            return check
        }
        let models = try models(at: seq)
        let head = LogHead(seq: seq, hash: hash)
        let request = ReportRequest(
            name: name, year: object["year"].flatMap { if case .number(let y) = $0 { Int(y) } else { nil } },
            asOf: object["date"]?.stringValue.flatMap { CalendarDate($0) })
        let recomputed: JSON
        if object["org"] == "all" {
            let orgs = try organisations(at: models)
            recomputed = .object(
                JSONObject([
                    ("report", .string(name.rawValue)), ("org", "all"), ("asOf", .object(asOf)),
                    (
                        "orgs",
                        .array(
                            try orgs.map { org in
                                let original = object["orgs"]?.arrayValue?.first { $0.objectValue?["org"] == .string(org.text) }?.objectValue
                                let r = ReportRequest(
                                    name: name, year: original?["year"].flatMap { if case .number(let y) = $0 { Int(y) } else { nil } },
                                    asOf: original?["date"]?.stringValue.flatMap { CalendarDate($0) })
                                return try report(r, org: org, models: models, head: head, yearGiven: original?["months"] != nil)
                            })
                    ),
                ]))
        } else {
            guard let orgText = object["org"]?.stringValue, case .success(let org) = OrgNumber.parse(orgText) else {
                throw Refusal(.invalidOrgNumber, field: "org", "the report names no valid organisation")
            }
            recomputed = try report(request, org: org, models: models, head: head, yearGiven: object["months"] != nil)
        }
        check.differences = Self.differences(.object(object), recomputed, path: "")
        check.matches = check.differences.isEmpty
        return check
    }

    private func organisations(at models: ModelSet) throws -> [OrgNumber] {
        models.finance.states.keys.sorted().compactMap { try? OrgNumber.parse($0).get() }  // keys are org numbers by construction
    }

    /// Paths whose values differ between two JSON values.
    static func differences(_ a: JSON, _ b: JSON, path: String) -> [String] {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            let keys = Set(x.keys).union(y.keys).sorted()
            return keys.flatMap { key in
                differences(x[key] ?? .null, y[key] ?? .null, path: path.isEmpty ? key : "\(path).\(key)")
            }
        case (.array(let x), .array(let y)) where x.count == y.count:
            return zip(x, y).enumerated().flatMap { differences($1.0, $1.1, path: "\(path)[\($0)]") }
        default:
            return a == b ? [] : [path + ": saved \(JSONWriter.canonicalString(a).prefix(80)), recomputed \(JSONWriter.canonicalString(b).prefix(80))"]
        }
    }
}

/// Ed25519 signatures over the canonical JSON of a report (without its `signature`).
public enum ReportSignature {
    /// Adds `signature {algorithm, publicKey, value}` to a report.
    public static func sign(_ report: JSON, privateKey signingKey: SigningKey) throws -> JSON {
        let privateKey = signingKey.key
        guard case .object(var object) = report else { return report }
        object["signature"] = nil
        let message = JSONWriter.canonical(.object(object))
        let value = try privateKey.signature(for: message)
        object["signature"] = .object(
            JSONObject([
                ("algorithm", "ed25519"), ("publicKey", .string(hex(privateKey.publicKey.rawRepresentation))),
                ("value", .string(hex(value))),
            ]))
        return .object(object)
    }

    /// Checks a signature against the report (without its signature) and the expected public key.
    static func verify(_ unsigned: JSON, signature: JSON?, publicKey: Curve25519.Signing.PublicKey) -> (Bool, String?) {
        guard let s = signature?.objectValue, s["algorithm"] == "ed25519", let valueHex = s["value"]?.stringValue, let value = bytes(hex: valueHex) else {
            return (false, "the report carries no Ed25519 signature")
        }
        if let keyHex = s["publicKey"]?.stringValue, keyHex != hex(publicKey.rawRepresentation) {
            return (false, "the report was signed with another key (\(keyHex.prefix(16))…)")
        }
        let ok = publicKey.isValidSignature(value, for: JSONWriter.canonical(unsigned))
        return (ok, ok ? nil : "the signature does not match the report: it was changed after signing")
    }

    // MARK: keys

    /// Writes a new key pair: `path` (private, mode 0600) and `path.pub`, hex of the raw keys.
    public static func generateKeyPair(at path: String) throws -> String {
        let key = Curve25519.Signing.PrivateKey()
        let fileManager = FileManager.default
        guard !fileManager.fileExists(atPath: path), !fileManager.fileExists(atPath: path + ".pub") else {
            throw StoreError.fileExists.with("\(path) or \(path).pub exists; a key is never overwritten")
        }
        let privateText = "kooplog-ed25519-private " + hex(key.rawRepresentation) + "\n"
        guard fileManager.createFile(atPath: path, contents: Data(privateText.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.ioError.with("cannot write \(path)")
        }
        let publicText = "kooplog-ed25519-public " + hex(key.publicKey.rawRepresentation) + "\n"
        guard fileManager.createFile(atPath: path + ".pub", contents: Data(publicText.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw StoreError.ioError.with("cannot write \(path).pub")
        }
        return hex(key.publicKey.rawRepresentation)
    }

    public static func loadPrivateKey(_ path: String) throws -> SigningKey {
        let raw = try keyBytes(path, kind: "kooplog-ed25519-private")
        do { return SigningKey(key: try Curve25519.Signing.PrivateKey(rawRepresentation: raw)) } catch {
            throw StoreError.invalid.with("\(path) is not a private key")
        }
    }

    public static func loadPublicKey(_ path: String) throws -> VerifyingKey {
        let raw = try keyBytes(path, kind: "kooplog-ed25519-public")
        do { return VerifyingKey(key: try Curve25519.Signing.PublicKey(rawRepresentation: raw)) } catch {
            throw StoreError.invalid.with("\(path) is not a public key")
        }
    }

    private static func keyBytes(_ path: String, kind: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw StoreError.noSuchFileOrDirectory.with(path) }
        let parts = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 2, parts[0] == kind, let raw = bytes(hex: String(parts[1])) else {
            throw StoreError.invalid.with("\(path) is not a \(kind) key file")
        }
        return raw
    }

    static func hex(_ data: some Sequence<UInt8>) -> String { data.map { String(format: "%02x", $0) }.joined() }

    static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < utf8.count {
            guard let byte = UInt8(String(decoding: utf8[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            index += 2
        }
        return out
    }
}

/// An Ed25519 private key for signing reports (no Crypto type in public signatures).
public struct SigningKey: @unchecked Sendable {
    let key: Curve25519.Signing.PrivateKey
}

/// An Ed25519 public key for checking report signatures.
public struct VerifyingKey: @unchecked Sendable {
    let key: Curve25519.Signing.PublicKey
}
