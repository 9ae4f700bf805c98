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
///
/// Building the map is linear in the number of pixels whatever the image's
/// aspect (a 1,000,000 x 9 image has 500,000 bins and 500,001 columns), and
/// every buffer comes from the checked allocator.
final class RadialBinMap: @unchecked Sendable {
    let width: Int
    let height: Int
    let halfWidth: Int
    let binCount: Int
    /// Spectrum elements per bin (binCount + 1 entries: the last one counts
    /// the discarded elements).
    let counts: HeapBuffer<Double>
    /// Output bin per half-spectrum element, 16-bit when the bins fit.
    let bins16: (own: HeapBuffer<UInt16>, mirror: HeapBuffer<UInt16>)?
    let bins32: (own: HeapBuffer<UInt32>, mirror: HeapBuffer<UInt32>)?
    /// Per column, the lowest and highest output bin it feeds (low > high
    /// when it feeds none): [lo0, hi0, lo1, hi1, ...]. The accumulator
    /// renormalises only the bins of the columns it has seen.
    let columnBins: HeapBuffer<Int32>
    /// Columns between renormalisations of the running products, so that no
    /// product of mantissas in [1, 2) can overflow.
    let renormColumns: Int
    /// Bytes held.
    let cost: Int

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

    /// Maps up to 32 MiB are kept for reuse (64 MiB in all); larger ones
    /// (images above about 16 megapixels) are rebuilt per call and freed.
    static let maxCachedCost = 32 << 20
    private static let cache = LRUCache<Key, RadialBinMap>(maxEntries: 32, maxCost: 64 << 20)

    static func map(width: Int, height: Int, center: RadialCenter) throws(SFError) -> RadialBinMap {
        let key = Key(width: width, height: height, center: center)
        if let m = cache.cached(key) { return m }
        let m = try RadialBinMap(width: width, height: height, center: center)
        guard m.cost <= maxCachedCost else { return m }
        return cache.insert(key, m, cost: m.cost)
    }

    /// Drops every cached map (sf_trim_caches).
    static func trimCache() { cache.removeAll() }

    /// The map of a `w x h` spectrum. Throws SF_ERR_OUT_OF_MEMORY (with the
    /// size asked) when a buffer cannot be had.
    init(width w: Int, height h: Int, center c: RadialCenter) throws(SFError) {
        width = w
        height = h
        let hw = w / 2 + 1
        halfWidth = hw
        let (cx, cy) = RadialBinMap.center(width: w, height: h, c)
        let rMax = RadialBinMap.maxBin(width: w, height: h, center: c)
        let bins = max(0, rMax - 1)
        binCount = bins
        let elements = h * hw
        let what = "the ring map of a \(w)x\(h) spectrum"
        let counts = try HeapBuffer<Double>(count: bins + 1, what: what)
        let perColumn = try HeapBuffer<Int32>(count: bins + 1, what: what)
        let columnBins = try HeapBuffer<Int32>(count: 2 * hw, what: what)
        counts.mutableBuffer.initialize(repeating: 0)
        perColumn.mutableBuffer.initialize(repeating: 0)
        let wide = bins >= Int(UInt16.max)
        let elementBytes = wide ? 4 : 2
        var b16: (own: HeapBuffer<UInt16>, mirror: HeapBuffer<UInt16>)? = nil
        var b32: (own: HeapBuffer<UInt32>, mirror: HeapBuffer<UInt32>)? = nil
        if wide {
            b32 = (try HeapBuffer(count: elements, what: what), try HeapBuffer(count: elements, what: what))
        } else {
            b16 = (try HeapBuffer(count: elements, what: what), try HeapBuffer(count: elements, what: what))
        }
        let discard = bins
        @inline(__always) func outBin(_ row: Int, _ col: Int) -> Int {
            let b = Int(hypot(Double(col) - cx, Double(row) - cy))
            return (b >= 1 && b <= bins) ? b - 1 : discard
        }
        @inline(__always) func store(_ i: Int, _ own: Int, _ mirror: Int) {
            if let b = b16 {
                b.own.base[i] = UInt16(truncatingIfNeeded: own)
                b.mirror.base[i] = UInt16(truncatingIfNeeded: mirror)
            } else if let b = b32 {
                b.own.base[i] = UInt32(truncatingIfNeeded: own)
                b.mirror.base[i] = UInt32(truncatingIfNeeded: mirror)
            }
        }
        // Per column, the bins seen are counted in perColumn and reset
        // after the column: work O(h) per column, not O(bins).
        var maxPerColumn: Int32 = 1
        let pc = perColumn.base, cnt = counts.base
        let lastMirrored = (w - 1) / 2
        for kx in 0..<hw {
            let sx = (kx + w / 2) % w
            let mx = (w - kx + w / 2) % w
            let mirrored = kx >= 1 && kx <= lastMirrored
            var lo = Int.max, hi = -1
            for ky in 0..<h {
                let b = outBin((ky + h / 2) % h, sx)
                var mb = discard
                if mirrored { mb = outBin(((h - ky) % h + h / 2) % h, mx) }
                store(kx * h + ky, b, mb)
                cnt[b] += 1
                if b != discard { pc[b] += 1; lo = min(lo, b); hi = max(hi, b) }
                if mirrored {
                    cnt[mb] += 1
                    if mb != discard { pc[mb] += 1; lo = min(lo, mb); hi = max(hi, mb) }
                }
            }
            if hi >= 0 {
                for b in lo...hi { maxPerColumn = max(maxPerColumn, pc[b]); pc[b] = 0 }
                columnBins.base[2 * kx] = Int32(lo)
                columnBins.base[2 * kx + 1] = Int32(hi)
            } else {
                columnBins.base[2 * kx] = 1
                columnBins.base[2 * kx + 1] = 0
            }
        }
        self.counts = counts
        self.columnBins = columnBins
        bins16 = b16
        bins32 = b32
        renormColumns = max(1, 1000 / Int(maxPerColumn))
        cost = 2 * elements * elementBytes + (bins + 1) * 8 + 2 * hw * 4
    }
}
