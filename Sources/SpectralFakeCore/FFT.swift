import CFFTW
import Synchronization

/// The FFTW plans of one image size and one planner flag.
///
/// The 2-D DFT is computed as FFTW's own 2-D plan would be, in two passes,
/// but blocked so that nothing re-reads the whole spectrum afterwards:
/// rows are converted to doubles and transformed (real-to-complex) in blocks
/// of `rowBlock` rows while they are in cache, into the half spectrum
/// (`height` rows of `width/2 + 1` complex values); then the columns are
/// transformed (complex-to-complex) in blocks of `columnBlock` into a small
/// scratch area handed to the caller column block by column block.
/// Plans are immutable and shared by all threads: only the new-array execute
/// functions, which FFTW documents as thread-safe, are called on them.
final class FFTPlans: @unchecked Sendable {
    static let rowBlock = 16     // 16 * (w/2+1) * 16 bytes is a multiple of 64: same alignment for every block
    static let columnBlock = 8   // 8 complex = 128 bytes: same alignment for every block

    let layout: FFTLayout
    var width: Int { layout.width }
    var height: Int { layout.height }
    let rows: OpaquePointer
    let rowsTail: OpaquePointer?
    let columns: OpaquePointer
    let columnsTail: OpaquePointer?

    init?(width: Int, height: Int, flags: UInt32) {
        guard let layout = try? FFTLayout(width: width, height: height),
              let scratch = FFTBuffer(capacity: layout.doubles) else { return nil }
        self.layout = layout
        let hw = layout.halfWidth
        let rb = min(FFTPlans.rowBlock, height), cb = min(FFTPlans.columnBlock, hw)
        let rowTail = height % rb, columnTail = hw % cb
        let base = scratch.base
        func rowPlan(_ count: Int, _ firstRow: Int) -> OpaquePointer? {
            var n = [Int32(width)]
            return fftw_plan_many_dft_r2c(1, &n, Int32(count), layout.rowInput(base), nil, 1, Int32(width),
                                          layout.spectrum(base, row: firstRow), nil, 1, Int32(hw), flags)
        }
        func columnPlan(_ count: Int, _ firstColumn: Int) -> OpaquePointer? {
            var n = [Int32(height)]
            return fftw_plan_many_dft(1, &n, Int32(count), layout.spectrum(base, column: firstColumn), nil,
                                      Int32(hw), 1, layout.columnOutput(base), nil, 1, Int32(height),
                                      FFTW_FORWARD, flags)
        }
        guard let r = rowPlan(rb, 0), let c = columnPlan(cb, 0) else { return nil }
        rows = r
        columns = c
        rowsTail = rowTail > 0 ? rowPlan(rowTail, height - rowTail) : nil
        columnsTail = columnTail > 0 ? columnPlan(columnTail, hw - columnTail) : nil
        if (rowTail > 0 && rowsTail == nil) || (columnTail > 0 && columnsTail == nil) { return nil }
    }

    deinit {
        fftw_destroy_plan(rows)
        fftw_destroy_plan(columns)
        if let rowsTail { fftw_destroy_plan(rowsTail) }
        if let columnsTail { fftw_destroy_plan(columnsTail) }
    }
}

/// Where the pieces live in one work buffer (offsets in doubles, each a
/// multiple of 8 so that every piece keeps fftw_malloc's alignment).
struct FFTLayout: Sendable {
    let width: Int
    let height: Int
    let halfWidth: Int
    let rowInputOffset: Int
    let columnOutputOffset: Int
    let doubles: Int

    init(width: Int, height: Int) throws(SFError) {
        self.width = width
        self.height = height
        halfWidth = width / 2 + 1
        func up8(_ x: Int) -> Int { (x + 7) & ~7 }
        let (spec, o1) = (2 * halfWidth).multipliedReportingOverflow(by: height)
        let (rowIn, o2) = FFTPlans.rowBlock.multipliedReportingOverflow(by: width)
        let (colOut, o3) = (2 * FFTPlans.columnBlock).multipliedReportingOverflow(by: height)
        guard !o1, !o2, !o3, width <= Int(Int32.max / 2), height <= Int(Int32.max / 2),
              spec < Int.max / 4, rowIn < Int.max / 4, colOut < Int.max / 4 else {
            throw SFError(.limitPixels, "image \(width)x\(height) is too large for the FFT")
        }
        rowInputOffset = up8(spec)
        columnOutputOffset = rowInputOffset + up8(rowIn)
        doubles = columnOutputOffset + up8(colOut)
    }

    func spectrum(_ base: UnsafeMutablePointer<Double>, row: Int) -> UnsafeMutablePointer<fftw_complex> {
        UnsafeMutableRawPointer(base + 2 * row * halfWidth).assumingMemoryBound(to: fftw_complex.self)
    }

    func spectrum(_ base: UnsafeMutablePointer<Double>, column: Int) -> UnsafeMutablePointer<fftw_complex> {
        UnsafeMutableRawPointer(base + 2 * column).assumingMemoryBound(to: fftw_complex.self)
    }

