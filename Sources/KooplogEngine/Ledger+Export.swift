import Foundation
import KooplogDomain
public import KooplogStore

extension Ledger {
    /// Writes every stored event as one canonical JSON envelope per line (`seq`, `prev`, `hash`
    /// added to the stored payload): a full, lossless copy of the log as text.
    public func exportNDJSON(_ write: ([UInt8]) throws -> Void, progress: ((UInt64) -> Void)? = nil) throws -> LogHead {
        var head = LogHead.empty
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        try log.forEach(in: environment) { view in
            guard case .object(var object) = try JSONParser.parse(Array(view.payload)) else {
                throw StoreError.integrity.with("payload of seq \(view.seq) is not a JSON object")
            }
            object["seq"] = .number(String(view.seq))
            object["prev"] = .string(Digest(bytes: view.prev)!.hex)
            object["hash"] = .string(Digest(bytes: view.hash)!.hex)
            JSONWriter.write(.object(object), into: &buffer)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                try write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
            head = LogHead(seq: view.seq, hash: Digest(bytes: view.hash)!)
            if view.seq % 65_536 == 0 { progress?(view.seq) }
            return true
        }
        if !buffer.isEmpty { try write(buffer) }
        return head
    }
}
