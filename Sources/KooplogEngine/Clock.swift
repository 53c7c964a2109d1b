import Foundation

/// Where the `recorded` timestamp comes from; injected so tests are deterministic.
public protocol Clock: Sendable {
    /// Seconds since 1970-01-01T00:00:00Z.
    func now() -> Int64
}

/// The system clock, or a fixed time from `KOOPLOG_CLOCK` (seconds since 1970; for reproducible
/// demos and snapshot tests).
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Int64 {
        if let fixed = ProcessInfo.processInfo.environment["KOOPLOG_CLOCK"], let seconds = Int64(fixed) { return seconds }
        return Int64(Date().timeIntervalSince1970)
    }
}

/// A clock that always says the same time.
public struct FixedClock: Clock {
    public let seconds: Int64
    public init(_ seconds: Int64) { self.seconds = seconds }
    public func now() -> Int64 { seconds }
}
