import Foundation
import KooplogDomain
public import KooplogStore

/// One ledger directory: the event log, the rule state and the stored read models, in one LMDB
/// environment. The only module that joins the domain (events, rules) and the store (bytes).
public final class Ledger: @unchecked Sendable {
    public static let databases = EventLog.databases + [DatabaseSpec("state"), DatabaseSpec("models"), DatabaseSpec("decoded", derived: true)]

    public let directory: String
    public let environment: Environment
    public let log: EventLog
    let stateDatabase: Database
    let modelsDatabase: Database
    /// Each event's decoded form (docs/FORMAT.md, "decoded"); nil in a ledger made before it.
    let decodedDatabase: Database?
    public let clock: any Clock

    private init(environment: Environment, directory: String, clock: any Clock) {
        self.environment = environment
        self.directory = directory
        self.log = EventLog(environment: environment)
        self.stateDatabase = environment.database("state")
        self.modelsDatabase = environment.database("models")
        self.decodedDatabase = environment.optionalDatabase("decoded")
        self.clock = clock
    }

    /// Creates a new, empty ledger; refuses (`ledgerExists`) to touch an existing one.
    public static func create(
        at directory: String, mapBytes: Int = Limits.mapBytesInitial, clock: any Clock = SystemClock()
    ) throws -> Ledger {
        let environment = try Environment(directory: directory, databases: databases, mode: .create, mapBytes: mapBytes)
        let ledger = Ledger(environment: environment, directory: directory, clock: clock)
        try environment.write { txn in try ledger.log.prepare(&txn) }
        return ledger
    }

    /// Opens an existing ledger (`noSuchLedger` when there is none).
    /// `checkHead` checks `meta.head` against the last record on opening (verify skips it, to
    /// report the mismatch as a discrepancy instead).
    public static func open(
        at directory: String, mapBytes: Int = Limits.mapBytesInitial, durable: Bool = true, clock: any Clock = SystemClock(),
        checkHead: Bool = true
    ) throws -> Ledger {
        let environment = try Environment(directory: directory, databases: databases, mode: .existing, mapBytes: mapBytes, durable: durable)
        let ledger = Ledger(environment: environment, directory: directory, clock: clock)
        try environment.read { txn in try ledger.log.checkFormat(txn) }
        if checkHead {
            try environment.read { txn in
                _ = try ledger.log.checkedHead(txn)
            }
        }
        return ledger
    }

    /// The head `(seq, hash)`, checked against the last record.
    public func head() throws -> LogHead {
        try environment.read { txn in try log.checkedHead(txn) }
    }
}
