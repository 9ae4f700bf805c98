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
        let n = x.count
        precondition(n >= 4 && y.count == n)
        var dx = [Double](repeating: 0, count: n - 1)
        var slope = [Double](repeating: 0, count: n - 1)
        for i in 0..<(n - 1) {
            dx[i] = x[i + 1] - x[i]
            slope[i] = (y[i + 1] - y[i]) / dx[i]
        }
        // Tridiagonal system for the first derivatives s[i] (the same rows as
        // SciPy's CubicSpline with bc_type='not-a-knot').
        var sub = [Double](repeating: 0, count: n)    // A[i, i-1]
        var diag = [Double](repeating: 0, count: n)   // A[i, i]
        var sup = [Double](repeating: 0, count: n)    // A[i, i+1]
        var rhs = [Double](repeating: 0, count: n)
        for i in 1..<(n - 1) {
            sub[i] = dx[i]
            diag[i] = 2 * (dx[i - 1] + dx[i])
            sup[i] = dx[i - 1]
            rhs[i] = 3 * (dx[i] * slope[i - 1] + dx[i - 1] * slope[i])
        }
        let d0 = x[2] - x[0]
        diag[0] = dx[1]
        sup[0] = d0
        rhs[0] = ((dx[0] + 2 * d0) * dx[1] * slope[0] + dx[0] * dx[0] * slope[1]) / d0
        let dn = x[n - 1] - x[n - 3]
        diag[n - 1] = dx[n - 3]
        sub[n - 1] = dn
        rhs[n - 1] = (dx[n - 2] * dx[n - 2] * slope[n - 3] + (2 * dn + dx[n - 2]) * dx[n - 3] * slope[n - 2]) / dn
        // Thomas algorithm.
        var c = [Double](repeating: 0, count: n)
        var d = [Double](repeating: 0, count: n)
        c[0] = sup[0] / diag[0]
        d[0] = rhs[0] / diag[0]
        for i in 1..<n {
            let m = diag[i] - sub[i] * c[i - 1]
            c[i] = i < n - 1 ? sup[i] / m : 0
            d[i] = (rhs[i] - sub[i] * d[i - 1]) / m
        }
        var s = [Double](repeating: 0, count: n)
        s[n - 1] = d[n - 1]
        for i in stride(from: n - 2, through: 0, by: -1) {
            s[i] = d[i] - c[i] * s[i + 1]
        }
        // Evaluate the piecewise cubic (Hermite form) at each point.
        var out = [Double](repeating: 0, count: xi.count)
        var j = 0
        for (k, t) in xi.enumerated() {
            // interval j with x[j] <= t < x[j+1] (the last one for t >= x[n-2])
            if j > n - 2 || t < x[j] { j = 0 }
            while j < n - 2 && t >= x[j + 1] { j += 1 }
            let h = dx[j]
            let c2 = (3 * slope[j] - 2 * s[j] - s[j + 1]) / h
            let c3 = (s[j] + s[j + 1] - 2 * slope[j]) / (h * h)
            let u = t - x[j]
            out[k] = ((c3 * u + c2) * u + s[j]) * u + y[j]
        }
        return out
    }
}
