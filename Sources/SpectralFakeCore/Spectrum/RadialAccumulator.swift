import CSFKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Accumulates `20 * ln|F + epsilon|` per bin over the column blocks of
/// one spectrum, then gives the azimuthal average.
///
/// Sums of logarithms are computed as logarithms of products: each
/// |F + eps|^2 is split into a mantissa in [1, 2) and an exponent; per bin
/// the mantissas are multiplied and the exponents added exactly, and one
/// log per bin ends the job. This needs one log per bin instead of one per
/// pixel and is at least as accurate as summing per-pixel logs (relative
/// error ~1e-16 per factor, no cancellation). Each bin has 4 accumulator
/// lanes (own/mirror x even/odd ky), so that neighbouring coefficients of
/// one ring do not wait on each other's multiply.
struct RadialAccumulator: ~Copyable {
    /// The mantissa bits of a double, and the exponent bits of 1.0: `(bits &
    /// mantissaMask) | oneBits` is the mantissa as a value in [1, 2).
    private static let mantissaMask: UInt64 = 0x000F_FFFF_FFFF_FFFF
    private static let oneBits: UInt64 = 0x3FF0_0000_0000_0000

    let map: RadialBinMap
    let epsilon: Double
    let slots: Int
    /// Per slot, the running mantissa product and exponent sum side by
    /// side (sfk_slot; one cache line holds four): [P0, E0, P1, E1, ...].
    let PE: UnsafeMutableRawBufferPointer
    var columnsSinceRenorm = 0
    /// Bins fed since the last renormalisation (lo > hi: none).
    var pendingLo = Int.max, pendingHi = -1
    var bad: (Int, Int, Double)? = nil

    init(map: RadialBinMap, epsilon: Double) throws(SFError) {
        self.map = map
        self.epsilon = epsilon
        slots = (map.binCount + 1) * 4
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, slots * 16) == 0, let raw else {
            throw SFError(.outOfMemory, "cannot allocate \(slots * 16) bytes for the ring sums of a \(map.width)x\(map.height) spectrum")
        }
        PE = UnsafeMutableRawBufferPointer(start: raw, count: slots * 16)
        for i in 0..<slots {
            PE.storeBytes(of: 1.0, toByteOffset: 16 * i, as: Double.self)
            PE.storeBytes(of: Int64(0), toByteOffset: 16 * i + 8, as: Int64.self)
        }
    }

    deinit { free(PE.baseAddress) }

    @inline(__always) private func product(_ slot: Int) -> Double {
        PE.load(fromByteOffset: 16 * slot, as: Double.self)
    }

    @inline(__always) private func exponent(_ slot: Int) -> Int64 {
        PE.load(fromByteOffset: 16 * slot + 8, as: Int64.self)
    }

    /// Adds `count` columns starting at column `kx0` (layout of FFT.transform).
    mutating func add(firstColumn kx0: Int, count: Int, columns: UnsafePointer<Double>) {
        if let b = map.bins16 {
            add(kx0, count, columns, b.own.buffer, b.mirror.buffer)
        } else if let b = map.bins32 {
            add(kx0, count, columns, b.own.buffer, b.mirror.buffer)
        }
    }

    private mutating func add<I>(
        _ kx0: Int, _ count: Int, _ columns: UnsafePointer<Double>,
        _ own: UnsafeBufferPointer<I>, _ mirror: UnsafeBufferPointer<I>
    ) {
        let h = map.height
        let slots = PE.baseAddress!.assumingMemoryBound(to: sfk_slot.self)
        for c in 0..<count {
            let col = columns + 2 * c * h
            let base = (kx0 + c) * h
            var v = 0.0
            let badRow: Int
            // the inner loop over the column's rows: sf_kernels.h (C, vectorised, exact)
            if I.self == UInt16.self {
                badRow = sfk_accumulate_column_u16(col, h, UnsafeRawPointer(own.baseAddress! + base).assumingMemoryBound(to: UInt16.self),
                                                   UnsafeRawPointer(mirror.baseAddress! + base).assumingMemoryBound(to: UInt16.self),
                                                   epsilon, slots, &v)
            } else {
                badRow = sfk_accumulate_column_u32(col, h, UnsafeRawPointer(own.baseAddress! + base).assumingMemoryBound(to: UInt32.self),
                                                   UnsafeRawPointer(mirror.baseAddress! + base).assumingMemoryBound(to: UInt32.self),
                                                   epsilon, slots, &v)
            }
            if badRow >= 0 && bad == nil { bad = (badRow, kx0 + c, v) }
            let lo = Int(map.columnBins.base[2 * (kx0 + c)]), hi = Int(map.columnBins.base[2 * (kx0 + c) + 1])
            if lo <= hi { pendingLo = min(pendingLo, lo); pendingHi = max(pendingHi, hi) }
            columnsSinceRenorm += 1
            if columnsSinceRenorm >= map.renormColumns {
                renormalize(bins: pendingLo, pendingHi)
            }
        }
    }

    /// Moves the exponent of each running product of bins lo ... hi into
    /// its exponent sum (exact). The discard slot is never read, so it is
    /// left to overflow.
    private mutating func renormalize(bins lo: Int, _ hi: Int) {
        defer { columnsSinceRenorm = 0; pendingLo = Int.max; pendingHi = -1 }
        guard lo <= hi else { return }
        for b in (4 * lo)..<(4 * (hi + 1)) {
            let pb = product(b).bitPattern
            PE.storeBytes(of: exponent(b) &+ Int64((pb >> 52) & 0x7FF) - 1023, toByteOffset: 16 * b + 8, as: Int64.self)
            PE.storeBytes(of: Double(bitPattern: (pb & Self.mantissaMask) | Self.oneBits), toByteOffset: 16 * b, as: Double.self)
        }
    }

    /// The mean of 20 ln|F + eps| per output bin.
    consuming func finish() throws(SFError) -> [Double] {
        if let (ky, kx, v) = bad {
            throw SFError(.nonFinite,
                          "spectrum coefficient (\(ky), \(kx)) has |F + epsilon| = \(v.squareRoot()) (epsilon = \(epsilon)); its log magnitude is not finite")
        }
        renormalize(bins: 0, map.binCount - 1)
        // Exponents were accumulated biased (+1023 per factor).
        let ln2 = 0.693147180559945309417232121458176568
        try ensureAllocatable(map.binCount * 8, "the profile of a \(map.width)x\(map.height) spectrum")
        var out = [Double](repeating: 0, count: map.binCount)
        for b in 0..<map.binCount {
            let n = map.counts[b]
            var prod = 1.0
            var expo = -1023 * Int64(n)
            for lane in 0..<4 {
                let pb = (prod * product(4 * b + lane)).bitPattern   // < 4 after renormalisation
                expo &+= exponent(4 * b + lane) &+ Int64((pb >> 52) & 0x7FF) - 1023
                prod = Double(bitPattern: (pb & Self.mantissaMask) | Self.oneBits)
            }
            let sumLn = log(prod) + Double(expo) * ln2
            out[b] = 10 * sumLn / n
        }
        return out
    }
}
