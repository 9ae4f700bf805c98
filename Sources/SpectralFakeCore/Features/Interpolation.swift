/// 1-D interpolation as the published pipeline does it: SciPy's
/// `griddata(points, values, xi, method='cubic')` with 1-D points, which is
/// `interp1d(kind='cubic')`, i.e. an interpolating cubic spline with
/// not-a-knot end conditions (make_interp_spline, k = 3).
public enum Interpolation {
    /// `numpy.linspace(start, stop, num)` with the same arithmetic:
    /// `i * step + start`, and the last point set to `stop` exactly.
    public static func linspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
        guard num > 0 else { return [] }
        if num == 1 { return [start] }
        let div = Double(num - 1)
        let step = (stop - start) / div
        var y = [Double](repeating: 0, count: num)
        for i in 0..<num {
            y[i] = step == 0 ? (Double(i) / div) * (stop - start) + start : Double(i) * step + start
        }
        y[num - 1] = stop
        return y
    }

    /// The not-a-knot cubic spline through (x[i], y[i]) evaluated at `at`.
    /// Requires at least 4 strictly increasing points (as make_interp_spline
    /// with k = 3 does); the caller checks this.
    public static func notAKnotSpline(x: [Double], y: [Double], at xi: [Double]) -> [Double] {
        SplinePlan(x: x, at: xi).apply(y)
    }

    /// The plan of the feature pipeline's spline: from the `count` points
    /// linspace(0, n, count) to linspace(0, n, n), cached per (count, n).
    static func featurePlan(count: Int, n: Int) -> SplinePlan {
        let key = SplinePlan.Key(count: count, n: n)
        if let p = planCache.cached(key) { return p }
        let p = SplinePlan(x: linspace(0, Double(n), count), at: linspace(0, Double(n), n))
        guard p.cost <= 1 << 20 else { return p }   // an outsized one is not kept
        return planCache.insert(key, p, cost: p.cost)
    }

    /// Drops the cached plans (sf_trim_caches).
    static func trimCache() { planCache.removeAll() }

    private static let planCache = LRUCache<SplinePlan.Key, SplinePlan>(maxEntries: 64, maxCost: 4 << 20)
}

/// A not-a-knot cubic spline from fixed points x to fixed points xi, for
/// any values y: everything that depends on x and xi alone (the intervals,
/// the tridiagonal system's matrix after elimination, where each xi falls)
/// is computed once; `apply` does the rest with the same operations in the
/// same order as a spline computed from scratch (so the same bits).
final class SplinePlan: Sendable {
    struct Key: Hashable, Sendable {
        var count: Int
        var n: Int
    }

    /// The widths of the intervals between the points.
    let dx: [Double]
    /// Rows of the tridiagonal system for the first derivatives (SciPy's
    /// CubicSpline with bc_type='not-a-knot'): the sub-diagonal, the pivots
    /// of the Thomas algorithm and the eliminated super-diagonal.
    let sub: [Double]
    let pivot: [Double]
    let upper: [Double]
    /// The end rows' right-hand side: (first0 * slope[0] + first1 * slope[1]) / d0,
    /// (last0 * slope[n-3] + last1 * slope[n-2]) / dn.
    let first0: Double, first1: Double, d0: Double
    let last0: Double, last1: Double, dn: Double
    /// For each output point: its interval and its offset in it.
    let interval: [Int]
    let offset: [Double]

    var cost: Int { 8 * (5 * dx.count + 2 * interval.count) + 256 }

