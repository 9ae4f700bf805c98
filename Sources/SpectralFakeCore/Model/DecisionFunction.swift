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

    public func decision(_ x: [Double]) -> Double {
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

/// How the predicted class follows from the decision value or probabilities.
public enum PredictRule: String, Sendable, Equatable {
    /// SVC (libsvm's vote): class 1 unless d < 0 (an exact 0 gives class 1).
    case svc
    /// Linear models: class 1 iff d > 0 (an exact 0 gives class 0).
    case linear
    /// CalibratedClassifierCV: argmax of the probabilities; a tie gives class 0.
    case argmaxProbability
}
