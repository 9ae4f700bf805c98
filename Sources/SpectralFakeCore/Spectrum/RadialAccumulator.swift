import CSFKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Accumulates `20 * ln|F + epsilon|` per bin over the column blocks of
/// one spectrum, then gives the azimuthal average.
///
/// Sums of logarithms are computed as logarithms of products: per bin the
/// values |F + eps|^2 are multiplied, one log per bin ends the job. This
/// needs one log per bin instead of one per pixel and is at least as
/// accurate as summing per-pixel logs (relative error ~1e-16 per factor, no
/// cancellation). Each bin has 4 slots (own/mirror x even/odd ky), so that
/// neighbouring coefficients of one ring do not wait on each other's
/// multiply; each slot holds its product as `product * 2^exponent`.
///
/// The factors are the values scaled by 2^-map.shift, multiplied in as they
/// are when their exponent lies within `map.rawBound` (nearly all of them:
/// the spectrum of an 8-bit image keeps |F|^2 within about 2^±15 of its
/// typical value almost everywhere), split into mantissa and exponent
/// otherwise. Each product is renormalised (its
/// exponent moved into the slot's exponent, exactly) right after a column
/// that fed the slot more than `RadialBinMap.heavyThreshold` factors and
/// at least every `RadialBinMap.renormColumns` columns, which keeps every
/// product normal and finite (RadialBinMap.rawBound). Products of scaled
/// values and products of mantissas differ only by exact powers of two, so
/// every rounding, and the result, is that of multiplying the mantissas in
/// the same order.
///
/// Small spectra (maps with a RingSchedule) take two passes instead: each
/// column block's factors are written out (sfk_ring_factors, the same
/// scaling, split and checks), and at the end each slot multiplies its
/// factors in the same order (sfk_ring_products): the same products, bit
/// for bit, without a read-modify-write of a slot per factor.
struct RadialAccumulator: ~Copyable {
    let map: RadialBinMap
    let epsilon: Double
    /// Per slot the running product and the exponent moved out of it.
    let products: UnsafeMutablePointer<Double>
    let exponents: UnsafeMutablePointer<Int64>
    var columnsSinceRenorm = 0
    /// Bins fed since the last renormalisation (lo > hi: none).
    var pendingLo = Int.max, pendingHi = -1
    var bad: (Int, Int, Double)? = nil
    /// The two-pass accumulation's factors (map.schedule's elements, then 1.0).
    let factors: FFTBuffer?

    /// twoPass: false keeps a map with a schedule on the column kernel (tests).
    init(map: RadialBinMap, epsilon: Double, twoPass: Bool = true) throws(SFError) {
        var f: FFTBuffer? = nil
        if twoPass, let s = map.schedule {
            f = try FFTBufferPool.acquire(doubles: s.elements + 1)
            f!.base[s.elements] = 1.0
        }
        let slots = (map.binCount + 1) * 4
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, slots * 16) == 0, let raw else {
            throw SFError(.outOfMemory, "cannot allocate \(slots * 16) bytes for the ring sums of a \(map.width)x\(map.height) spectrum")
        }
        factors = f
        self.map = map
        self.epsilon = epsilon
        products = raw.bindMemory(to: Double.self, capacity: slots)
        exponents = (raw + 8 * slots).bindMemory(to: Int64.self, capacity: slots)
        products.initialize(repeating: 1.0, count: slots)
        exponents.initialize(repeating: 0, count: slots)
    }

    deinit {
        free(products)
        if let f = factors { FFTBufferPool.release(f) }
    }

    /// Adds `count` columns starting at column `kx0` (layout of FFT.transform).
    mutating func add(firstColumn kx0: Int, count: Int, columns: UnsafePointer<Double>) {
        let h = map.height
        if let f = factors {
            var v = 0.0
            let i = sfk_ring_factors(columns, count * h, h, map.packed!.base + kx0 * h, epsilon, Int64(map.shift),
                                     Int64(RingSchedule.bound), f.base + kx0 * h, exponents, &v)
            if i >= 0 && bad == nil { bad = (i % h, kx0 + i / h, v) }
            return
        }
        let bound = Int64(map.rawBound), shift = Int64(map.shift)
        for c in 0..<count {
            let kx = kx0 + c
            let col = columns + 2 * c * h
            var v = 0.0
            // the inner loop over the column's rows: sf_kernels.h (C, vectorised, exact)
            let badRow: Int
            if let p = map.packed {
                badRow = sfk_accumulate_column_packed(col, h, p.base + kx * h, epsilon, shift, bound, products, exponents, &v)
            } else if let b = map.bins16 {
                badRow = sfk_accumulate_column_u16(col, h, b.own.base + kx * h, b.mirror.base + kx * h, epsilon, shift,
                                                   bound, products, exponents, &v)
            } else {
                let b = map.bins32!
                badRow = sfk_accumulate_column_u32(col, h, b.own.base + kx * h, b.mirror.base + kx * h, epsilon, shift,
                                                   bound, products, exponents, &v)
            }
            if badRow >= 0 && bad == nil { bad = (badRow, kx, v) }
            for i in map.heavyStart.base[kx]..<map.heavyStart.base[kx + 1] {
                let b = Int(map.heavyBins[i])
                sfk_renormalize(products, exponents, 4 * b, 4 * b + 4)
            }
            let lo = Int(map.columnBins.base[2 * kx]), hi = Int(map.columnBins.base[2 * kx + 1])
            if lo <= hi { pendingLo = min(pendingLo, lo); pendingHi = max(pendingHi, hi) }
            columnsSinceRenorm += 1
            if columnsSinceRenorm >= RadialBinMap.renormColumns {
                renormalize(bins: pendingLo, pendingHi)
            }
        }
    }

    /// Moves the exponent of each running product of bins lo ... hi into
    /// its slot's exponent (exact). The discard slot is never read, so it
    /// is left to overflow.
    private mutating func renormalize(bins lo: Int, _ hi: Int) {
        defer { columnsSinceRenorm = 0; pendingLo = Int.max; pendingHi = -1 }
        guard lo <= hi else { return }
        sfk_renormalize(products, exponents, 4 * lo, 4 * (hi + 1))
    }

    /// The mean of 20 ln|F + eps| per output bin.
    consuming func finish() throws(SFError) -> [Double] {
        if let (ky, kx, v) = bad {
            throw SFError(.nonFinite,
                          "spectrum coefficient (\(ky), \(kx)) has |F + epsilon| = \(v.squareRoot()) (epsilon = \(epsilon)); its log magnitude is not finite")
        }
        if let f = factors, let s = map.schedule {
            sfk_ring_products(f.base, s.indices.base, s.rows.base, s.groups, products, exponents)
        }
        renormalize(bins: 0, map.binCount - 1)
        let ln2 = 0.693147180559945309417232121458176568
        try ensureAllocatable(map.binCount * 8, "the profile of a \(map.width)x\(map.height) spectrum")
        var out = [Double](repeating: 0, count: map.binCount)
        for b in 0..<map.binCount {
            let n = map.counts[b]
            var prod = 1.0
            var expo = Int64(map.shift) * Int64(n)   // each factor was scaled by 2^-shift
            for lane in 0..<4 {
                let q = prod * products[4 * b + lane]   // in [1, 4) after renormalisation
                expo &+= exponents[4 * b + lane] &+ Int64(q.exponent)
                prod = q.significand
            }
            let sumLn = log(prod) + Double(expo) * ln2
            out[b] = 10 * sumLn / n
        }
        return out
    }
}
