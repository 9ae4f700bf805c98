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

    public func apply(_ x: inout [Double]) {
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
