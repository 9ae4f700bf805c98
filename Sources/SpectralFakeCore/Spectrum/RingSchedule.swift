import CSFKernels

/// The order in which the two-pass ring accumulation multiplies the factors
/// of a small spectrum (RadialAccumulator, sf_kernels.h: sfk_ring_factors,
/// sfk_ring_products).
///
/// The column kernel multiplies each coefficient into its two slots as the
/// columns arrive: two scattered read-modify-writes per coefficient. For a
/// spectrum whose factors fit in cache it is cheaper to write the factors
/// out (one vectorised pass per column block) and then, slot by slot, to
/// multiply the factors of each slot in the order the column kernel would
/// have: the running products stay in registers. This type lists that
/// order: for each slot, the elements (index kx * height + ky) that feed
/// it, ascending (column by column, row by row: the column kernel's order),
/// eight slots side by side. The products are those of the column kernel
/// bit for bit (same mantissas multiplied in the same order).
///
/// Slots are laid out as in RadialAccumulator (4 per bin: own/mirror x
/// even/odd ky); group g holds slots 8g ... 8g + 7 (bins 2g and 2g + 1).
/// Row j of a group holds, for each of its 8 slots, the j-th element of
/// that slot, or `elements` (the accumulator's factor 1.0) when the slot
/// has fewer. Discarded elements (outside the profile's rings, or the
/// mirror of a column that has none) feed no slot.
final class RingSchedule: @unchecked Sendable {
    /// Spectra of at most this many half-spectrum elements (those of a
    /// 512x512 image) get a schedule, of about 8 bytes per element (more
    /// with padding, all counted in `cost`), and the factors 8 bytes per
    /// element per thread. Measured on an AMD Zen 4 in the library, per
    /// image: 128x128 37.7 -> 34.2 us, 256x256 about 150 -> 140 us, 512x512
    /// 642 -> 634 us; in a stand-alone test the gain was gone at 512x512
    /// (the factors no longer stay in the core's cache), so larger spectra
    /// keep the column kernel.
    static let maxElements = 512 * 257
    /// The exponent bound of factors multiplied in as they are: at most
    /// SFK_RING_RENORM_ROWS factors between renormalisations, each in
    /// [2^-bound, 2^(bound + 1)), keep a product started in [1, 2) normal and
    /// finite.
    static let bound = 1022 / Int(SFK_RING_RENORM_ROWS) - 1

    let elements: Int
    let groups: Int
    /// Rows of each group.
    let rows: HeapBuffer<UInt32>
    /// Groups one after the other, each rows[g] x 8 element indices.
    let indices: HeapBuffer<UInt32>
    /// Bytes held.
    let cost: Int

    /// The schedule of a packed ring map (`slots`: RadialBinMap.packed) of
    /// `binCount` bins over `elements` = height x halfWidth elements.
    init(slots: UnsafePointer<UInt32>, height h: Int, elements: Int, binCount: Int) throws(SFError) {
        precondition(elements <= RingSchedule.maxElements && elements % h == 0)
        let what = "the ring schedule of a spectrum of \(elements) elements"
        let real = 4 * binCount   // slots beyond: the discard bin
        let groups = (real + 7) / 8
        let perSlot = try HeapBuffer<UInt32>(count: 8 * groups, what: what)
        perSlot.mutableBuffer.initialize(repeating: 0)
        let count = perSlot.base, limit = UInt32(real)
        // the real slots of each element, in the column kernel's order
        // (column by column; rows alternate even, odd)
        @inline(__always) func forEachSlot(_ body: (_ element: UInt32, _ slot: Int) -> Void) {
            var i = 0
            while i < elements {
                for ky in 0..<h {
                    let q = slots[i + ky], parity = UInt32(ky & 1)
                    let own = (q & 0xFFFF) + parity, mirror = (q >> 16) + parity
                    if own < limit { body(UInt32(i + ky), Int(own)) }
                    if mirror < limit { body(UInt32(i + ky), Int(mirror)) }
                }
                i += h
            }
        }
        forEachSlot { _, s in count[s] += 1 }
        let rows = try HeapBuffer<UInt32>(count: groups, what: what)
        var total = 0
        for g in 0..<groups {
            var most: UInt32 = 0
            for l in 0..<8 { most = max(most, count[8 * g + l]) }
            rows.base[g] = most
            total += 8 * Int(most)
        }
        let indices = try HeapBuffer<UInt32>(count: total, what: what)
        indices.mutableBuffer.initialize(repeating: UInt32(elements))
        // count becomes each slot's next position: its group's start + its lane
        let next = count
        var start = 0
        for g in 0..<groups {
            for l in 0..<8 { next[8 * g + l] = UInt32(start + l) }
            start += 8 * Int(rows.base[g])
        }
        let out = indices.base
        forEachSlot { e, s in
            out[Int(next[s])] = e
            next[s] += 8
        }
        self.elements = elements
        self.groups = groups
        self.rows = rows
        self.indices = indices
        cost = 4 * (groups + total)
    }
}
