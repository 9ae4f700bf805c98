import SpectralFakeCore

/// What `spectralfake train` does with a feature matrix: optional grid
/// search by stratified cross-validation, the final fit, and optional
/// calibration on out-of-fold decision values (scikit-learn's
/// CalibratedClassifierCV(ensemble=False)).
public struct TrainingOptions: Sendable {
    public var parameters: ClassifierParameters
    public var folds = 5
    public var grid = false
    public var calibration = CalibrationMethod.sigmoid

    public init(parameters: ClassifierParameters) { self.parameters = parameters }
}

public struct TrainingResult: Sendable {
    public var fit: FittedClassifier
    public var calibration: ProbabilityModel
    /// Mean cross-validated accuracy of the chosen parameters.
    public var cvAccuracy: Double
    /// Every grid point tried and its mean cross-validated accuracy.
    public var grid: [(C: Double, gamma: Double?, accuracy: Double)]
}

public enum Trainer {
    public static let gridC: [Double] = [0.01, 0.1, 1, 10, 100]
    public static let gridGammaFactors: [Double] = [0.1, 1, 10]

    public static func train(_ X: Matrix, _ y: [Int], _ o: TrainingOptions) throws(SFError) -> TrainingResult {
        let folds = try stratifiedFolds(y, k: o.folds)
        var params = o.parameters
        var tried: [(C: Double, gamma: Double?, accuracy: Double)] = []
        if o.grid {
            // gamma values are multiples of 'scale' on the (standardised) training data
            let Xs = params.standardize ? StandardScaling.apply(StandardScaling.fit(X), X) : X
            let base = Gamma.scale.resolve(Xs)
            let gammas: [Double?] = params.kind == .svmRBF ? gridGammaFactors.map { $0 * base } : [nil]
            var best: (Double, Double?, Double)? = nil
            for c in gridC {
                for g in gammas {
                    var p = params
                    p.C = c
                    if let g { p.gamma = .value(g) }
                    let acc = try crossValidatedAccuracy(X, y, p, folds: folds, k: o.folds)
                    tried.append((c, g, acc))
                    if best == nil || acc > best!.2 { best = (c, g, acc) }
                }
            }
            params.C = best!.0
            if let g = best!.1 { params.gamma = .value(g) }
        }
        var cv = 0.0
        if o.grid {
            cv = tried.map(\.accuracy).max() ?? 0
        } else {
            cv = try crossValidatedAccuracy(X, y, params, folds: folds, k: o.folds)
        }
        var calibration = ProbabilityModel.none
        switch o.calibration {
        case .none:
            if params.kind == .logreg { calibration = .logistic }
        case .sigmoid:
            let d = try crossValidatedDecisions(X, y, params, folds: folds, k: o.folds)
            let (a, b) = Calibration.fitSigmoid(d, y)
            calibration = .sigmoidCalibration(a: a, b: b)
        case .isotonic:
            let d = try crossValidatedDecisions(X, y, params, folds: folds, k: o.folds)
            let (xs, ys) = Calibration.fitIsotonic(d, y)
            calibration = .isotonicCalibration(x: xs, y: ys)
        }
        let fit = try FittedClassifier.fit(X, y, params)
        return TrainingResult(fit: fit, calibration: calibration, cvAccuracy: cv, grid: tried)
    }
}
