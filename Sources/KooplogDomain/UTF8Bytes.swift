import Foundation

extension StringProtocol {
    /// Calls `body` with the text's UTF-8 bytes: without a copy for native strings (small ones
    /// are copied to the stack by the standard library), through an array otherwise. The
    /// validators on the decoding path use it so that checking a field allocates nothing.
    @inlinable
    public func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        return try Array(utf8).withUnsafeBufferPointer(body)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// How these bytes compare with `other`, bytewise then by length: negative, zero or positive
    /// (the order of canonical JSON's keys, docs/FORMAT.md).
    public func byteOrder(_ other: UnsafeBufferPointer<UInt8>) -> Int {
        let common = Swift.min(count, other.count)
        let order = common == 0 ? 0 : Int(memcmp(baseAddress!, other.baseAddress!, common))
        return order != 0 ? order : count - other.count
    }
}
