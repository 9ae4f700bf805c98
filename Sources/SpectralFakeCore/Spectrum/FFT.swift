import CFFTW
import Synchronization
import CSFKernels

/// The 2-D DFT of gray images via FFTW (see FFTPlans for the blocking).
///
/// The caller receives the spectrum column block by column block: for
/// columns kx0 ..< kx0 + count of the half spectrum (kx <= width/2), each
/// column holds the `height` complex DFT coefficients F[ky][kx], ky = 0 ..<
/// height (re, im interleaved; column c starts at 2 * c * height doubles).
/// F[ky][kx'] for kx' > width/2 is conj(F[-ky mod H][width - kx']).
enum FFT {
    /// Uses of a size after which `.auto` makes MEASURE plans (when the
    /// wisdom file does not already hold them).
    static let measureAfterUses = 8

    /// Measured plans are kept only when an interleaved timing says they are
    /// not clearly slower than ESTIMATE (tests of the planning logic turn it off).
    static let checkMeasuredPlans = Atomic<Bool>(true)

    private static let setup: Bool = {
        fftw_make_planner_thread_safe()
        return true
    }()

    private static let plans = LRUCache<FFTSize, FFTPlanSet>(maxEntries: 64, maxCost: 64)

    /// Drops the cached plans (sf_trim_caches; plans in use stay alive).
    static func trimPlans() { plans.removeAll() }

    static func makePlans(width: Int, height: Int, flags: UInt32,
                          wisdomOnly: Bool = false) -> (plans: FFTPlans?, pending: FFTWisdom.Pending?) {
        _ = setup
        return FFTWisdom.makePlans(width: width, height: height, flags: flags, wisdomOnly: wisdomOnly)
    }

