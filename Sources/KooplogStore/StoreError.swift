/// A storage error: LMDB's return code (or an errno) with a spelled-out name.
///
/// Codes are LMDB's and POSIX's own numbers and never renumbered. `kooplog` maps them to exit codes:
/// `busy` → 75, `noSuchLedger` → 66, everything else → 74.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// LMDB's code (negative, `MDB_*`), an errno (positive), or one of Kooplog's own (below -40000).
    public let code: Int32
    /// What was being done, for the message (`"open /path/data.mdb"`).
    public let context: String

    public init(code: Int32, context: String) {
        self.code = code
        self.context = context
    }

    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }

    // LMDB's codes (lmdb.h).
    public static let keyExists = StoreError(code: -30799, context: "")
    public static let notFound = StoreError(code: -30798, context: "")
    public static let pageNotFound = StoreError(code: -30797, context: "")
    public static let corrupted = StoreError(code: -30796, context: "")
    public static let panic = StoreError(code: -30795, context: "")
    public static let versionMismatch = StoreError(code: -30794, context: "")
    public static let invalid = StoreError(code: -30793, context: "")
    public static let mapFull = StoreError(code: -30792, context: "")
    public static let databasesFull = StoreError(code: -30791, context: "")
    public static let readersFull = StoreError(code: -30790, context: "")
    public static let transactionFull = StoreError(code: -30788, context: "")
    public static let cursorFull = StoreError(code: -30787, context: "")
    public static let pageFull = StoreError(code: -30786, context: "")
    public static let mapResized = StoreError(code: -30785, context: "")
    public static let incompatible = StoreError(code: -30784, context: "")
    public static let badReaderSlot = StoreError(code: -30783, context: "")
    public static let badTransaction = StoreError(code: -30782, context: "")
    public static let badValueSize = StoreError(code: -30781, context: "")
    public static let badDatabase = StoreError(code: -30780, context: "")

    // POSIX codes that matter to a ledger.
    public static let noSuchFileOrDirectory = StoreError(code: 2, context: "")
    public static let ioError = StoreError(code: 5, context: "")
    public static let permissionDenied = StoreError(code: 13, context: "")
    public static let fileExists = StoreError(code: 17, context: "")
    public static let noSpaceLeft = StoreError(code: 28, context: "")
    public static let readOnlyFileSystem = StoreError(code: 30, context: "")

    // Kooplog's own.
    /// Another writer held the ledger longer than `Limits.writerWaitMilliseconds`.
    public static let busy = StoreError(code: -40001, context: "")
    /// The directory holds no ledger.
    public static let noSuchLedger = StoreError(code: -40002, context: "")
    /// The directory already holds a ledger (init refuses to touch it).
    public static let ledgerExists = StoreError(code: -40003, context: "")
    /// A stored record or index breaks an invariant of the log (sequence, chain, head).
    public static let integrity = StoreError(code: -40004, context: "")
    /// The stated expected head or stream version did not match (optimistic concurrency).
    public static let conflict = StoreError(code: -40005, context: "")
    /// A value or batch exceeds one of `Limits`.
    public static let limitExceeded = StoreError(code: -40006, context: "")
    /// The ledger was written by a newer, unknown storage format.
    public static let unknownFormat = StoreError(code: -40007, context: "")

    /// The same error with a context.
    public func with(_ context: String) -> StoreError { StoreError(code: code, context: context) }

    public var name: String {
        switch code {
        case -30799: "keyExists"
        case -30798: "notFound"
        case -30797: "pageNotFound"
        case -30796: "corrupted"
        case -30795: "panic"
        case -30794: "versionMismatch"
        case -30793: "invalid"
        case -30792: "mapFull"
        case -30791: "databasesFull"
        case -30790: "readersFull"
        case -30788: "transactionFull"
        case -30787: "cursorFull"
        case -30786: "pageFull"
        case -30785: "mapResized"
        case -30784: "incompatible"
        case -30783: "badReaderSlot"
        case -30782: "badTransaction"
        case -30781: "badValueSize"
        case -30780: "badDatabase"
        case 2: "noSuchFileOrDirectory"
        case 5: "ioError"
        case 13: "permissionDenied"
        case 17: "fileExists"
        case 28: "noSpaceLeft"
        case 30: "readOnlyFileSystem"
        case -40001: "busy"
        case -40002: "noSuchLedger"
        case -40003: "ledgerExists"
        case -40004: "integrity"
        case -40005: "conflict"
        case -40006: "limitExceeded"
        case -40007: "unknownFormat"
        default: "code \(code)"
        }
    }

    public var description: String {
        let what: String
        switch code {
        case -30792: what = "the ledger's memory map is full"
        case -30796, -30797, -30795: what = "the ledger file is damaged (\(LMDB.message(code)))"
        case -40001: what = "the ledger is busy: another process is writing; try again"
        case -40002: what = "no ledger here"
        case -40003: what = "a ledger already exists here"
        case -40004: what = "the ledger breaks an integrity rule"
        case -40005: what = "another writer got there first"
        case -40006: what = "a limit was exceeded"
        case -40007: what = "the ledger uses an unknown storage format"
        case 28: what = "no space left on the device"
        case 30: what = "the file system is read-only"
        case 13: what = "permission denied"
        default: what = LMDB.message(code)
        }
        return context.isEmpty ? what : "\(context): \(what)"
    }
}
