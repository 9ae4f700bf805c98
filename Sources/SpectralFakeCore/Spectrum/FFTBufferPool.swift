import CFFTW
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An FFTW-aligned buffer of doubles, reused across calls through a pool so
/// that large images do not pay for fresh pages on every call. Buffers of 4
/// MiB and more are mappings of their own, aligned to 2 MiB, a whole number
/// of 2 MiB long, and offered to the kernel as huge pages (MADV_HUGEPAGE):
/// the column pass of a large transform walks rows that lie far apart, and
/// with 4 KiB pages it spends its time in TLB misses. The whole length: the
/// scratch areas at the end of the buffer (FFTLayout) would otherwise sit
/// on 4 KiB pages, whose physical placement (and so their cache conflicts
/// with the spectrum) changes from process to process.
final class FFTBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Double>
    let capacity: Int
    /// Bytes of its own mapping; 0: from fftw_malloc.
    private let mappedBytes: Int

    static let hugeBytes = 4 << 20

    init?(capacity: Int) {
        guard capacity > 0 else { return nil }
        let bytes = capacity * MemoryLayout<Double>.stride
        if bytes >= FFTBuffer.hugeBytes {
            // its own mapping (not the malloc heap, which would keep the
            // advice after a free), 2 MiB-aligned inside a larger reservation
            let align = 2 << 20
            let (rounded, o1) = bytes.addingReportingOverflow(align - 1)
            guard !o1 else { return nil }
            let mapped = rounded & ~(align - 1)
            let (reserved, o2) = mapped.addingReportingOverflow(align)
            guard !o2 else { return nil }
            guard let m = mmap(nil, reserved, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  m != MAP_FAILED else { return nil }
            let start = (Int(bitPattern: m) + align - 1) & ~(align - 1)
            let head = start - Int(bitPattern: m)
            if head > 0 { munmap(m, head) }
            let tail = reserved - head - mapped
            if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: start + mapped), tail) }
            let raw = UnsafeMutableRawPointer(bitPattern: start)!
            _ = madvise(raw, mapped, MADV_HUGEPAGE)   // a hint: without THP it changes nothing
            base = raw.bindMemory(to: Double.self, capacity: capacity)
            mappedBytes = mapped
        } else {
            guard let raw = fftw_malloc(bytes) else { return nil }
            base = raw.bindMemory(to: Double.self, capacity: capacity)
            mappedBytes = 0
        }
        self.capacity = capacity
    }

    deinit {
        if mappedBytes > 0 { munmap(base, mappedBytes) } else { fftw_free(base) }
    }
}

/// Work buffers kept between calls, so that images of common sizes do not
/// pay for fresh pages on every call. Only buffers up to 64 MiB (images up
/// to about 8 megapixels) are kept, 128 MiB in all: the buffer of a larger
/// image goes back to the system when its call ends.
enum FFTBufferPool {
    private static let pool = Locked<[FFTBuffer]>([])
    private static let maxBuffers = 8
    static let maxPooledDoubles = 8 << 20   // 64 MiB
    private static let maxDoubles = 16 << 20  // 128 MiB of pooled buffers at most

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
        let dropped: [FFTBuffer] = pool.withLock { bufs in
            bufs.append(buffer)
            var total = bufs.reduce(0) { $0 + $1.capacity }
            var out: [FFTBuffer] = []
            while bufs.count > maxBuffers || (total > maxDoubles && !bufs.isEmpty) {
                total -= bufs[0].capacity
                out.append(bufs.removeFirst())
            }
            return out
        }
        _ = dropped  // freed here, outside the lock
    }
}