    static func plans(width: Int, height: Int, planning: FFTPlanning) throws(SFError) -> FFTPlans {
        let set = try plans.value(for: FFTSize(width: width, height: height)) { () throws(SFError) in
            // FFTW aborts the process when its own allocations fail: make
            // sure first that memory of the order it plans with is there.
            try ensureAllocatable(64 * (width + height) + (8 << 20), "planning a \(width)x\(height) FFT")
            guard let p = makePlans(width: width, height: height, flags: UInt32(FFTW_ESTIMATE)).plans else {
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
            if let p = set.measuredPlan ?? set.fromWisdom() { return p }
            let n = set.uses.wrappingAdd(1, ordering: .relaxed).newValue
            if n >= measureAfterUses, let p = set.measure(wait: false) { return p }
            return set.estimate
        }
    }

    /// One plain 2-D real-to-complex transform of `height` rows of `width`
    /// doubles into `output` (height x (width/2 + 1)), planned (ESTIMATE)
    /// and destroyed under the planner lock; false when FFTW cannot plan it.
    /// For one-off transforms outside the feature pipeline.
    static func transform2D(width: Int, height: Int, input: UnsafeMutablePointer<Double>,
                            output: UnsafeMutablePointer<fftw_complex>) -> Bool {
        _ = setup
        guard let plan = FFTWisdom.withPlannerLock({
            fftw_plan_dft_r2c_2d(Int32(height), Int32(width), input, output, UInt32(FFTW_ESTIMATE))
        }) else { return false }
        fftw_execute(plan)
        FFTWisdom.withPlannerLock { fftw_destroy_plan(plan) }
        return true
    }

    /// Seconds of one transform (rows and columns) with `plans` on the
    /// buffer at `base` (a measurement, for checking a measured plan).
    static func time(_ plans: FFTPlans, on base: UnsafeMutablePointer<Double>) -> Double {
        let t0 = Deadline.now()
        try? run(plans, base, loadRows: { _, _ in }, consume: { _, _, _ in })   // consumes nothing: cannot throw
        return Double(Deadline.now() - t0) * 1e-9
    }

    /// Transforms the `width x height` window at (`x0`, `y0`) of `image` and
    /// hands the spectrum to `consume` column block by column block (layout
    /// in the type's documentation; the pointer is valid only during the
    /// call). The caller has checked that the window is not constant.
    static func transform<Image: SpectrumInput>(_ image: Image, x0: Int, y0: Int, width: Int, height: Int,
                                                planning: FFTPlanning,
                                                consume: (_ firstColumn: Int, _ count: Int, _ columns: UnsafePointer<Double>) throws(SFError) -> Void)
        throws(SFError) {
        let p = try plans(width: width, height: height, planning: planning)
        let buf = try FFTBufferPool.acquire(doubles: p.layout.doubles)
        defer { FFTBufferPool.release(buf) }
        let input = p.layout.rowInput(buf.base)
        try run(p, buf.base, loadRows: { ky0, n in
            for r in 0..<n { image.loadRow(y0 + ky0 + r, x0: x0, count: width, into: input + r * width) }
        }, consume: consume)
    }

    /// The blocked transform on the buffer at `base`: `loadRows(first,
    /// count)` fills rowInput with the rows of each row block before it is
    /// transformed; `consume` receives each column block.
    private static func run(_ p: FFTPlans, _ base: UnsafeMutablePointer<Double>,
                            loadRows: (_ first: Int, _ count: Int) -> Void,
                            consume: (Int, Int, UnsafePointer<Double>) throws(SFError) -> Void) throws(SFError) {
        let layout = p.layout
        let hw = layout.halfWidth, height = layout.height
        let rb = layout.rowsPerBlock, cb = layout.columnsPerBlock
        // Rows: convert to doubles in cache, transform each block at once
        // (paired: two rows per complex transform, then separated; FFTPlans).
        let input = layout.rowInput(base), rowOut = layout.rowOutput(base), width = layout.width
        var ky0 = 0
        while ky0 < height {
            let n = min(rb, height - ky0)
            loadRows(ky0, n)
            let plan = n == rb ? p.rows : p.rowsTail!
            if layout.pairedRows {
                if n % 2 == 1 { (input + n * width).update(repeating: 0, count: width) }   // the last row's partner
                fftw_execute_split_dft(plan, input, input + width, rowOut, rowOut + width)
                sfk_split_rows(rowOut, width, n, UnsafeMutableRawPointer(layout.spectrum(base, row: ky0))
                    .assumingMemoryBound(to: Double.self))
            } else {
                fftw_execute_dft_r2c(plan, input, layout.spectrum(base, row: ky0))
            }
            ky0 += n
        }
        // Columns: transform a block into the scratch area, hand it over.
        let out = layout.columnOutput(base)
        var kx0 = 0
        while kx0 < hw {
            let n = min(cb, hw - kx0)
            fftw_execute_dft(n == cb ? p.columns : p.columnsTail!, layout.spectrum(base, column: kx0), out)
            try consume(kx0, n, UnsafeRawPointer(out).assumingMemoryBound(to: Double.self))
            kx0 += n
        }
    }
}

/// An image the transform reads: gray bytes (decoded images) or doubles
/// (resampled ones).
protocol SpectrumInput {
    var width: Int { get }
    var height: Int { get }
    /// Writes `count` pixels of row y from column x0 as doubles into d.
    func loadRow(_ y: Int, x0: Int, count: Int, into d: UnsafeMutablePointer<Double>)
    /// The pixel at (x, y), for messages.
    func value(x: Int, y: Int) -> Double
    /// True when every pixel of the window equals its first one (checked
    /// before the FFT buffers are allocated).
    func isConstant(x0: Int, y0: Int, width: Int, height: Int) -> Bool
}

extension GrayImage: SpectrumInput {
    func loadRow(_ y: Int, x0: Int, count: Int, into d: UnsafeMutablePointer<Double>) {
        sfk_u8_to_double(storage.base + (y * width + x0), d, count)   // sf_kernels.h: vectorised
    }

    func value(x: Int, y: Int) -> Double { Double(self[x, y]) }

    func isConstant(x0: Int, y0: Int, width w: Int, height h: Int) -> Bool {
        let src = storage.base
        let first = src[y0 * width + x0]
        for y in y0..<(y0 + h) {
            let row = src + (y * width + x0)
            var differs: UInt8 = 0
            for x in 0..<w { differs |= row[x] ^ first }
            if differs != 0 { return false }
        }
        return true
    }
}

extension RealImage: SpectrumInput {
    func loadRow(_ y: Int, x0: Int, count: Int, into d: UnsafeMutablePointer<Double>) {
        pixels.withUnsafeBufferPointer { src in
            d.update(from: src.baseAddress! + (y * width + x0), count: count)
        }
    }

    func value(x: Int, y: Int) -> Double { pixels[y * width + x] }

    func isConstant(x0: Int, y0: Int, width w: Int, height h: Int) -> Bool {
        let first = pixels[y0 * width + x0]
        for y in y0..<(y0 + h) {
            for x in x0..<(x0 + w) where pixels[y * width + x] != first { return false }
        }
        return true
    }
}
