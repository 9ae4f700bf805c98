#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How class probabilities are obtained, if at all.
public enum ProbabilityModel: Sendable, Equatable {
    /// No predict_proba (LinearSVC, SGD with hinge loss, SVC without probability).
    case none
    /// LogisticRegression, SGDClassifier(loss="log_loss"): p1 = 1 / (1 + exp(-d)).
    case logistic
    /// SGDClassifier(loss="modified_huber"): p1 = (clip(d, -1, 1) + 1) / 2.
    case modifiedHuber
    /// SVC(probability=True): libsvm's Platt sigmoid on the internal decision
    /// value (-d), clipped to [1e-7, 1-1e-7], then libsvm's pairwise coupling.
    case platt(a: Double, b: Double)
    /// CalibratedClassifierCV(method="sigmoid"): p1 = 1 / (1 + exp(a*d + b)).
    case sigmoidCalibration(a: Double, b: Double)
    /// CalibratedClassifierCV(method="isotonic"): np.interp of clip(d) over the thresholds.
    case isotonicCalibration(x: [Double], y: [Double])
    /// CalibratedClassifierCV(method="temperature"): softmax(beta * [-d, d]).
    case temperatureCalibration(beta: Double)

    public var isCalibration: Bool {
        switch self {
        case .sigmoidCalibration, .isotonicCalibration, .temperatureCalibration: return true
        default: return false
        }
    }

    /// [P(class 0), P(class 1)], or nil without probabilities.
    public func probabilities(_ d: Double) -> (Double, Double)? {
        switch self {
        case .none:
            return nil
        case .logistic:
            let p1 = 1.0 / (1.0 + exp(-d))
            return (1.0 - p1, p1)
        case .modifiedHuber:
            let p1 = (min(max(d, -1.0), 1.0) + 1.0) / 2.0
            return (1.0 - p1, p1)
        case let .platt(a, b):
            let f = -d
            let fApB = f * a + b
            var r01 = fApB >= 0 ? exp(-fApB) / (1.0 + exp(-fApB)) : 1.0 / (1 + exp(fApB))
            r01 = min(max(r01, 1e-7), 1 - 1e-7)
            let p = Self.coupleTwoClasses(r01)
            return (p.0, p.1)
        case let .sigmoidCalibration(a, b):
            return Self.calibrated(1.0 / (1.0 + exp(a * d + b)))
        case let .isotonicCalibration(x, y):
            return Self.calibrated(Self.interp(min(max(d, x[0]), x[x.count - 1]), x, y))
        case let .temperatureCalibration(beta):
            var z0 = beta * -d, z1 = beta * d
            let m = max(z0, z1)
            z0 -= m
            z1 -= m
            let e0 = exp(z0), e1 = exp(z1)
            let s = e0 + e1
            return Self.fixAboveOne((e0 / s, e1 / s))
        }
    }

    /// CalibratedClassifierCV's binary columns: p0 = 1 - p1, then values in
    /// (1, 1 + 1e-5] are set to 1.
    static func calibrated(_ p1: Double) -> (Double, Double) {
        fixAboveOne((1.0 - p1, p1))
    }

    static func fixAboveOne(_ p: (Double, Double)) -> (Double, Double) {
        func fix(_ v: Double) -> Double { (v > 1.0 && v <= 1.0 + 1e-5) ? 1.0 : v }
        return (fix(p.0), fix(p.1))
    }

    /// libsvm's multiclass_probability (Wu, Lin and Weng, method 2) for k = 2,
    /// with r[0][1] = r01 and r[1][0] = 1 - r01; returns (p0, p1).
    static func coupleTwoClasses(_ r01: Double) -> (Double, Double) {
        let k = 2
        let r: [[Double]] = [[0, r01], [1 - r01, 0]]
        let maxIter = max(100, k)
        let eps = 0.005 / Double(k)
        var p = [Double](repeating: 1.0 / Double(k), count: k)
        var Q = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for t in 0..<k {
            Q[t][t] = 0
            for j in 0..<t {
                Q[t][t] += r[j][t] * r[j][t]
                Q[t][j] = Q[j][t]
            }
            for j in (t + 1)..<k {
                Q[t][t] += r[j][t] * r[j][t]
                Q[t][j] = -r[j][t] * r[t][j]
            }
        }
        var Qp = [Double](repeating: 0, count: k)
        for _ in 0..<maxIter {
            var pQp = 0.0
            for t in 0..<k {
                Qp[t] = 0
                for j in 0..<k { Qp[t] += Q[t][j] * p[j] }
                pQp += p[t] * Qp[t]
            }
            var maxError = 0.0
            for t in 0..<k {
                let e = abs(Qp[t] - pQp)
                if e > maxError { maxError = e }
            }
            if maxError < eps { break }
            for t in 0..<k {
                let diff = (-Qp[t] + pQp) / Q[t][t]
                p[t] += diff
                pQp = (pQp + diff * (diff * Q[t][t] + 2 * Qp[t])) / (1 + diff) / (1 + diff)
                for j in 0..<k {
                    Qp[j] = (Qp[j] + diff * Q[t][j]) / (1 + diff)
                    p[j] /= (1 + diff)
                }
            }
        }
        return (p[0], p[1])
    }

    /// numpy.interp for x inside [xp[0], xp[n-1]] (the caller clips), with
    /// numpy's arithmetic: exact hits return the stored value; otherwise
    /// slope * (x - xp[j]) + fp[j] for the last j with xp[j] <= x.
    static func interp(_ x: Double, _ xp: [Double], _ fp: [Double]) -> Double {
        let n = xp.count
        if n == 1 { return fp[0] }
        if x.isNaN { return x }
        if x >= xp[n - 1] { return fp[n - 1] }
        if x < xp[0] { return fp[0] }
        // last j with xp[j] <= x
        var lo = 0, hi = n - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if xp[mid] <= x { lo = mid } else { hi = mid }
        }
        let j = lo
        if xp[j] == x { return fp[j] }
        let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        var r = slope * (x - xp[j]) + fp[j]
        if r.isNaN {
            r = slope * (x - xp[j + 1]) + fp[j + 1]
            if r.isNaN && fp[j] == fp[j + 1] { r = fp[j] }
        }
        return r
    }
}
