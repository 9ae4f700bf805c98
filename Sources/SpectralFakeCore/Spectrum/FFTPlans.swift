import CFFTW
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The FFTW plans of one image size and one planner flag.
///
/// The 2-D DFT is computed as FFTW's own 2-D plan would be, in two passes,
/// but blocked so that nothing re-reads the whole spectrum afterwards:
/// rows are converted to doubles and transformed in blocks of `rowBlock`
/// rows while they are in cache, into the half spectrum (`height` rows of
/// `width/2 + 1` complex values); then the columns are transformed
/// (complex-to-complex) in blocks of `columnBlock` into a small scratch area
/// handed to the caller column block by column block.
///
/// Rows of up to `maxPairedWidth` pixels are transformed two at a time:
/// rows 2j and 2j + 1 are the real and imaginary parts of one complex row
/// (FFTW's split format, so the rows stay where the conversion put them),
/// and sfk_split_rows separates the two real rows' DFTs from its DFT.
/// FFTW's complex transforms have SIMD codelets and its real-to-complex ones
/// here do not: at 128 and 256 the row pass took 0.80x and 0.87x the time of
/// FFTW's batched real-to-complex plan, separation included (Zen 4, FFTW
/// 3.3.10). Wider rows keep the real-to-complex plan: at 1024 the pairs
/// saved only 3-5%, and one MEASURE plan of them moved a 1024x1024 image's
/// features 1.0e-13 from the ESTIMATE plan's, past the 1e-13 the library
/// keeps between plans (docs/features.md).
/// Plans are immutable and shared by all threads: only the new-array execute
/// functions, which FFTW documents as thread-safe, are called on them.
final class FFTPlans: @unchecked Sendable {
    static let rowBlock = 8      // 8 * (w/2+1) * 16 bytes is a multiple of 64: same alignment for every block
    static let maxPairedWidth = 512
    static let columnBlock = 8   // 8 complex = 128 bytes: same alignment for every block

    let layout: FFTLayout
    /// Made with FFTW_MEASURE (measured now or from wisdom), not ESTIMATE.
    let isMeasured: Bool
    var width: Int { layout.width }
    var height: Int { layout.height }
    let rows: OpaquePointer
    let rowsTail: OpaquePointer?
    let columns: OpaquePointer
    let columnsTail: OpaquePointer?

    init?(width: Int, height: Int, flags: UInt32) {
        // FFTW aborts the process when one of its own allocations fails:
        // with the planning buffer held, make sure that memory of the order
        // FFTW plans with (twiddles, buffers) is there too
        guard let layout = try? FFTLayout(width: width, height: height),
              let scratch = FFTBuffer(capacity: layout.doubles),
              (try? ensureAllocatable(64 * (width + height) + (8 << 20), "planning")) != nil else { return nil }
        self.layout = layout
        isMeasured = flags & UInt32(FFTW_ESTIMATE) == 0
        let hw = layout.halfWidth
        let rb = layout.rowsPerBlock, cb = layout.columnsPerBlock
        let rowTail = height % rb, columnTail = hw % cb
        let base = scratch.base
        func rowPlan(_ count: Int, _ firstRow: Int) -> OpaquePointer? {
            guard layout.pairedRows else {
                var n = [Int32(width)]
                return fftw_plan_many_dft_r2c(1, &n, Int32(count), layout.rowInput(base), nil, 1, Int32(width),
                                              layout.spectrum(base, row: firstRow), nil, 1, Int32(hw), flags)
            }
            // (count + 1) / 2 complex rows in split format: real parts the
            // even rows, imaginary parts the odd ones (FFT.run)
            var dim = fftw_iodim(n: Int32(width), is: 1, os: 1)
            var pairs = fftw_iodim(n: Int32((count + 1) / 2), is: Int32(2 * width), os: Int32(2 * width))
            let input = layout.rowInput(base), output = layout.rowOutput(base)
            return fftw_plan_guru_split_dft(1, &dim, 1, &pairs, input, input + width, output, output + width, flags)
        }
        func columnPlan(_ count: Int, _ firstColumn: Int) -> OpaquePointer? {
            var n = [Int32(height)]
            return fftw_plan_many_dft(1, &n, Int32(count), layout.spectrum(base, column: firstColumn), nil,
                                      Int32(hw), 1, layout.columnOutput(base), nil, 1, Int32(height),
                                      FFTW_FORWARD, flags)
        }
        // all four or none: a wisdom-only lookup may find some plans (the row
        // plans depend only on the width) and not the others
        let r = rowPlan(rb, 0), c = columnPlan(cb, 0)
        let rt = rowTail > 0 ? rowPlan(rowTail, height - rowTail) : nil
        let ct = columnTail > 0 ? columnPlan(columnTail, hw - columnTail) : nil
        guard let r, let c, rowTail == 0 || rt != nil, columnTail == 0 || ct != nil else {
            for p in [r, c, rt, ct] { if let p { fftw_destroy_plan(p) } }   // the caller holds the planner lock
            return nil
        }
        rows = r
        columns = c
        rowsTail = rt
        columnsTail = ct
    }

