import KooplogDomain
import KooplogStore
import Testing

@testable import KooplogEngine

@Suite("An append's result line")
struct AppendResultLineTests {
    @Test("the directly written result line is the canonical JSON of the result", arguments: [false, true])
    func resultLine(duplicate: Bool) throws {
        let hash = Array("x".utf8).withUnsafeBytes { Digest.sha256($0) }
        #expect(hash.hex == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881")
        for id in [nil, "inv-1", "a\"b\\c ö"] {
            let result = AppendResult(seq: 1_234_567, hash: hash, id: id, type: "invoice.paid", duplicate: duplicate)
            #expect(result.canonicalJSON == JSONWriter.canonical(result.json), "\(String(describing: id))")
        }
    }
}
