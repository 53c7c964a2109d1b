import Glibc

/// An advisory lock file (`flock`) serialising writers across processes, with a bounded wait.
final class WriterLock: @unchecked Sendable {
    private let descriptor: Int32
    let path: String

    init(path: String) throws(StoreError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        if fd < 0 { throw StoreError(code: errno, context: "open \(path)") }
        self.descriptor = fd
        self.path = path
    }

    deinit { close(descriptor) }

    /// Takes the lock, polling for at most `waitMilliseconds`, then throws `busy`.
    func acquire(waitMilliseconds: Int) throws(StoreError) {
        var waited = 0
        var pause = 1
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code != EWOULDBLOCK { throw StoreError(code: code, context: "lock \(path)") }
            if waited >= waitMilliseconds {
                throw StoreError.busy.with("another process has been writing to the ledger for \(waited) ms")
            }
            usleep(UInt32(pause * 1000))
            waited += pause
            pause = min(pause * 2, 50)
        }
    }

    func release() { flock(descriptor, LOCK_UN) }
}

/// A pthread mutex.
final class Mutex: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A pthread read-write lock: transactions hold it shared, map resizing holds it exclusive.
final class ReadWriteLock: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    init() { pthread_rwlock_init(lock, nil) }
    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }
    func lockShared() { pthread_rwlock_rdlock(lock) }
    func lockExclusive() { pthread_rwlock_wrlock(lock) }
    func unlock() { pthread_rwlock_unlock(lock) }
}