    init(x: [Double], at xi: [Double]) {
        let n = x.count
        precondition(n >= 4)
        var dx = [Double](repeating: 0, count: n - 1)
        for i in 0..<(n - 1) { dx[i] = x[i + 1] - x[i] }
        var sub = [Double](repeating: 0, count: n)    // A[i, i-1]
        var diag = [Double](repeating: 0, count: n)   // A[i, i]
        var sup = [Double](repeating: 0, count: n)    // A[i, i+1]
        for i in 1..<(n - 1) {
            sub[i] = dx[i]
            diag[i] = 2 * (dx[i - 1] + dx[i])
            sup[i] = dx[i - 1]
        }
        let d0 = x[2] - x[0]
        diag[0] = dx[1]
        sup[0] = d0
        let dn = x[n - 1] - x[n - 3]
        diag[n - 1] = dx[n - 3]
        sub[n - 1] = dn
        // Thomas algorithm, the matrix part: pivot[i] = diag[i] - sub[i] * upper[i - 1]
        var pivot = [Double](repeating: 0, count: n)
        var upper = [Double](repeating: 0, count: n)
        pivot[0] = diag[0]
        upper[0] = sup[0] / diag[0]
        for i in 1..<n {
            pivot[i] = diag[i] - sub[i] * upper[i - 1]
            upper[i] = i < n - 1 ? sup[i] / pivot[i] : 0
        }
        self.dx = dx
        self.sub = sub
        self.pivot = pivot
        self.upper = upper
        self.d0 = d0
        first0 = (dx[0] + 2 * d0) * dx[1]
        first1 = dx[0] * dx[0]
        self.dn = dn
        last0 = dx[n - 2] * dx[n - 2]
        last1 = (2 * dn + dx[n - 2]) * dx[n - 3]
        // interval j with x[j] <= t < x[j+1] (the last one for t >= x[n-2])
        var interval = [Int](repeating: 0, count: xi.count)
        var offset = [Double](repeating: 0, count: xi.count)
        var j = 0
        for (k, t) in xi.enumerated() {
            if j > n - 2 || t < x[j] { j = 0 }
            while j < n - 2 && t >= x[j + 1] { j += 1 }
            interval[k] = j
            offset[k] = t - x[j]
        }
        self.interval = interval
        self.offset = offset
    }

    /// The spline through (x[i], y[i]) at the plan's points.
    func apply(_ y: [Double]) -> [Double] {
        let n = dx.count + 1
        precondition(y.count == n)
        var slope = [Double](repeating: 0, count: n - 1)
        var s = [Double](repeating: 0, count: n)
        var out = [Double](repeating: 0, count: interval.count)
        y.withUnsafeBufferPointer { y in
        dx.withUnsafeBufferPointer { dx in
        sub.withUnsafeBufferPointer { sub in
        pivot.withUnsafeBufferPointer { pivot in
        upper.withUnsafeBufferPointer { upper in
        slope.withUnsafeMutableBufferPointer { slope in
        s.withUnsafeMutableBufferPointer { s in
            for i in 0..<(n - 1) { slope[i] = (y[i + 1] - y[i]) / dx[i] }
            // forward elimination of the right-hand side (into s), then back substitution
            s[0] = ((first0 * slope[0] + first1 * slope[1]) / d0) / pivot[0]
            for i in 1..<(n - 1) {
                let rhs = 3 * (dx[i] * slope[i - 1] + dx[i - 1] * slope[i])
                s[i] = (rhs - sub[i] * s[i - 1]) / pivot[i]
            }
            let rhsLast = (last0 * slope[n - 3] + last1 * slope[n - 2]) / dn
            s[n - 1] = (rhsLast - sub[n - 1] * s[n - 2]) / pivot[n - 1]
            for i in stride(from: n - 2, through: 0, by: -1) { s[i] = s[i] - upper[i] * s[i + 1] }
            // the piecewise cubic (Hermite form) at each point
            interval.withUnsafeBufferPointer { interval in
            offset.withUnsafeBufferPointer { offset in
            out.withUnsafeMutableBufferPointer { out in
                for k in 0..<out.count {
                    let j = interval[k], u = offset[k], h = dx[j]
                    let c2 = (3 * slope[j] - 2 * s[j] - s[j + 1]) / h
                    let c3 = (s[j] + s[j + 1] - 2 * slope[j]) / (h * h)
                    out[k] = ((c3 * u + c2) * u + s[j]) * u + y[j]
                }
            }}}
        }}}}}}}
        return out
    }
}
