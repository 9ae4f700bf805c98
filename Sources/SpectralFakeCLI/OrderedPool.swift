#if canImport(Glibc)
import Glibc
#endif

/// Runs `work` on the inputs on `threads` native threads and hands the
/// results to `emit` in input order, each as soon as it and every result
/// before it are done. At most `window` results wait for an earlier one,
/// so memory stays bounded however many inputs there are. `next` (the
/// input source) and `emit` are called under the pool's lock, one at a time.
final class OrderedPool<Input, Output>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var taken = 0
    private var emitted = 0
    private var exhausted = false
    private var pending: [Int: Output] = [:]
    private let window: Int
    private let next: () -> Input?
    private let work: (Input) -> Output
    private let emit: (Int, Input, Output) -> Void
    private var inputs: [Int: Input] = [:]

    init(window: Int, next: @escaping () -> Input?, work: @escaping (Input) -> Output,
         emit: @escaping (Int, Input, Output) -> Void) {
        self.window = max(1, window)
        self.next = next
        self.work = work
        self.emit = emit
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    /// Processes every input; returns when all were emitted.
    func run(threads: Int) {
        let t = max(1, threads)
        var tids: [pthread_t] = []
        for _ in 1..<t {
            let task = Unmanaged.passRetained(ThreadTask { [self] in self.loop() })
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { p in
                Unmanaged<ThreadTask>.fromOpaque(p!).takeRetainedValue().body()
                return nil
            }, task.toOpaque())
            if rc == 0 { tids.append(tid) } else { task.release() }
        }
        loop()
        for tid in tids { pthread_join(tid, nil) }
    }

    private func loop() {
        while true {
            pthread_mutex_lock(&mutex)
            while !exhausted && taken - emitted >= window { pthread_cond_wait(&cond, &mutex) }
            if exhausted {
                pthread_mutex_unlock(&mutex)
                return
            }
            guard let input = next() else {
                exhausted = true
                pthread_cond_broadcast(&cond)
                pthread_mutex_unlock(&mutex)
                return
            }
            let index = taken
            taken += 1
            inputs[index] = input
            pthread_mutex_unlock(&mutex)

            let output = work(input)

            pthread_mutex_lock(&mutex)
            pending[index] = output
            while let o = pending.removeValue(forKey: emitted) {
                let i = inputs.removeValue(forKey: emitted)!
                emit(emitted, i, o)
                emitted += 1
            }
            pthread_cond_broadcast(&cond)
            pthread_mutex_unlock(&mutex)
        }
    }
}

/// A closure handed to a new thread (a C start routine cannot capture).
final class ThreadTask {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
