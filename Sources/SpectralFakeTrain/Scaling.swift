import SpectralFakeCore

/// sklearn's StandardScaler, fitted: per-column mean and population
/// standard deviation (a column of zero variance keeps scale 1, as sklearn
/// does).
public enum StandardScaling {
    public static func fit(_ X: Matrix) -> Scaler {
        let n = Double(X.rows), d = X.cols
        var mean = [Double](repeating: 0, count: d)
        var scale = [Double](repeating: 1, count: d)
        for i in 0..<X.rows { for j in 0..<d { mean[j] += X.data[i * d + j] } }
        for j in 0..<d { mean[j] /= n }
        for j in 0..<d {
            var s = 0.0
            for i in 0..<X.rows { let t = X.data[i * d + j] - mean[j]; s += t * t }
            let v = s / n
            // sklearn's _is_constant_feature: such columns keep scale 1
            let eps = Double.ulpOfOne, m = n * mean[j] * eps
            scale[j] = v <= n * eps * v + m * m ? 1 : v.squareRoot()
        }
        return .standard(mean: mean, scale: scale)
    }

    public static func apply(_ s: Scaler, _ X: Matrix) -> Matrix {
        var out = X
        var row = [Double](repeating: 0, count: X.cols)
        for i in 0..<X.rows {
            for j in 0..<X.cols { row[j] = X.data[i * X.cols + j] }
            s.apply(&row)
            for j in 0..<X.cols { out.data[i * X.cols + j] = row[j] }
        }
        return out
    }
}
