#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
}
