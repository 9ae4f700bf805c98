#if canImport(Glibc)
import Glibc
#endif
import SpectralFakeCore

/// The model file of a native fit, member for member what
/// `spectralfake.export` writes for the equivalent scikit-learn estimator
/// (docs/model-format.md), so that `info` and `score` cannot tell them apart.
public enum ModelDocument {
    public static func make(settings: FeatureSettings, fit: FittedClassifier, calibration: ProbabilityModel,
                            metadata: [(String, JSONValue)]) -> JSONValue {
        let nf = fit.scaler.map(scalerLength) ?? featureLength(fit.decision)
        var features: [(String, JSONValue)] = [
            ("preset", .string(settings.preset.name)), ("n", .number(Double(settings.n), isInteger: true)),
            ("epsilon", .number(settings.epsilon)), ("center", .string(settings.center.name)),
            ("normalize", .string(settings.normalize.name)), ("crop", .string(settings.crop.name)),
            ("interpolate", .bool(settings.interpolate)),
        ]
        features.append(("n_features", .number(Double(nf), isInteger: true)))
        var classifier: JSONValue
        switch calibration {
        case let .sigmoidCalibration(a, b):
            classifier = .object([("type", .string("calibrated")), ("method", .string("sigmoid")),
                                  ("base", base(fit, probability: false)), ("a", .number(a)), ("b", .number(b))])
        case let .isotonicCalibration(x, y):
            classifier = .object([("type", .string("calibrated")), ("method", .string("isotonic")),
                                  ("base", base(fit, probability: false)), ("x", numbers(x)), ("y", numbers(y))])
        default:
            classifier = base(fit, probability: true)
        }
        var scaler: JSONValue = .null
        if case let .standard(mean, scale)? = fit.scaler {
            scaler = .object([("type", .string("standard")), ("mean", mean.map(numbers) ?? .null),
                              ("scale", scale.map(numbers) ?? .null)])
        }
        return .object([
            ("format", .string(Model.formatName)), ("format_version", .number(1, isInteger: true)),
            ("features", .object(features)),
            ("classes", .array([.number(0, isInteger: true), .number(1, isInteger: true)])),
            ("fake_class", .number(1, isInteger: true)),
            ("scaler", scaler), ("classifier", classifier), ("metadata", .object(metadata)),
        ])
    }

    static func base(_ fit: FittedClassifier, probability: Bool) -> JSONValue {
        switch fit.decision {
        case let .svc(kernel, sv, alpha, intercept):
            let d = alpha.isEmpty ? 0 : sv.count / alpha.count
            let rows: [JSONValue] = (0..<alpha.count).map { i in numbers(Array(sv[(i * d)..<((i + 1) * d)])) }
            var o: [(String, JSONValue)] = [("type", .string("svc")), ("kernel", .string(kernel.name))]
            if case let .rbf(g) = kernel { o.append(("gamma", .number(g))) }
            o += [("support_vectors", .array(rows)), ("dual_coef", numbers(alpha)), ("intercept", .number(intercept)),
                  ("probability", .null)]
            return .object(o)
        case let .linear(coef, intercept):
            let logistic = fit.parameters.kind == .logreg
            return .object([("type", .string("linear")), ("estimator", .string(fit.parameters.kind.sklearnName)),
                            ("coef", numbers(coef)), ("intercept", .number(intercept)),
                            ("probability", logistic && probability ? .string("logistic") : .null)])
        }
    }

    static func numbers(_ v: [Double]) -> JSONValue { .array(v.map { .number($0) }) }

    static func scalerLength(_ s: Scaler) -> Int {
        switch s {
        case let .standard(mean, scale): return mean?.count ?? scale?.count ?? 0
        case let .minMax(scale, _, _): return scale.count
        }
    }

    static func featureLength(_ d: DecisionFunction) -> Int {
        switch d {
        case let .svc(_, sv, alpha, _): return alpha.isEmpty ? 0 : sv.count / alpha.count
        case let .linear(coef, _): return coef.count
        }
    }

    /// "2026-12-04T03:14:15+00:00", as the exporter writes its time.
    public static func utcTimestamp() -> String {
        var t = time(nil)
        var tm = Glibc.tm()
        gmtime_r(&t, &tm)
        var buf = [CChar](repeating: 0, count: 40)
        let n = strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%S+00:00", &tm)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
