#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Native scoring of scikit-learn binary classifiers, with sklearn 1.9's
/// arithmetic (docs/model-format.md gives the formulas and their sources).
/// Sums run sequentially in a fixed order: sklearn's own sums go through
/// OpenBLAS, whose order depends on the CPU, so the two agree to about 1e-12
/// relative rather than bit for bit.

/// A per-feature input transform applied before the classifier.
public enum Scaler: Sendable, Equatable {
    /// StandardScaler: `(x - mean) / scale`, each step optional.
    case standard(mean: [Double]?, scale: [Double]?)
    /// MinMaxScaler: `x * scale + min`, then optionally clipped.
    case minMax(scale: [Double], min: [Double], clip: (Double, Double)?)

    public static func == (a: Scaler, b: Scaler) -> Bool {
        switch (a, b) {
        case let (.standard(m1, s1), .standard(m2, s2)): return m1 == m2 && s1 == s2
        case let (.minMax(s1, m1, c1), .minMax(s2, m2, c2)):
            return s1 == s2 && m1 == m2 && c1?.0 == c2?.0 && c1?.1 == c2?.1
        default: return false
        }
    }

    func apply(_ x: inout [Double]) {
        switch self {
        case let .standard(mean, scale):
            if let mean { for k in x.indices { x[k] = x[k] - mean[k] } }
            if let scale { for k in x.indices { x[k] = x[k] / scale[k] } }
        case let .minMax(scale, min, clip):
            for k in x.indices {
                var v = x[k] * scale[k]
                v = v + min[k]
                if let (lo, hi) = clip { v = Swift.min(Swift.max(v, lo), hi) }
                x[k] = v
            }
        }
    }
}

public enum Kernel: Sendable, Equatable {
    case linear
    case rbf(gamma: Double)
    case poly(gamma: Double, coef0: Double, degree: Int)
    case sigmoid(gamma: Double, coef0: Double)

    public var name: String {
        switch self {
        case .linear: return "linear"
        case .rbf: return "rbf"
        case .poly: return "poly"
        case .sigmoid: return "sigmoid"
        }
    }
}

/// The decision function of a binary classifier (before calibration).
public enum DecisionFunction: Sendable, Equatable {
    /// sklearn.svm.SVC (libsvm): `sum_i dual_coef[i] * K(x, sv_i) + intercept`.
    /// `supportVectors` is row-major, `dualCoef.count` rows of `featureCount`.
    case svc(kernel: Kernel, supportVectors: [Double], dualCoef: [Double], intercept: Double)
    /// LinearSVC, LogisticRegression, SGDClassifier: `dot(x, coef) + intercept`.
    case linear(coef: [Double], intercept: Double)

    func decision(_ x: [Double]) -> Double {
        switch self {
        case let .linear(coef, intercept):
            return Self.dot(x, 0, coef) + intercept
        case let .svc(kernel, sv, alpha, intercept):
            let n = x.count
            var s = 0.0
            for i in alpha.indices {
                s = s + alpha[i] * Self.kernel(kernel, x, sv, i * n)
            }
            return s + intercept
        }
    }

    static func dot(_ x: [Double], _ offset: Int, _ y: [Double]) -> Double {
        var s = 0.0
        for k in x.indices { s = s + x[k] * y[offset + k] }
        return s
    }

    static func kernel(_ k: Kernel, _ x: [Double], _ sv: [Double], _ offset: Int) -> Double {
        switch k {
        case .linear:
            return dot(x, offset, sv)
        case let .rbf(gamma):
            var s = 0.0
            for j in x.indices {
                let d = x[j] - sv[offset + j]
                s = s + d * d
            }
            return exp(-gamma * s)
        case let .poly(gamma, coef0, degree):
            return powi(gamma * dot(x, offset, sv) + coef0, degree)
        case let .sigmoid(gamma, coef0):
            return tanh(gamma * dot(x, offset, sv) + coef0)
        }
    }

    /// libsvm's integer power by repeated squaring.
    static func powi(_ base: Double, _ times: Int) -> Double {
        var tmp = base, ret = 1.0, t = times
        while t > 0 {
            if t % 2 == 1 { ret *= tmp }
            tmp = tmp * tmp
            t /= 2
        }
        return ret
    }
}

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
    func probabilities(_ d: Double) -> (Double, Double)? {
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

/// How the predicted class follows from the decision value or probabilities.
public enum PredictRule: String, Sendable, Equatable {
    /// SVC (libsvm's vote): class 1 unless d < 0 (an exact 0 gives class 1).
    case svc
    /// Linear models: class 1 iff d > 0 (an exact 0 gives class 0).
    case linear
    /// CalibratedClassifierCV: argmax of the probabilities; a tie gives class 0.
    case argmaxProbability
}
