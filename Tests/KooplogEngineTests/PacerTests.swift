import Foundation
import Testing

@testable import KooplogEngine

/// Verify's workers go in step (`Pacer`): none gets more than the window ahead of another worker
/// in a job, none waits for a worker between jobs, and an error lets the others go on. These hold
/// for every interleaving of the threads, so the tests do not depend on the machine's speed; a
/// worker held back for good fails a test after a minute instead of hanging it.
@Suite("Workers in step")
struct PacerTests {
    /// The workers' results, or nil (a failed expectation) when one has not finished in a minute.
    private func results<T>(_ workers: [Background<T>]) throws -> [T]? {
        let deadline = DispatchTime.now() + 60
        guard workers.allSatisfy({ $0.finished(by: deadline) }) else {
            Issue.record("a worker did not finish within a minute")
            return nil
        }
        return try workers.map { try $0.result() }
    }

    /// The seqs each worker last reported, written before it reports them to the pacer.
    private final class Reported: @unchecked Sendable {
        private let lock = NSLock()
        private var seqs: [UInt64]
        init(_ workers: Int) { seqs = Array(repeating: 0, count: workers) }
        subscript(worker: Int) -> UInt64 {
            get { lock.withLock { seqs[worker] } }
            set { lock.withLock { seqs[worker] = newValue } }
        }
    }

    @Test("a worker past another by more than the window waits for it, whichever runs faster")
    func inStep() throws {
        let window: UInt64 = 1_000
        let end: UInt64 = 50_000
        let pacer = Pacer(workers: 2, window: window)
        let reported = Reported(2)
        let started = DispatchGroup()
        started.enter()
        started.enter()
        // Two threads of their own (a thread pool might run them one after the other).
        let workers = (0..<2).map { worker in
            Background { () -> UInt64 in
                pacer.job(worker, events: 50_000) { reached in
                    // Both jobs begin before either reports a seq, so each has the other to keep to.
                    started.leave()
                    started.wait()
                    var seq: UInt64 = 0
                    var lead: UInt64 = 0
                    // Uneven steps: one worker reports every 7 seqs, the other every 64.
                    let step: UInt64 = worker == 0 ? 7 : 64
                    while seq < end {
                        seq = min(end, seq + step)
                        reported[worker] = seq
                        reached(seq)
                        // Past `reached`, the other worker has reported at least seq - window.
                        let other = reported[1 - worker]
                        lead = max(lead, seq > other ? seq - other : 0)
                    }
                    return lead
                }
            }
        }
        let leads = try #require(try results(workers))
        #expect(leads.allSatisfy { $0 <= window }, "leads \(leads)")
    }

    @Test("jobs of different lengths on more workers than jobs in hand all finish, each once")
    func unevenJobs() throws {
        let pacer = Pacer(workers: 3, window: 100)
        let lengths: [UInt64] = [5_000, 20, 3_000, 0, 12_000, 700, 1, 9_000]
        let run = Background {
            try Workers.map(lengths, workers: 3) { length, worker -> UInt64 in
                pacer.job(worker, events: Int(length)) { reached in
                    var seq: UInt64 = 0
                    while seq < length {
                        seq += 1
                        reached(seq)
                    }
                    return seq
                }
            }
        }
        #expect(try results([run]) == [lengths])
    }

    @Test("a job keeps to similar jobs only: a light one never waits for one many times its size")
    func unevenSizes() throws {
        let pacer = Pacer(workers: 2, window: 10)
        let started = DispatchGroup()
        started.enter()
        started.enter()
        let lightDone = DispatchSemaphore(value: 0)
        let workers = (0..<2).map { worker in
            Background { () -> Bool in
                pacer.job(worker, events: worker == 0 ? 1_000 : 100_000) { reached in
                    started.leave()
                    started.wait()
                    if worker == 1 {
                        // The heavy job stays at seq 5 until the light one is done (or a minute
                        // passed: the light one was held back, and the test fails).
                        reached(5)
                        return lightDone.wait(timeout: .now() + 60) == .success
                    }
                    var seq: UInt64 = 0
                    while seq < 50_000 {
                        seq += 1
                        reached(seq)
                    }
                    lightDone.signal()
                    return true
                }
            }
        }
        #expect(try results(workers) == [true, true])
    }

    @Test("a job that throws lets the worker waiting for it go on; the error comes out")
    func errorReleasesOthers() throws {
        struct Stop: Error {}
        let pacer = Pacer(workers: 2, window: 10)
        let started = DispatchGroup()
        started.enter()
        started.enter()
        let workers = (0..<2).map { worker in
            Background { () -> UInt64 in
                try pacer.job(worker, events: 1_000) { reached in
                    started.leave()
                    started.wait()
                    if worker == 1 {
                        reached(5)
                        throw Stop()
                    }
                    // Far past the other worker's 5: waits until its job ends by the error.
                    var seq: UInt64 = 0
                    while seq < 1_000 {
                        seq += 1
                        reached(seq)
                    }
                    return seq
                }
            }
        }
        try #require(workers.allSatisfy { $0.finished(by: .now() + 60) })
        #expect(try workers[0].result() == 1_000)
        #expect(throws: Stop.self) { try workers[1].result() }
    }
}
