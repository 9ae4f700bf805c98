#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the azimuthal average is centred in the shifted spectrum.
public enum RadialCenter: String, Sendable, Hashable, CaseIterable {
    /// `((W-1)/2, (H-1)/2)`, as the published `radialProfile.azimuthalAverage`
    /// does: half a pixel before the DC term on even sides.
    case reference
    /// The true DC position after fftshift, `(W//2, H//2)`.
    case dc
}

/// Radial bins of a `width x height` shifted spectrum, mapped onto the
/// half spectrum that FFTW's real-to-complex transform produces.
///
/// Pixel (row, col) of the shifted spectrum falls in bin `floor(hypot(col - cx,
/// row - cy))` (numpy's astype(int) of np.hypot, which we call through the same
/// libm). Bin 0 and the last bin are dropped, as in the published code, so the
/// profile has `R - 1` values where R is the largest bin. No bin in between is
/// ever empty (a path of unit steps joins the centre to every corner).
///
/// Each half-spectrum element (ky, kx) stands for the pixel at
/// ((ky + H/2) % H, (kx + W/2) % W) and, for 1 <= kx <= (W-1)/2, also for its
/// conjugate mirror at (((H - ky) % H + H/2) % H, (W - kx + W/2) % W), which has
/// the same magnitude (epsilon is added to the real part only). `own` and
/// `mirror` hold the output bin of both (or `binCount`, a discard slot).
final class RadialBinMap: @unchecked Sendable {
    let width: Int
    let height: Int
    let halfWidth: Int
    let binCount: Int
    let counts: [Double]
    /// Output bin per half-spectrum element, 16-bit when the bins fit.
    let bins16: (own: [UInt16], mirror: [UInt16])?
    let bins32: (own: [UInt32], mirror: [UInt32])?
    /// Rows of the half spectrum between renormalisations of the running
    /// products, so that no product of mantissas in [1, 2) can overflow.
    let renormRows: Int

    struct Key: Hashable, Sendable {
        let width: Int
        let height: Int
        let center: RadialCenter
    }

    static func center(width: Int, height: Int, _ c: RadialCenter) -> (Double, Double) {
        switch c {
        case .reference: return (Double(width - 1) / 2, Double(height - 1) / 2)
        case .dc: return (Double(width / 2), Double(height / 2))
        }
    }

    /// Largest bin index R (the farthest corner lies at row 0, column 0).
    static func maxBin(width: Int, height: Int, center c: RadialCenter) -> Int {
        let (cx, cy) = center(width: width, height: height, c)
        let far = max(hypot(cx, cy), hypot(Double(width - 1) - cx, Double(height - 1) - cy))
        return Int(far)
    }

    /// Number of profile values for an image of this size (R - 1, at least 0).
    static func profileLength(width: Int, height: Int, center c: RadialCenter) -> Int {
        guard width > 0, height > 0 else { return 0 }
        return max(0, maxBin(width: width, height: height, center: c) - 1)
    }

    private static let cache = LRUCache<Key, RadialBinMap>(maxEntries: 32, maxCost: 64 << 20)

    static func map(width: Int, height: Int, center: RadialCenter) throws(SFError) -> RadialBinMap {
        try cache.value(for: Key(width: width, height: height, center: center)) { () throws(SFError) in
            let m = RadialBinMap(width: width, height: height, center: center)
            let perElement = m.bins16 != nil ? 4 : 8
            return (m, height * (width / 2 + 1) * perElement + m.counts.count * 8)
        }
    }

    init(width w: Int, height h: Int, center c: RadialCenter) {
        width = w
        height = h
        let hw = w / 2 + 1
        halfWidth = hw
        let (cx, cy) = RadialBinMap.center(width: w, height: h, c)
        let rMax = RadialBinMap.maxBin(width: w, height: h, center: c)
        let bins = max(0, rMax - 1)
        binCount = bins
        let discard = UInt32(bins)
        @inline(__always) func outBin(_ row: Int, _ col: Int) -> UInt32 {
            let b = Int(hypot(Double(col) - cx, Double(row) - cy))
            return (b >= 1 && b <= bins) ? UInt32(b - 1) : discard
        }
        var own = [UInt32](repeating: discard, count: h * hw)
        var mirror = [UInt32](repeating: discard, count: h * hw)
        var counts = [Double](repeating: 0, count: bins + 1)
        var perRow = [Int](repeating: 0, count: bins + 1)
        var maxPerRow = 1
        let lastMirrored = (w - 1) / 2
        for ky in 0..<h {
            for i in 0...bins { perRow[i] = 0 }
            let sy = (ky + h / 2) % h
            let my = ((h - ky) % h + h / 2) % h
            for kx in 0..<hw {
                let b = outBin(sy, (kx + w / 2) % w)
                own[ky * hw + kx] = b
                counts[Int(b)] += 1
                perRow[Int(b)] += 1
                if kx >= 1 && kx <= lastMirrored {
                    let mb = outBin(my, (w - kx + w / 2) % w)
                    mirror[ky * hw + kx] = mb
                    counts[Int(mb)] += 1
                    perRow[Int(mb)] += 1
                }
            }
            maxPerRow = max(maxPerRow, perRow.max() ?? 1)
        }
        if bins < Int(UInt16.max) {
            bins16 = (own.map { UInt16($0) }, mirror.map { UInt16($0) })
            bins32 = nil
        } else {
            bins16 = nil
            bins32 = (own, mirror)
        }
        self.counts = counts
        renormRows = max(1, 1000 / maxPerRow)
    }

