import CFFTW

/// An FFTW-aligned buffer of doubles, reused across calls through a pool so
/// that large images do not pay for fresh pages on every call.
final class FFTBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Double>
    let capacity: Int

    init?(capacity: Int) {
        guard capacity > 0, let raw = fftw_malloc(capacity * MemoryLayout<Double>.stride) else { return nil }
        self.base = raw.bindMemory(to: Double.self, capacity: capacity)
        self.capacity = capacity
    }

    deinit { fftw_free(base) }
}

/// Work buffers kept between calls, so that images of common sizes do not
/// pay for fresh pages on every call. Only buffers up to 32 MiB (images up
/// to about 4 megapixels) are kept, 64 MiB in all: the buffer of a large
/// image goes back to the system when its call ends.
enum FFTBufferPool {
    private static let pool = Locked<[FFTBuffer]>([])
    private static let maxBuffers = 8
    static let maxPooledDoubles = 4 << 20   // 32 MiB
    private static let maxDoubles = 8 << 20  // 64 MiB of pooled buffers at most

    static func acquire(doubles: Int) throws(SFError) -> FFTBuffer {
        let reused: FFTBuffer? = pool.withLock { bufs in
            var best: Int? = nil
            for (i, b) in bufs.enumerated() where b.capacity >= doubles && b.capacity <= doubles * 4 {
                if best == nil || b.capacity < bufs[best!].capacity { best = i }
            }
            return best.map { bufs.remove(at: $0) }
        }
        if let b = reused { return b }
        guard let b = FFTBuffer(capacity: doubles) else {
            throw SFError(.outOfMemory, "cannot allocate \(doubles * 8) bytes for the FFT")
        }
        return b
    }

    /// Frees every pooled buffer (sf_trim_caches).
    static func trim() {
        let dropped = pool.withLock { bufs -> [FFTBuffer] in
            defer { bufs.removeAll() }
            return bufs
        }
        _ = dropped  // freed outside the lock
    }

    static func release(_ buffer: FFTBuffer) {
        guard buffer.capacity <= maxPooledDoubles else { return }  // freed here
        pool.withLock { bufs in
            bufs.append(buffer)
            var total = bufs.reduce(0) { $0 + $1.capacity }
            while bufs.count > maxBuffers || (total > maxDoubles && !bufs.isEmpty) {
                total -= bufs[0].capacity
                bufs.removeFirst()
            }
        }
    }
}
