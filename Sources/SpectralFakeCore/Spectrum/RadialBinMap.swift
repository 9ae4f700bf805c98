import CSFKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Radial bins of a `width x height` shifted spectrum, mapped onto the
/// half spectrum that FFTW's real-to-complex transform produces.
///
/// Pixel (row, col) of the shifted spectrum falls in bin `floor(hypot(col - cx,
/// row - cy))` (numpy's astype(int) of np.hypot), computed exactly in integers. Bin 0 and the last bin are dropped, as in the published code, so the
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
    /// The accumulator's slots of each half-spectrum element, own and
    /// mirror in one word (sfk_pack_slots: 4 * own | (4 * mirror + 2) << 16)
    /// for maps of at most 16,383 bins (images up to about 23,000 pixels
    /// across) ...
    let packed: HeapBuffer<UInt32>?
    /// ... else the output bins themselves, 16-bit below 65,535 bins.
    let bins16: (own: HeapBuffer<UInt16>, mirror: HeapBuffer<UInt16>)?
    let bins32: (own: HeapBuffer<UInt32>, mirror: HeapBuffer<UInt32>)?

    /// The output bins (own, mirror) of element i = kx * height + ky.
    func bins(at i: Int) -> (own: Int, mirror: Int) {
        if let p = packed { return (Int(p[i] & 0xFFFF) / 4, (Int(p[i] >> 16) - 2) / 4) }
        if let b = bins16 { return (Int(b.own[i]), Int(b.mirror[i])) }
        return (Int(bins32!.own[i]), Int(bins32!.mirror[i]))
    }

    /// The order of the two-pass accumulation, for packed maps of small
    /// spectra (RingSchedule.maxElements).
    let schedule: RingSchedule?

    /// Per column, the lowest and highest output bin it feeds (low > high
    /// when it feeds none): [lo0, hi0, lo1, hi1, ...]. The accumulator
    /// renormalises only the bins of the columns it has seen.
    let columnBins: HeapBuffer<Int32>
    /// Per column kx, the bins heavyBins[heavyStart[kx] ..< heavyStart[kx + 1]]
    /// one of whose slots gets more than `heavyThreshold` elements of the
    /// column (near the ring that touches the column: many rows of one ring).
    /// The accumulator renormalises them right after the column.
    let heavyStart: HeapBuffer<Int>
    let heavyBins: [Int32]
    static let heavyThreshold = 4
    /// The accumulator renormalises every bin fed at least every
    /// `renormColumns` columns.
    static let renormColumns = 8
    /// The largest exponent (after the accumulator's scaling by 2^-shift) of a
    /// factor multiplied in as it is (sf_kernels.h; -1: none): between two
    /// renormalisations a slot gets at most K = (renormColumns - 1) *
    /// heavyThreshold + max(heavyThreshold, most elements of one slot in one
    /// column) factors, each changing the product by a factor in [2^-B,
    /// 2^(B+1)) (a split factor: [1, 2)), so B = 1022 / K - 1 keeps every
    /// product of a slot renormalised to [1, 2) normal and finite.
    let rawBound: Int
    /// The accumulator multiplies values scaled by 2^-shift: about the
    /// typical |F|^2 of a photo of this size (log2 of the pixel count + 4:
    /// the median exponent of the shared faces' spectra is log2 pixels + 2
    /// to + 5), so that nearly all values lie within rawBound of it (at
    /// 1024x1024, 0.2-0.3% of the 64-row chunks have one that does not;
    /// with + 8, 1.5-2%). Any shift gives the same result; this one makes
    /// the fast path the common one.
    let shift: Int
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
        let cx2 = Int(2 * cx), cy2 = Int(2 * cy)
        let (fx, fy) = (max(cx2, 2 * (width - 1) - cx2), max(cy2, 2 * (height - 1) - cy2))
        guard max(fx, fy) < 1 << 30 else {
            // sides beyond any ring map (maxSide): the published formula in doubles, no overflow
            return Int(hypot(Double(fx), Double(fy)) / 2)
        }
        return isqrt(fx * fx + fy * fy) >> 1
    }

    /// Ring maps are built for sides below this (doubled squared distances
    /// stay below 2^52, exact in doubles); larger images are refused with
    /// SF_ERR_LIMIT_DIMENSION (only reachable with limits disabled).
    static let maxSide = 1 << 24

    /// Number of profile values for an image of this size (R - 1, at least 0).
    static func profileLength(width: Int, height: Int, center c: RadialCenter) -> Int {
        guard width > 0, height > 0 else { return 0 }
        return max(0, maxBin(width: width, height: height, center: c) - 1)
    }

    /// floor(sqrt(n)) for 0 <= n < 2^62, exact.
    @inline(__always) static func isqrt(_ n: Int) -> Int {
        var s = Int(Double(n).squareRoot())
        while s &* s > n { s &-= 1 }
        while (s &+ 1) &* (s &+ 1) <= n { s &+= 1 }
        return s
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
        guard max(w, h) < RadialBinMap.maxSide else {
            throw SFError(.limitDimension, "image \(w)x\(h) is too large for the ring map (a side of 2^24 pixels or more)")
        }
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
        let perSlot = try HeapBuffer<Int32>(count: 4 * (bins + 1), what: what)
        let columnBins = try HeapBuffer<Int32>(count: 2 * hw, what: what)
        let heavyStart = try HeapBuffer<Int>(count: hw + 1, what: what)
        let threshold = RadialBinMap.heavyThreshold
        let heavyColumn = try HeapBuffer<Int32>(count: 2 * h / (threshold + 1) + 1, what: what)
        var heavy: [Int32] = []
        counts.mutableBuffer.initialize(repeating: 0)
        perSlot.mutableBuffer.initialize(repeating: 0)
        let isPacked = 4 * bins + 2 <= Int(UInt16.max)
        let isNarrow = !isPacked && bins < Int(UInt16.max)
        var packed: HeapBuffer<UInt32>? = nil
        var b16: (own: HeapBuffer<UInt16>, mirror: HeapBuffer<UInt16>)? = nil
        var b32: (own: HeapBuffer<UInt32>, mirror: HeapBuffer<UInt32>)? = nil
        // packed and 16-bit maps: each column's bins go through this scratch
        var scratch: (own: HeapBuffer<UInt32>, mirror: HeapBuffer<UInt32>)? = nil
        if isPacked {
            packed = try HeapBuffer(count: elements, what: what)
        } else if isNarrow {
            b16 = (try HeapBuffer(count: elements, what: what), try HeapBuffer(count: elements, what: what))
        } else {
            b32 = (try HeapBuffer(count: elements, what: what), try HeapBuffer(count: elements, what: what))
        }
        if b32 == nil {
            scratch = (try HeapBuffer(count: h, what: what), try HeapBuffer(count: h, what: what))
        }
        // floor(hypot(col - cx, row - cy)) in exact integer arithmetic: with
        // doubled coordinates (the centre may be a half pixel) the squared
        // distance n = (2 dx)^2 + (2 dy)^2 is an integer, and the floor of
        // the distance is isqrt(n) / 2 (rounded down). numpy's hypot is
        // accurate to well under the gap between sqrt(n)/2 and the next
        // integer (at least 1/(8 d) > 1e-8 for sides below 2^24, where one
        // ulp of d is under 2e-9), so the floors agree; the
        // map is built without 2 hypot calls per element. The per-row terms
        // are tabulated once; each column is one C loop (sf_kernels.h).
        let cx2 = Int(2 * cx), cy2 = Int(2 * cy)
        let dyy = try HeapBuffer<Double>(count: 2 * h, what: what)   // own rows, then mirror rows (exact: < 2^52)
        for ky in 0..<h {
            let dy = 2 * ((ky + h / 2) % h) - cy2
            let mdy = 2 * (((h - ky) % h + h / 2) % h) - cy2
            dyy.base[ky] = Double(dy * dy)
            dyy.base[h + ky] = Double(mdy * mdy)
        }
        // Per column, the slots fed are counted in perSlot and reset after
        // the column (work O(h + bins fed)).
        var mostPerSlot: Int32 = 1
        let lastMirrored = (w - 1) / 2
        for kx in 0..<hw {
            let dx = 2 * ((kx + w / 2) % w) - cx2
            let mdx = 2 * ((w - kx + w / 2) % w) - cx2
            let mirrored: Int32 = kx >= 1 && kx <= lastMirrored ? 1 : 0
            var lo: Int64 = 0, hi: Int64 = 0
            var nHeavy = 0
            let (own, mirror) = scratch.map { ($0.own.base, $0.mirror.base) } ?? (b32!.own.base + kx * h, b32!.mirror.base + kx * h)
            let most = sfk_ring_column(h, Double(dx * dx), dyy.base, Double(mdx * mdx), dyy.base + h, mirrored, Int64(bins),
                                       own, mirror, counts.base, perSlot.base, Int32(threshold), heavyColumn.base,
                                       &nHeavy, &lo, &hi)
            if let p = packed {
                sfk_pack_slots(h, own, mirror, p.base + kx * h)
            } else if let b = b16 {
                sfk_narrow_bins(h, own, b.own.base + kx * h)
                sfk_narrow_bins(h, mirror, b.mirror.base + kx * h)
            }
            mostPerSlot = max(mostPerSlot, most)
            columnBins.base[2 * kx] = Int32(lo)
            columnBins.base[2 * kx + 1] = Int32(hi)
            heavyStart.base[kx] = heavy.count
            if heavy.count + nHeavy > heavy.capacity {   // grows geometrically (reserveCapacity alone would not)
                try heavy.checkedReserve(max(2 * heavy.capacity, heavy.count + nHeavy, 1024), what)
            }
            heavy.append(contentsOf: UnsafeBufferPointer(start: heavyColumn.base, count: nHeavy))
        }
        heavyStart.base[hw] = heavy.count
        self.counts = counts
        self.columnBins = columnBins
        self.heavyStart = heavyStart
        heavyBins = heavy
        self.packed = packed
        bins16 = b16
        bins32 = b32
        schedule = try packed.flatMap { p throws(SFError) in
            elements <= RingSchedule.maxElements
                ? try RingSchedule(slots: p.base, height: h, elements: elements, binCount: bins) : nil
        }
        shift = min(60, Int(log2(Double(max(1, w * h))).rounded()) + 4)
        let k = (RadialBinMap.renormColumns - 1) * threshold + max(threshold, Int(mostPerSlot))
        rawBound = 1022 / k - 1
        cost = elements * (b32 == nil ? 4 : 8) + (bins + 1) * 8 + 2 * hw * 4 + (hw + 1) * 8 + heavyBins.capacity * 4
            + (schedule?.cost ?? 0)
    }
}
