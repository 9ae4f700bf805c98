import CFFTW
import Synchronization

/// A cached FFTW plan for the in-place real-to-complex 2-D transform of a
/// `height x width` image. Plans are immutable and shared by all threads:
/// only the new-array execute function, which FFTW documents as thread-safe,
/// is called on them.
final class FFTPlan: @unchecked Sendable {
    let width: Int
    let height: Int
    let plan: OpaquePointer

    init(width: Int, height: Int, plan: OpaquePointer) {
        self.width = width
        self.height = height
        self.plan = plan
    }

    deinit { fftw_destroy_plan(plan) }
}

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

struct FFTSize: Hashable, Sendable {
    let width: Int
    let height: Int
}

/// The 2-D DFT of gray images via FFTW's real-to-complex transform.
///
/// Layout of the spectrum (in place): `height` rows of `width / 2 + 1`
/// complex values (re, im interleaved), i.e. a row stride of
/// `2 * (width / 2 + 1)` doubles. Element (ky, kx) is the DFT coefficient
/// F[ky][kx]; F[ky][kx'] for kx' > width/2 is conj(F[-ky mod H][width - kx']).
enum FFT {
    /// Plans are made with FFTW_ESTIMATE: deterministic (FFTW_MEASURE picks
    /// algorithms by timing, so its results could differ in the last bits
    /// from run to run) and cheap to create for any new size.
    static let plannerFlags = UInt32(FFTW_ESTIMATE)

    private static let setup: Bool = {
        fftw_make_planner_thread_safe()
        return true
    }()

    private static let plans = LRUCache<FFTSize, FFTPlan>(maxEntries: 64, maxCost: 64)
    private static let pool = Mutex<[FFTBuffer]>([])
    private static let poolMaxBuffers = 8
    private static let poolMaxDoubles = 64 << 20  // 512 MiB of pooled buffers at most

    /// Number of doubles of the in-place buffer for a width x height image.
    static func bufferDoubles(width: Int, height: Int) throws(SFError) -> Int {
        let (rowDoubles, o1) = (width / 2 + 1).multipliedReportingOverflow(by: 2)
        let (total, o2) = rowDoubles.multipliedReportingOverflow(by: height)
        guard !o1, !o2, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw SFError(.limitPixels, "image \(width)x\(height) is too large for the FFT")
        }
        return total
    }

    static func plan(width: Int, height: Int) throws(SFError) -> FFTPlan {
        _ = setup
        return try plans.value(for: FFTSize(width: width, height: height)) { () throws(SFError) in
            let doubles = try bufferDoubles(width: width, height: height)
            // Plan on a pooled buffer: every buffer comes from fftw_malloc, so
            // all have the alignment the plan was made for.
            let buf = try acquire(doubles: doubles)
            defer { release(buf) }
            let out = UnsafeMutableRawPointer(buf.base).assumingMemoryBound(to: fftw_complex.self)
            guard let p = fftw_plan_dft_r2c_2d(Int32(height), Int32(width), buf.base, out, plannerFlags) else {
                throw SFError(.outOfMemory, "FFTW could not plan a \(width)x\(height) transform")
            }
            return (FFTPlan(width: width, height: height, plan: p), 1)
        }
    }

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

    static func release(_ buffer: FFTBuffer) {
        pool.withLock { bufs in
            bufs.append(buffer)
            var total = bufs.reduce(0) { $0 + $1.capacity }
            while bufs.count > poolMaxBuffers || (total > poolMaxDoubles && !bufs.isEmpty) {
                total -= bufs[0].capacity
                bufs.removeFirst()
            }
        }
    }

    /// Runs `body` with the spectrum of the `width x height` window at
    /// (`x0`, `y0`) of `image`. The pointer is valid only inside `body`.
    static func withSpectrum<R>(of image: GrayImage, x0: Int, y0: Int, width: Int, height: Int,
                                _ body: (UnsafePointer<Double>) throws(SFError) -> R) throws(SFError) -> R {
        let plan = try plan(width: width, height: height)
        let doubles = try bufferDoubles(width: width, height: height)
        let buf = try acquire(doubles: doubles)
        defer { release(buf) }
        let rowDoubles = 2 * (width / 2 + 1)
        let dst = buf.base
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<height {
                let s = (y0 + y) * image.width + x0
                let d = dst + y * rowDoubles
                for x in 0..<width { d[x] = Double(src[s + x]) }
            }
        }
        let out = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: fftw_complex.self)
        fftw_execute_dft_r2c(plan.plan, dst, out)
        return try body(UnsafePointer(dst))
    }
}