    func rowInput(_ base: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> {
        base + rowInputOffset
    }

    func columnOutput(_ base: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<fftw_complex> {
        UnsafeMutableRawPointer(base + columnOutputOffset).assumingMemoryBound(to: fftw_complex.self)
    }
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

/// The plans of one image size: the ESTIMATE plans, made with the entry, and
/// MEASURE plans made on demand by one thread while the others go on with
/// the ESTIMATE plans.
final class FFTPlanSet: @unchecked Sendable {
    let estimate: FFTPlans
    let uses = Atomic<Int>(0)
    private enum Measured { case none, planning, done(FFTPlans), failed }
    private let measured = Locked<Measured>(.none)
    private let measureLock = Locked<Void>(())

    init(estimate: FFTPlans) { self.estimate = estimate }

    var measuredPlan: FFTPlans? {
        measured.withLock { if case .done(let p) = $0 { return p } else { return nil } }
    }

    /// Makes the MEASURE plan unless it exists or another thread is making
    /// it (then returns at once with nil, or waits for it when `wait`).
    func measure(wait: Bool) -> FFTPlans? {
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
        let plan: FFTPlans? = measureLock.withLock { _ in
            FFT.makePlans(width: estimate.width, height: estimate.height, flags: UInt32(FFTW_MEASURE))
        }
        measured.withLock { $0 = plan.map { .done($0) } ?? .failed }
        return plan
    }
}

/// The 2-D DFT of gray images via FFTW (see FFTPlans for the blocking).
///
/// The caller receives the spectrum column block by column block: for
/// columns kx0 ..< kx0 + count of the half spectrum (kx <= width/2), each
/// column holds the `height` complex DFT coefficients F[ky][kx], ky = 0 ..<
/// height (re, im interleaved; column c starts at 2 * c * height doubles).
/// F[ky][kx'] for kx' > width/2 is conj(F[-ky mod H][width - kx']).
enum FFT {
    /// Uses of a size after which `.auto` makes MEASURE plans.
    static let measureAfterUses = 32

    private static let setup: Bool = {
        fftw_make_planner_thread_safe()
        return true
    }()

    private static let plans = LRUCache<FFTSize, FFTPlanSet>(maxEntries: 64, maxCost: 64)
    private static let pool = Locked<[FFTBuffer]>([])
    private static let poolMaxBuffers = 8
    private static let poolMaxDoubles = 64 << 20  // 512 MiB of pooled buffers at most

    static func makePlans(width: Int, height: Int, flags: UInt32) -> FFTPlans? {
        _ = setup
        return FFTPlans(width: width, height: height, flags: flags)
    }

    static func plans(width: Int, height: Int, planning: FFTPlanning) throws(SFError) -> FFTPlans {
        let set = try plans.value(for: FFTSize(width: width, height: height)) { () throws(SFError) in
            guard let p = makePlans(width: width, height: height, flags: UInt32(FFTW_ESTIMATE)) else {
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

    /// Transforms the `width x height` window at (`x0`, `y0`) of `image` and
    /// hands the spectrum to `consume` column block by column block (layout
    /// in the type's documentation; the pointer is valid only during the
    /// call). Returns false, without the column pass, if every pixel of the
    /// window has the same value (its spectrum has no structure).
    static func transform(_ image: GrayImage, x0: Int, y0: Int, width: Int, height: Int, planning: FFTPlanning,
                          consume: (_ firstColumn: Int, _ count: Int, _ columns: UnsafePointer<Double>) throws(SFError) -> Void)
        throws(SFError) -> Bool {
        let p = try plans(width: width, height: height, planning: planning)
        let layout = p.layout
        let buf = try acquire(doubles: layout.doubles)
        defer { release(buf) }
        let base = buf.base
        let hw = layout.halfWidth
        let rb = min(FFTPlans.rowBlock, height), cb = min(FFTPlans.columnBlock, hw)
        let input = layout.rowInput(base)
        // Rows: convert to doubles in cache, transform each block at once.
        var differs: UInt8 = 0
        image.pixels.withUnsafeBufferPointer { src in
            let first = src[y0 * image.width + x0]
            var ky0 = 0
            while ky0 < height {
                let n = min(rb, height - ky0)
                for r in 0..<n {
                    let s = (y0 + ky0 + r) * image.width + x0
                    let d = input + r * width
                    for x in 0..<width {
                        let v = src[s + x]
                        differs |= v ^ first
                        d[x] = Double(v)
                    }
                }
                fftw_execute_dft_r2c(n == rb ? p.rows : p.rowsTail!, input, layout.spectrum(base, row: ky0))
                ky0 += n
            }
        }
        if differs == 0 { return false }
        // Columns: transform a block into the scratch area, hand it over.
        let out = layout.columnOutput(base)
        var kx0 = 0
        while kx0 < hw {
            let n = min(cb, hw - kx0)
            fftw_execute_dft(n == cb ? p.columns : p.columnsTail!, layout.spectrum(base, column: kx0), out)
            try consume(kx0, n, UnsafeRawPointer(out).assumingMemoryBound(to: Double.self))
            kx0 += n
        }
        return true
    }
}
