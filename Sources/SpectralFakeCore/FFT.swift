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

/// How FFTW plans are made (`sf_fft_planning` in the C header).
public enum FFTPlanning: Int32, Sendable, CaseIterable {
    /// FFTW_ESTIMATE for the first uses of an image size; once a size has
    /// been transformed `FFT.measureAfterUses` times in the process, a
    /// FFTW_MEASURE plan is made (about 0.3 s at 1024x1024, once) and used
    /// from then on (2.2x faster execution at 1024x1024).
    case auto = 0
    /// Always FFTW_ESTIMATE: cheap plans, bit-reproducible results.
    case estimate = 1
    /// FFTW_MEASURE from the first use of a size.
    case measure = 2
}

/// The plans of one image size: the ESTIMATE plan, made with the entry, and
/// a MEASURE plan made on demand by one thread while the others go on with
/// the ESTIMATE plan.
final class FFTPlanSet: @unchecked Sendable {
    let estimate: FFTPlan
    let uses = Atomic<Int>(0)
    private enum Measured { case none, planning, done(FFTPlan), failed }
    private let measured = Locked<Measured>(.none)
    private let measureLock = Locked<Void>(())

    init(estimate: FFTPlan) { self.estimate = estimate }

    var measuredPlan: FFTPlan? {
        measured.withLock { if case .done(let p) = $0 { return p } else { return nil } }
    }

    /// Makes the MEASURE plan unless it exists or another thread is making
    /// it (then returns at once with nil, or waits for it when `wait`).
    func measure(wait: Bool) -> FFTPlan? {
        let claim: Bool = measured.withLock { state in
            if case .none = state {
                state = .planning
                return true
            }
            return false
        }
        if !claim {
            if wait { measureLock.withLock { _ in } }
            return measuredPlan
        }
        let plan: FFTPlan? = measureLock.withLock { _ in
            FFT.makePlan(width: estimate.width, height: estimate.height, flags: UInt32(FFTW_MEASURE))
        }
        measured.withLock { $0 = plan.map { .done($0) } ?? .failed }
        return plan
    }
}

/// The 2-D DFT of gray images via FFTW's real-to-complex transform.
///
/// Layout of the spectrum (in place): `height` rows of `width / 2 + 1`
/// complex values (re, im interleaved), i.e. a row stride of
/// `2 * (width / 2 + 1)` doubles. Element (ky, kx) is the DFT coefficient
/// F[ky][kx]; F[ky][kx'] for kx' > width/2 is conj(F[-ky mod H][width - kx']).
enum FFT {
    /// Uses of a size after which `.auto` makes a MEASURE plan.
    static let measureAfterUses = 32

    private static let setup: Bool = {
        fftw_make_planner_thread_safe()
        return true
    }()

    private static let plans = LRUCache<FFTSize, FFTPlanSet>(maxEntries: 64, maxCost: 64)
    private static let pool = Locked<[FFTBuffer]>([])
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

    /// Plans an in-place r2c transform on a scratch buffer from fftw_malloc
    /// (every buffer we execute on comes from fftw_malloc too, so it has the
    /// alignment the plan was made for).
    static func makePlan(width: Int, height: Int, flags: UInt32) -> FFTPlan? {
        _ = setup
        guard let doubles = try? bufferDoubles(width: width, height: height),
              let scratch = FFTBuffer(capacity: doubles) else { return nil }
        let out = UnsafeMutableRawPointer(scratch.base).assumingMemoryBound(to: fftw_complex.self)
        guard let p = fftw_plan_dft_r2c_2d(Int32(height), Int32(width), scratch.base, out, flags) else { return nil }
        return FFTPlan(width: width, height: height, plan: p)
    }

    static func plan(width: Int, height: Int, planning: FFTPlanning) throws(SFError) -> FFTPlan {
        let set = try plans.value(for: FFTSize(width: width, height: height)) { () throws(SFError) in
            guard let p = makePlan(width: width, height: height, flags: UInt32(FFTW_ESTIMATE)) else {
                throw SFError(.outOfMemory, "FFTW could not plan a \(width)x\(height) transform")
            }
            return (FFTPlanSet(estimate: p), 1)
        }
        switch planning {
        case .estimate:
            return set.estimate
        case .measure:
            return set.measuredPlan ?? set.measure(wait: true) ?? set.estimate
        case .auto:
            if let p = set.measuredPlan { return p }
            let n = set.uses.wrappingAdd(1, ordering: .relaxed).newValue
            if n >= measureAfterUses, let p = set.measure(wait: false) { return p }
            return set.estimate
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
                                planning: FFTPlanning,
                                _ body: (UnsafePointer<Double>) throws(SFError) -> R) throws(SFError) -> R {
        let plan = try plan(width: width, height: height, planning: planning)
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
