/// The figures of `spectralfake eval`, computed as scikit-learn computes
/// them (accuracy_score, balanced_accuracy_score, roc_auc_score,
/// average_precision_score, confusion_matrix) plus a reliability table.
public struct BinaryMetrics: Sendable {
    public var count: Int
    public var accuracy: Double
    public var balancedAccuracy: Double
    /// nil when only one class is present.
    public var rocAUC: Double?
    public var averagePrecision: Double?
    /// [[true real predicted real, true real predicted fake], [true fake predicted real, true fake predicted fake]]
    public var confusion: [[Int]]

    /// y: 1 = fake; predicted: 1 = fake; score: higher = more fake.
    public init(y: [Int], predicted: [Int], score: [Double]) {
        count = y.count
        var c = [[0, 0], [0, 0]]
        for (t, p) in zip(y, predicted) { c[t][p] += 1 }
        confusion = c
        let correct = c[0][0] + c[1][1]
        accuracy = y.isEmpty ? 0 : Double(correct) / Double(y.count)
        let r0 = c[0][0] + c[0][1], r1 = c[1][0] + c[1][1]
        var recalls: [Double] = []
        if r0 > 0 { recalls.append(Double(c[0][0]) / Double(r0)) }
        if r1 > 0 { recalls.append(Double(c[1][1]) / Double(r1)) }
        balancedAccuracy = recalls.isEmpty ? 0 : recalls.reduce(0, +) / Double(recalls.count)
        if r0 > 0 && r1 > 0 {
            rocAUC = BinaryMetrics.auc(y: y, score: score)
            averagePrecision = BinaryMetrics.averagePrecision(y: y, score: score)
        }
    }

    /// The Mann-Whitney statistic with ties counted half: roc_auc_score.
    static func auc(y: [Int], score: [Double]) -> Double {
        let order = score.indices.sorted { score[$0] < score[$1] }
        var ranks = [Double](repeating: 0, count: score.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && score[order[j + 1]] == score[order[i]] { j += 1 }
            let r = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = r }
            i = j + 1
        }
        let n1 = Double(y.reduce(0, +)), n0 = Double(y.count) - n1
        var sum1 = 0.0
        for (k, t) in y.enumerated() where t == 1 { sum1 += ranks[k] }
        return (sum1 - n1 * (n1 + 1) / 2) / (n0 * n1)
    }

    /// sum over thresholds (R_n - R_{n-1}) * P_n, thresholds at every
    /// distinct score from the highest: average_precision_score.
    static func averagePrecision(y: [Int], score: [Double]) -> Double {
        let order = score.indices.sorted { score[$0] > score[$1] }
        let positives = Double(y.reduce(0, +))
        var tp = 0.0, fp = 0.0, prevRecall = 0.0, ap = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j < order.count && score[order[j]] == score[order[i]] {
                if y[order[j]] == 1 { tp += 1 } else { fp += 1 }
                j += 1
            }
            let recall = tp / positives, precision = tp / (tp + fp)
            ap += (recall - prevRecall) * precision
            prevRecall = recall
            i = j
        }
        return ap
    }
}

/// Reliability of probabilities: `bins` equal-width bins of P(fake), each
/// with its count, mean predicted probability and observed fraction of
/// fakes; and the expected calibration error (sum of |predicted -
/// observed| weighted by the bin's share).
public struct CalibrationTable: Sendable {
    public struct Bin: Sendable {
        public var low: Double
        public var high: Double
        public var count: Int
        public var meanPredicted: Double
        public var fractionFake: Double
    }
    public var bins: [Bin]
    public var expectedCalibrationError: Double

    public init(y: [Int], probability: [Double], bins n: Int = 10) {
        var count = [Int](repeating: 0, count: n), sumP = [Double](repeating: 0, count: n)
        var fakes = [Int](repeating: 0, count: n)
        for (t, p) in zip(y, probability) {
            let b = min(n - 1, max(0, Int(p * Double(n))))
            count[b] += 1
            sumP[b] += p
            fakes[b] += t
        }
        var out: [Bin] = []
        var ece = 0.0
        for b in 0..<n {
            let c = count[b]
            let mp = c > 0 ? sumP[b] / Double(c) : 0, ff = c > 0 ? Double(fakes[b]) / Double(c) : 0
            out.append(Bin(low: Double(b) / Double(n), high: Double(b + 1) / Double(n), count: c, meanPredicted: mp,
                           fractionFake: ff))
            if !y.isEmpty { ece += Double(c) / Double(y.count) * abs(mp - ff) }
        }
        bins = out
        expectedCalibrationError = ece
    }
}
