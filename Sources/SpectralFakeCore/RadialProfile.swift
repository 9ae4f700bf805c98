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
/// `mirror` hold the output bin of both (or `binCount`, a discard slot),
/// column by column (index kx * height + ky), the order in which FFT.transform
/// delivers the spectrum.
final class RadialBinMap: @unchecked Sendable {
    let width: Int
    let height: Int
    let halfWidth: Int
    let binCount: Int
    let counts: [Double]
    /// Output bin per half-spectrum element, 16-bit when the bins fit.
    let bins16: (own: [UInt16], mirror: [UInt16])?
    let bins32: (own: [UInt32], mirror: [UInt32])?
    /// Columns between renormalisations of the running products, so that no
    /// product of mantissas in [1, 2) can overflow.
    let renormColumns: Int

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
        var perColumn = [Int](repeating: 0, count: bins + 1)
        var maxPerColumn = 1
        let lastMirrored = (w - 1) / 2
        for kx in 0..<hw {
            for i in 0...bins { perColumn[i] = 0 }
            let sx = (kx + w / 2) % w
            let mx = (w - kx + w / 2) % w
            let mirrored = kx >= 1 && kx <= lastMirrored
            for ky in 0..<h {
                let b = outBin((ky + h / 2) % h, sx)
                own[kx * h + ky] = b
                counts[Int(b)] += 1
                perColumn[Int(b)] += 1
                if mirrored {
                    let mb = outBin(((h - ky) % h + h / 2) % h, mx)
                    mirror[kx * h + ky] = mb
                    counts[Int(mb)] += 1
                    perColumn[Int(mb)] += 1
                }
            }
            maxPerColumn = max(maxPerColumn, perColumn.max() ?? 1)
        }
        if bins < Int(UInt16.max) {
            bins16 = (own.map { UInt16($0) }, mirror.map { UInt16($0) })
            bins32 = nil
        } else {
            bins16 = nil
            bins32 = (own, mirror)
        }
        self.counts = counts
        renormColumns = max(1, 1000 / maxPerColumn)
    }

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
    struct Accumulator: ~Copyable {
        let map: RadialBinMap
        let epsilon: Double
        let slots: Int
        /// Per slot, the running mantissa product and exponent sum side by
        /// side (one cache line holds both): [P0, E0, P1, E1, ...].
        let PE: UnsafeMutableRawBufferPointer
        var columnsSinceRenorm = 0
        var bad: (Int, Int, Double)? = nil

        init(map: RadialBinMap, epsilon: Double) {
            self.map = map
            self.epsilon = epsilon
            slots = (map.binCount + 1) * 4
            PE = .allocate(byteCount: slots * 16, alignment: 64)
            for i in 0..<slots {
                PE.storeBytes(of: 1.0, toByteOffset: 16 * i, as: Double.self)
                PE.storeBytes(of: Int64(0), toByteOffset: 16 * i + 8, as: Int64.self)
            }
        }

        deinit { PE.deallocate() }

        @inline(__always) private func product(_ slot: Int) -> Double {
            PE.load(fromByteOffset: 16 * slot, as: Double.self)
        }

        @inline(__always) private func exponent(_ slot: Int) -> Int64 {
            PE.load(fromByteOffset: 16 * slot + 8, as: Int64.self)
        }

        /// Adds `count` columns starting at column `kx0` (layout of FFT.transform).
        mutating func add(firstColumn kx0: Int, count: Int, columns: UnsafePointer<Double>) {
            if let b = map.bins16 {
                b.own.withUnsafeBufferPointer { o in
                    b.mirror.withUnsafeBufferPointer { m in add(kx0, count, columns, o, m) }
                }
            } else if let b = map.bins32 {
                b.own.withUnsafeBufferPointer { o in
                    b.mirror.withUnsafeBufferPointer { m in add(kx0, count, columns, o, m) }
                }
            }
        }

        private mutating func add<I: FixedWidthInteger & UnsignedInteger>(
            _ kx0: Int, _ count: Int, _ columns: UnsafePointer<Double>,
            _ own: UnsafeBufferPointer<I>, _ mirror: UnsafeBufferPointer<I>
        ) {
            let h = map.height
            let mantMask: UInt64 = 0x000F_FFFF_FFFF_FFFF
            let oneBits: UInt64 = 0x3FF0_0000_0000_0000
            let pe = PE.baseAddress!, eps = epsilon
            for c in 0..<count {
                let col = columns + 2 * c * h
                let base = (kx0 + c) * h
                for ky in 0..<h {
                    let re = col[2 * ky] + eps
                    let im = col[2 * ky + 1]
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
                            if bad == nil { bad = (ky, kx0 + c, v) }
                            continue
                        }
                    }
                    let m = Double(bitPattern: (bits & mantMask) | oneBits)
                    let lane = ky & 1
                    let s1 = pe + 16 &* (Int(own[base + ky]) &* 4 &+ lane)
                    let s2 = pe + 16 &* (Int(mirror[base + ky]) &* 4 &+ 2 &+ lane)
                    s1.storeBytes(of: s1.load(as: Double.self) * m, as: Double.self)
                    (s1 + 8).storeBytes(of: (s1 + 8).load(as: Int64.self) &+ e, as: Int64.self)
                    s2.storeBytes(of: s2.load(as: Double.self) * m, as: Double.self)
                    (s2 + 8).storeBytes(of: (s2 + 8).load(as: Int64.self) &+ e, as: Int64.self)
                }
                columnsSinceRenorm += 1
                if columnsSinceRenorm >= map.renormColumns {
                    renormalize()
                }
            }
        }

        private mutating func renormalize() {
            let mantMask: UInt64 = 0x000F_FFFF_FFFF_FFFF
            let oneBits: UInt64 = 0x3FF0_0000_0000_0000
            for b in 0..<slots {
                let pb = product(b).bitPattern
                PE.storeBytes(of: exponent(b) &+ Int64((pb >> 52) & 0x7FF) - 1023, toByteOffset: 16 * b + 8, as: Int64.self)
                PE.storeBytes(of: Double(bitPattern: (pb & mantMask) | oneBits), toByteOffset: 16 * b, as: Double.self)
            }
            columnsSinceRenorm = 0
        }

        /// The mean of 20 ln|F + eps| per output bin.
        consuming func finish() throws(SFError) -> [Double] {
            if let (ky, kx, v) = bad {
                throw SFError(.nonFinite,
                              "spectrum coefficient (\(ky), \(kx)) has |F + epsilon| = \(v.squareRoot()) (epsilon = \(epsilon)); its log magnitude is not finite")
            }
            renormalize()
            let mantMask: UInt64 = 0x000F_FFFF_FFFF_FFFF
            let oneBits: UInt64 = 0x3FF0_0000_0000_0000
            // Exponents were accumulated biased (+1023 per factor).
            let ln2 = 0.693147180559945309417232121458176568
            var out = [Double](repeating: 0, count: map.binCount)
            for b in 0..<map.binCount {
                let n = map.counts[b]
                var prod = 1.0
                var expo = -1023 * Int64(n)
                for lane in 0..<4 {
                    let pb = (prod * product(4 * b + lane)).bitPattern   // < 4 after renormalisation
                    expo &+= exponent(4 * b + lane) &+ Int64((pb >> 52) & 0x7FF) - 1023
                    prod = Double(bitPattern: (pb & mantMask) | oneBits)
                }
                let sumLn = log(prod) + Double(expo) * ln2
                out[b] = 10 * sumLn / n
            }
            return out
        }
    }
}
