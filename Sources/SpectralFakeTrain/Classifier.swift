import SpectralFakeCore

/// The classifiers `spectralfake train` fits, each the scikit-learn
/// estimator it reproduces (same solver, same parameters; see
/// docs/training.md for the measured agreement).
public enum ClassifierKind: String, Sendable, CaseIterable {
    /// sklearn.svm.LinearSVC (liblinear, L2-regularised squared hinge).
    case svmLinear = "svm-linear"
    /// sklearn.svm.SVC(kernel="rbf") (libsvm).
    case svmRBF = "svm-rbf"
    /// sklearn.linear_model.LogisticRegression(solver="liblinear").
    case logreg

    public var sklearnName: String {
        switch self {
        case .svmLinear: return "LinearSVC"
        case .svmRBF: return "SVC"
        case .logreg: return "LogisticRegression"
        }
    }
}

/// gamma of an RBF kernel: sklearn's "scale" (1 / (n_features * X.var())),
/// "auto" (1 / n_features) or a value.
public enum Gamma: Sendable, Equatable, CustomStringConvertible {
    case scale, auto
    case value(Double)

    public func resolve(_ X: Matrix) -> Double {
        switch self {
        case .scale:
            let v = X.varianceOfAllEntries
            return v != 0 ? 1.0 / (Double(X.cols) * v) : 1.0
        case .auto: return 1.0 / Double(X.cols)
        case .value(let g): return g
        }
    }

    public var description: String {
        switch self {
        case .scale: return "'scale'"
        case .auto: return "'auto'"
        case .value(let g): return "\(g)"
        }
    }
}

/// The parameters of one fit, with sklearn's defaults.
public struct ClassifierParameters: Sendable, Equatable {
    public var kind: ClassifierKind
    public var C = 1.0
    public var gamma = Gamma.scale
    /// Stopping tolerance; nil = sklearn's default (1e-3 for SVC, 1e-4 for liblinear).
    public var tol: Double? = nil
    /// class_weight="balanced": n_samples / (2 * count of the class).
    public var balanced = false
    /// StandardScaler before the classifier.
    public var standardize = true

    public init(kind: ClassifierKind) { self.kind = kind }

    public var effectiveTol: Double { tol ?? (kind == .svmRBF ? 1e-3 : 1e-4) }

    /// The equivalent scikit-learn estimator, as text (stored in model metadata).
    public var sklearnDescription: String {
        var args: [String] = []
        if C != 1 { args.append("C=\(C)") }
        if kind == .svmRBF {
            args.append("kernel='rbf'")
            if gamma != .scale { args.append("gamma=\(gamma)") }
        }
        if kind == .logreg { args.append("solver='liblinear'") }
        if let tol { args.append("tol=\(tol)") }
        if balanced { args.append("class_weight='balanced'") }
        let clf = "\(kind.sklearnName)(\(args.joined(separator: ", ")))"
        return standardize ? "Pipeline(StandardScaler(), \(clf))" : clf
    }
}

/// A fitted scaler + classifier: the decision function of the model file.
public struct FittedClassifier: Sendable {
    public var parameters: ClassifierParameters
    public var scaler: Scaler?
    public var decision: DecisionFunction
    /// The resolved gamma of an RBF fit.
    public var gamma: Double?
    public var supportVectorCount: Int?

    public func decisionValues(_ X: Matrix) -> [Double] {
        var out = [Double](repeating: 0, count: X.rows)
        var row = [Double](repeating: 0, count: X.cols)
        for i in 0..<X.rows {
            for j in 0..<X.cols { row[j] = X.data[i * X.cols + j] }
            scaler?.apply(&row)
            out[i] = decision.decision(row)
        }
        return out
    }

    /// sklearn's predict: SVC gives class 1 unless d < 0, linear models class 1 iff d > 0.
    public func predict(_ X: Matrix) -> [Int] {
        decisionValues(X).map { d in parameters.kind == .svmRBF ? (d < 0 ? 0 : 1) : (d > 0 ? 1 : 0) }
    }

    /// Fits on rows X with labels y (0 = real, 1 = fake).
    public static func fit(_ X: Matrix, _ y: [Int], _ p: ClassifierParameters) throws(SFError) -> FittedClassifier {
        guard X.rows == y.count, X.rows > 0 else { throw SFError(.invalidArgument, "no training rows") }
        guard Set(y).count == 2 else {
            throw SFError(.invalidArgument, "training needs both classes (real and fake images); found only \(y.first == 1 ? "fake" : "real")")
        }
        let scaler = p.standardize ? StandardScaling.fit(X) : nil
        let Xs = scaler.map { StandardScaling.apply($0, X) } ?? X
        let weights = p.balanced ? balancedWeights(y) : [1, 1]
        switch p.kind {
        case .svmRBF:
            let g = p.gamma.resolve(Xs)
            let (d, nsv) = try LibSVM.train(Xs, y, C: p.C, gamma: g, tol: p.effectiveTol, weights: weights)
            return FittedClassifier(parameters: p, scaler: scaler, decision: d, gamma: g, supportVectorCount: nsv)
        case .svmLinear, .logreg:
            let d = try LibLinear.train(Xs, y, logistic: p.kind == .logreg, C: p.C, tol: p.effectiveTol,
                                        weights: weights)
            return FittedClassifier(parameters: p, scaler: scaler, decision: d, gamma: nil, supportVectorCount: nil)
        }
    }

    /// sklearn's compute_class_weight("balanced"): n / (2 * bincount).
    static func balancedWeights(_ y: [Int]) -> [Double] {
        let n1 = y.reduce(0, +), n0 = y.count - n1
        return [Double(y.count) / (2 * Double(n0)), Double(y.count) / (2 * Double(n1))]
    }
}

/// Rows grouped stably by class (class 0 first), as scikit-learn's copies
/// of libsvm and liblinear order them internally; Debian's libraries then
/// see the classes in the same order (docs/training.md).
func groupedOrder(_ y: [Int]) -> [Int] {
    y.indices.filter { y[$0] == 0 } + y.indices.filter { y[$0] != 0 }
}
