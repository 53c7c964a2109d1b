public import KooplogDomain

/// Earlier events a fold may need (the original of a reversal). The engine reads them from the log.
public protocol FoldContext {
    func event(_ seq: UInt64) throws -> RecordedEvent?
}

/// A read model: a pure fold of one organisation's events, in registration order, into a state.
/// No I/O but `context`, no clock. `version` changes whenever the fold or the state changes; a
/// stored state of another version is rebuilt from the first event.
public protocol Projection {
    associatedtype State: BinaryRecord & Sendable & Equatable
    static var name: String { get }
    static var version: Int { get }
    static func initial() -> State
    static func apply(_ recorded: RecordedEvent, to state: inout State, context: some FoldContext) throws
}

/// Dates are stored as their ISO text in read models (sortable, readable).
extension CalendarDate {
    public var key: String { description }
}

/// A dated amount with the event that caused it (so a reversal can remove exactly it).
public struct Movement: Codable, Sendable, Equatable {
    public var seq: UInt64
    public var date: String
    public var ore: Int64
    public init(seq: UInt64, date: String, ore: Int64) {
        self.seq = seq
        self.date = date
        self.ore = ore
    }
}

extension [Movement] {
    /// Sum of the movements dated up to `date` (all when nil).
    public func total(upTo date: String? = nil) -> Int64 {
        reduce(0) { $0 + ((date == nil || $1.date <= date!) ? $1.ore : 0) }
    }
}