    deinit {
        let (r, c, rt, ct) = (rows, columns, rowsTail, columnsTail)
        FFTWisdom.withPlannerLock {
            fftw_destroy_plan(r)
            fftw_destroy_plan(c)
            if let rt { fftw_destroy_plan(rt) }
            if let ct { fftw_destroy_plan(ct) }
        }
    }
}

/// Where the pieces live in one work buffer (offsets in doubles, each a
/// multiple of 8 so that every piece keeps fftw_malloc's alignment).
struct FFTLayout: Sendable {
    let width: Int
    let height: Int
    let halfWidth: Int
    /// Rows of a row block and columns of a column block (the plans' block
    /// sizes, smaller for small images).
    let rowsPerBlock: Int
    let columnsPerBlock: Int
    let pairedRows: Bool
    let rowInputOffset: Int
    let rowOutputOffset: Int
    let columnOutputOffset: Int
    let doubles: Int

    init(width: Int, height: Int) throws(SFError) {
        self.width = width
        self.height = height
        halfWidth = width / 2 + 1
        rowsPerBlock = min(FFTPlans.rowBlock, height)
        columnsPerBlock = min(FFTPlans.columnBlock, halfWidth)
        pairedRows = width <= FFTPlans.maxPairedWidth
        func up8(_ x: Int) -> Int { (x + 7) & ~7 }
        let (spec, o1) = (2 * halfWidth).multipliedReportingOverflow(by: height)
        // the row input and output hold one row block (an even number of
        // rows: pairs), the column output one column block
        let (rowIn, o2) = ((rowsPerBlock + 1) & ~1).multipliedReportingOverflow(by: width)
        let (colOut, o3) = (2 * columnsPerBlock).multipliedReportingOverflow(by: height)
        guard !o1, !o2, !o3, width <= Int(Int32.max / 2), height <= Int(Int32.max / 2),
              spec < Int.max / 4, rowIn < Int.max / 4, colOut < Int.max / 4 else {
            throw SFError(.limitPixels, "image \(width)x\(height) is too large for the FFT")
        }
        rowInputOffset = up8(spec)
        rowOutputOffset = rowInputOffset + up8(rowIn)
        columnOutputOffset = rowOutputOffset + (pairedRows ? up8(rowIn) : 0)
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

    /// The row block's transforms when rows are paired (split format: pairs
    /// of rows of real, then imaginary parts).
    func rowOutput(_ base: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<Double> {
        base + rowOutputOffset
    }

    func columnOutput(_ base: UnsafeMutablePointer<Double>) -> UnsafeMutablePointer<fftw_complex> {
        UnsafeMutableRawPointer(base + columnOutputOffset).assumingMemoryBound(to: fftw_complex.self)
    }
}

struct FFTSize: Hashable, Sendable {
    let width: Int
    let height: Int
}

/// How FFTW plans are made (`sf_fft_planning` in the C header).
public enum FFTPlanning: Int32, ABIEnum {
    /// The wisdom file's FFTW_MEASURE plan when it holds the size (a
    /// lookup); else FFTW_ESTIMATE for the first uses of an image size and,
    /// once a size has been transformed `FFT.measureAfterUses` times in the
    /// process, a FFTW_MEASURE plan (about 0.3 s at 1024x1024, once; saved
    /// to the wisdom file) used from then on.
    case auto = 0
    /// Always FFTW_ESTIMATE: cheap plans, bit-reproducible results.
    case estimate = 1
    /// FFTW_MEASURE from the first use of a size.
    case measure = 2

    public static let cType = "sf_fft_planning"
    public var name: String {
        switch self {
        case .auto: return "auto"
        case .estimate: return "estimate"
        case .measure: return "measure"
        }
    }
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
    private let wisdomTried = Atomic<Bool>(false)

    init(estimate: FFTPlans) { self.estimate = estimate }

    var measuredPlan: FFTPlans? {
        measured.withLock { if case .done(let p) = $0 { return p } else { return nil } }
    }

    /// The MEASURE plans from the wisdom file, looked up once (a lookup,
    /// not a measurement: a few milliseconds). nil when the file does not
    /// hold this size (or is off).
    func fromWisdom() -> FFTPlans? {
        guard !wisdomTried.load(ordering: .acquiring),
              !wisdomTried.exchange(true, ordering: .acquiringAndReleasing) else { return measuredPlan }
        guard FFTWisdom.path != nil else { return nil }
        guard claim() else { return measuredPlan }
        return make(orElse: .none) {   // not found: a later measure() may still measure
            FFT.makePlans(width: estimate.width, height: estimate.height, flags: UInt32(FFTW_MEASURE),
                          wisdomOnly: true).plans
        }
    }

    /// Claims the making of the measured plan (.none -> .planning).
    private func claim() -> Bool {
        measured.withLock { state in
            if case .none = state { state = .planning; return true }
            return false
        }
    }

    /// Makes the plan as the claimant and records it (a nil result leaves
    /// `failure`), both holding measureLock, which waiters take: once they
    /// have it, the state is no longer .planning unless the claimant has not
    /// reached the lock yet.
    private func make(orElse failure: Measured, _ body: () -> FFTPlans?) -> FFTPlans? {
        measureLock.withLock { _ in
            let plan = body()
            measured.withLock { $0 = plan.map { .done($0) } ?? failure }
            return plan
        }
    }

    /// Makes the MEASURE plan unless it exists or another thread is making
    /// it (then returns at once with nil, or waits for it when `wait`).
    func measure(wait: Bool) -> FFTPlans? {
        if !claim() {
            guard wait else { return measuredPlan }
            // wait until whoever claimed it is done (it may not hold measureLock yet:
            // then poll)
            while true {
                measureLock.withLock { _ in }
                let state: Int = measured.withLock {
                    switch $0 { case .planning: return 0; case .none: return 1; default: return 2 }
                }
                if state == 0 { usleep(1000); continue }
                // a wisdom lookup that found nothing leaves the state at .none: measure now
                return state == 1 ? measure(wait: true) : measuredPlan
            }
        }
        return make(orElse: .failed) {
            let (p, pending) = FFT.makePlans(width: estimate.width, height: estimate.height, flags: UInt32(FFTW_MEASURE))
            guard let p else { return nil }
            // FFTW measures on a machine that may be busy: keep (and save) a
            // newly measured plan only if it is not clearly slower than the
            // ESTIMATE one in an interleaved check (best of 3 each, 1.5x),
            // else stay with ESTIMATE for this size in this process. Plans
            // from the wisdom file were checked when measured; images over 4
            // MP are not checked (six transforms would cost seconds).
            let newlyMeasured = pending != nil || FFTWisdom.path == nil
            if newlyMeasured, FFT.checkMeasuredPlans.load(ordering: .relaxed),
               estimate.width * estimate.height <= 1 << 22, !checkedFaster(p) {
                return nil
            }
            if let pending { FFTWisdom.save(pending) }
            return p
        }
    }

    private func checkedFaster(_ m: FFTPlans) -> Bool {
        guard let buf = try? FFTBufferPool.acquire(doubles: m.layout.doubles) else { return true }
        defer { FFTBufferPool.release(buf) }
        let input = m.layout.rowInput(buf.base)
        for i in 0..<m.layout.rowsPerBlock * m.width { input[i] = Double((i &* 7919) % 251) }
        var bestM = Double.infinity, bestE = Double.infinity
        for _ in 0..<3 {
            bestE = min(bestE, FFT.time(estimate, on: buf.base))
            bestM = min(bestM, FFT.time(m, on: buf.base))
        }
        return bestM <= bestE * 1.5
    }
}
