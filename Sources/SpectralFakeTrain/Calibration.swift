#if canImport(Glibc)
import Glibc
#endif
import SpectralFakeCore

/// Probability calibration of decision values, as scikit-learn's
/// CalibratedClassifierCV(ensemble=False) fits it on out-of-fold values.
public enum CalibrationMethod: String, Sendable, CaseIterable {
    case sigmoid, isotonic, none
}

public enum Calibration {
    /// Platt scaling with sklearn's targets and start point
    /// (_sigmoid_calibration): minimises the logistic loss of
    /// P(fake) = 1 / (1 + exp(a*d + b)) against T+ = (N+ + 1)/(N+ + 2),
    /// T- = 1/(N- + 2), by Newton's method with backtracking (sklearn uses
    /// L-BFGS-B on the same objective; the optima agree to ~1e-9).
    public static func fitSigmoid(_ d: [Double], _ y: [Int]) -> (a: Double, b: Double) {
        let n1 = Double(y.reduce(0, +)), n0 = Double(y.count) - n1
        let t1 = (n1 + 1) / (n1 + 2), t0 = 1 / (n0 + 2)
        let t = y.map { $0 == 1 ? t1 : t0 }
        func loss(_ a: Double, _ b: Double) -> Double {
            var s = 0.0
            for i in d.indices {
                let r = -(a * d[i] + b)   // P = expit(r)
                // log(1 + e^r) - t r, computed stably
                s += (r > 0 ? r + log1p(exp(-r)) : log1p(exp(r))) - t[i] * r
            }
            return s
        }
        var a = 0.0, b = log((n0 + 1) / (n1 + 1))
        var f = loss(a, b)
        for _ in 0..<200 {
            var ga = 0.0, gb = 0.0, haa = 0.0, hab = 0.0, hbb = 0.0
            for i in d.indices {
                let r = -(a * d[i] + b)
                let p = r >= 0 ? 1 / (1 + exp(-r)) : exp(r) / (1 + exp(r))
                let g = p - t[i]          // dL/dr
                // r = -(a d + b): dr/da = -d, dr/db = -1
                ga -= g * d[i]
                gb -= g
                let w = p * (1 - p)
                haa += w * d[i] * d[i]
                hab += w * d[i]
                hbb += w
            }
            if max(abs(ga), abs(gb)) < 1e-12 { break }
            let det = haa * hbb - hab * hab
            var da: Double, db: Double
            if det > 1e-300 {
                da = -(hbb * ga - hab * gb) / det
                db = -(haa * gb - hab * ga) / det
            } else {
                da = -ga
                db = -gb
            }
            var step = 1.0, improved = false
            while step > 1e-12 {
                let na = a + step * da, nb = b + step * db
                let nf = loss(na, nb)
                if nf <= f + 1e-4 * step * (ga * da + gb * db) {
                    a = na; b = nb; f = nf
                    improved = true
                    break
                }
                step /= 2
            }
            if !improved { break }
        }
        return (a, b)
    }

    /// Isotonic regression of y on d (sklearn's IsotonicRegression with
    /// out_of_bounds="clip", increasing): sort, merge equal values into
    /// weighted means, pool adjacent violators, keep the points that differ
    /// from a neighbour. Returns the thresholds (x, y) of the model format.
    public static func fitIsotonic(_ d: [Double], _ y: [Int]) -> (x: [Double], y: [Double]) {
        // lexsort by (d, y)
        let order = d.indices.sorted { (d[$0], y[$0]) < (d[$1], y[$1]) }
        var xs: [Double] = [], ys: [Double] = [], ws: [Double] = []
        let resolution = 1e-15  // np.finfo(float64).resolution
        var i = 0
        while i < order.count {
            let x0 = d[order[i]]
            var sumY = 0.0, w = 0.0
            var j = i
            while j < order.count && d[order[j]] - x0 < resolution {
                sumY += Double(y[order[j]])
                w += 1
                j += 1
            }
            xs.append(x0)
            ys.append(sumY / w)
            ws.append(w)
            i = j
        }
        // pool adjacent violators (weighted)
        var blockY: [Double] = [], blockW: [Double] = [], blockLen: [Int] = []
        for k in ys.indices {
            blockY.append(ys[k]); blockW.append(ws[k]); blockLen.append(1)
            while blockY.count > 1 && blockY[blockY.count - 2] >= blockY[blockY.count - 1] {
                let n = blockY.count
                let w = blockW[n - 2] + blockW[n - 1]
                let v = (blockY[n - 2] * blockW[n - 2] + blockY[n - 1] * blockW[n - 1]) / w
                blockY.removeLast(2); blockY.append(v)
                let l = blockLen[n - 2] + blockLen[n - 1]
                blockW.removeLast(2); blockW.append(w)
                blockLen.removeLast(2); blockLen.append(l)
            }
        }
        var fitted: [Double] = []
        for (v, l) in zip(blockY, blockLen) { fitted += [Double](repeating: v, count: l) }
        // keep the first, the last, and points that differ from a neighbour
        var keepX: [Double] = [], keepY: [Double] = []
        for k in fitted.indices {
            let interior = k > 0 && k < fitted.count - 1
            if !interior || fitted[k - 1] != fitted[k] || fitted[k] != fitted[k + 1] {
                keepX.append(xs[k]); keepY.append(fitted[k])
            }
        }
        return (keepX, keepY)
    }
}
