import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs independent work items on a fixed number of native threads.
public enum Parallel {
    /// Online CPUs (at least 1).
    public static var processorCount: Int {
        max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    private final class Queue: @unchecked Sendable {
        let next = Atomic<Int>(0)
        let count: Int
        let body: (Int) -> Void
        init(count: Int, body: @escaping (Int) -> Void) {
            self.count = count
            self.body = body
        }
        func run() {
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= count { return }
                body(i)
            }
        }
    }

    /// The most threads one call starts (more asked are clamped to it).
    public static let maxThreads = 256

    /// Calls `body(i)` for every i in 0..<count on `threads` threads (the
    /// calling thread is one of them; 0 means one per CPU; at most
    /// maxThreads). Returns when all items are done. `body` must be safe to
    /// call concurrently.
    public static func forEach(count: Int, threads: Int, _ body: @escaping (Int) -> Void) {
        guard count > 0 else { return }
        let t = min(count, threads <= 0 ? processorCount : min(threads, maxThreads))
        let q = Queue(count: count, body: body)
        if t <= 1 {
            q.run()
            return
        }
        var tids: [pthread_t] = []
        let arg = Unmanaged.passRetained(q)
        for _ in 1..<t {
            var tid = pthread_t()
            _ = arg.retain()
            let rc = pthread_create(&tid, nil, { p in
                let q = Unmanaged<Queue>.fromOpaque(p!).takeRetainedValue()
                q.run()
                return nil
            }, arg.toOpaque())
            if rc == 0 { tids.append(tid) } else { arg.release() }
        }
        q.run()
        for tid in tids { pthread_join(tid, nil) }
        arg.release()
    }
}