    /// The azimuthal average of `20 * ln|F + epsilon|` over the bins, from the
    /// half spectrum `spectrum` (layout of `FFT.withSpectrum`).
    ///
    /// Sums of logarithms are computed as logarithms of products: each
    /// |F + eps|^2 is split into a mantissa in [1, 2) and an exponent; per bin
    /// the mantissas are multiplied and the exponents added exactly, and one
    /// log per bin ends the job. This needs one log per bin instead of one per
    /// pixel and is at least as accurate as summing per-pixel logs (relative
    /// error ~1e-16 per factor, no cancellation).
    func average(spectrum: UnsafePointer<Double>, epsilon: Double) throws(SFError) -> [Double] {
        if let b = bins16 {
            return try b.own.withUnsafeBufferPointer { (o) throws(SFError) in
                try b.mirror.withUnsafeBufferPointer { (m) throws(SFError) in
                    try average(spectrum: spectrum, epsilon: epsilon, own: o, mirror: m)
                }
            }
        }
        let b = bins32!
        return try b.own.withUnsafeBufferPointer { (o) throws(SFError) in
            try b.mirror.withUnsafeBufferPointer { (m) throws(SFError) in
                try average(spectrum: spectrum, epsilon: epsilon, own: o, mirror: m)
            }
        }
    }

    /// Each bin has 4 accumulator lanes (own/mirror x even/odd kx), so that
    /// neighbouring coefficients of one ring do not wait on each other's
    /// multiply; the lanes are combined at the end.
    private func average<I: FixedWidthInteger & UnsignedInteger>(
        spectrum: UnsafePointer<Double>, epsilon: Double,
        own: UnsafeBufferPointer<I>, mirror: UnsafeBufferPointer<I>
    ) throws(SFError) -> [Double] {
        let bins = binCount
        let slots = (bins + 1) * 4
        let hw = halfWidth
        let rowDoubles = 2 * hw
        let mantMask: UInt64 = 0x000F_FFFF_FFFF_FFFF
        let oneBits: UInt64 = 0x3FF0_0000_0000_0000
        var bad: (Int, Int, Double)? = nil
        let P = UnsafeMutableBufferPointer<Double>.allocate(capacity: slots)
        let E = UnsafeMutableBufferPointer<Int64>.allocate(capacity: slots)
        defer {
            P.deallocate()
            E.deallocate()
        }
        P.initialize(repeating: 1)
        E.initialize(repeating: 0)
        for ky in 0..<height {
            let row = spectrum + ky * rowDoubles
            let base = ky * hw
            for kx in 0..<hw {
                let re = row[2 * kx] + epsilon
                let im = row[2 * kx + 1]
                var v = re * re + im * im
                var bits = v.bitPattern
                var e = Int64((bits >> 52) & 0x7FF)
                if e == 0 || e == 0x7FF {
                    // zero, subnormal, inf or NaN
                    if v > 0 && v.isFinite {
                        v *= 0x1p64
                        bits = v.bitPattern
                        e = Int64((bits >> 52) & 0x7FF) - 64
                    } else {
                        if bad == nil { bad = (ky, kx, v) }
                        continue
                    }
                }
                let m = Double(bitPattern: (bits & mantMask) | oneBits)
                let lane = kx & 1
                let s1 = Int(own[base + kx]) &* 4 &+ lane
                let s2 = Int(mirror[base + kx]) &* 4 &+ 2 &+ lane
                P[s1] *= m
                E[s1] &+= e
                P[s2] *= m
                E[s2] &+= e
            }
            if (ky + 1) % renormRows == 0 || ky == height - 1 {
                for b in 0..<slots {
                    let pb = P[b].bitPattern
                    E[b] &+= Int64((pb >> 52) & 0x7FF) - 1023
                    P[b] = Double(bitPattern: (pb & mantMask) | oneBits)
                }
            }
        }
        if let (ky, kx, v) = bad {
            throw SFError(.nonFinite,
                          "spectrum coefficient (\(ky), \(kx)) has |F + epsilon| = \(v.squareRoot()) (epsilon = \(epsilon)); its log magnitude is not finite")
        }
        // Exponents were accumulated biased (+1023 per factor).
        let ln2 = 0.693147180559945309417232121458176568
        var out = [Double](repeating: 0, count: bins)
        for b in 0..<bins {
            let n = counts[b]
            var prod = 1.0
            var expo = -1023 * Int64(n)
            for lane in 0..<4 {
                let pb = (prod * P[4 * b + lane]).bitPattern   // < 4 after renormalisation
                expo &+= E[4 * b + lane] &+ Int64((pb >> 52) & 0x7FF) - 1023
                prod = Double(bitPattern: (pb & mantMask) | oneBits)
            }
            let sumLn = log(prod) + Double(expo) * ln2
            out[b] = 10 * sumLn / n
        }
        return out
    }
}
