import Foundation
import KooplogDomain
public import KooplogStore

/// What `rebuildIndexes` wrote.
public struct IndexRebuildReport: Sendable {
    public var events: UInt64
    public var streamEntries: Int
    public var ids: Int
    public var head: LogHead
}

extension Ledger {
    /// `kooplog rebuild --indexes`: derives the stream index and the `ids` index again from the
    /// log (the repair when verify names an index entry that differs), in one write transaction:
    /// readers see the old indexes or the new ones, and appends wait. Each record is decoded from
    /// its payload (the log, not the derived forms, is what the indexes must follow). `progress`
    /// hears the seq reached.
    public func rebuildIndexes(progress: ((UInt64) -> Void)? = nil) throws -> IndexRebuildReport {
        try environment.write { txn in
            let head = try log.checkedHead(txn)
            let written = try log.rebuildIndexes(&txn, release: releaseAppendPagesOverBudget, progress: { progress?($0) }) { view in
                let event = try Self.storedEvent(view).event
                return (event.streams, event.id)
            }
            return IndexRebuildReport(events: head.seq, streamEntries: written.streamEntries, ids: written.ids, head: head)
        }
    }
}
