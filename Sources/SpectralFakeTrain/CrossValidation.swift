import SpectralFakeCore

/// scikit-learn's StratifiedKFold(k, shuffle=False): classes numbered by
/// first appearance, per-fold class counts dealt round-robin over the
/// sorted labels, and each class's samples (in data order) given folds in
/// blocks 0...0, 1...1, ... Returns the test fold of every sample.
public func stratifiedFolds(_ y: [Int], k: Int) throws(SFError) -> [Int] {
    var firstSeen: [Int] = []
    for v in y where !firstSeen.contains(v) { firstSeen.append(v) }
    let encoded = y.map { v in firstSeen.firstIndex(of: v)! }
    let nClasses = firstSeen.count
    var counts = [Int](repeating: 0, count: nClasses)
    for e in encoded { counts[e] += 1 }
    guard k >= 2 else { throw SFError(.invalidArgument, "cross-validation needs at least 2 folds, got \(k)") }
    guard let least = counts.min(), least >= k else {
        throw SFError(.invalidArgument, "cross-validation with \(k) folds needs at least \(k) images of each class (the smaller class has \(counts.min() ?? 0))")
    }
    let sortedEncoded = encoded.sorted()
    // allocation[f][c] = #{i : i % k == f and sortedEncoded[i] == c}
    var allocation = [[Int]](repeating: [Int](repeating: 0, count: nClasses), count: k)
    for (i, c) in sortedEncoded.enumerated() { allocation[i % k][c] += 1 }
    var folds = [Int](repeating: 0, count: y.count)
    for c in 0..<nClasses {
        var assignment: [Int] = []
        for f in 0..<k { assignment += [Int](repeating: f, count: allocation[f][c]) }
        var next = 0
        for i in y.indices where encoded[i] == c {
            folds[i] = assignment[next]
            next += 1
        }
    }
    return folds
}

/// Out-of-fold decision values (sklearn's cross_val_predict with
/// method="decision_function"): each fold scored by a fit on the others.
public func crossValidatedDecisions(_ X: Matrix, _ y: [Int], _ p: ClassifierParameters,
                                    folds: [Int], k: Int) throws(SFError) -> [Double] {
    var out = [Double](repeating: 0, count: y.count)
    for f in 0..<k {
        let train = y.indices.filter { folds[$0] != f }, test = y.indices.filter { folds[$0] == f }
        let fit = try FittedClassifier.fit(X.rows(train), train.map { y[$0] }, p)
        let d = fit.decisionValues(X.rows(test))
        for (j, i) in test.enumerated() { out[i] = d[j] }
    }
    return out
}

/// Mean accuracy over the folds (sklearn's cross_val_score with accuracy).
public func crossValidatedAccuracy(_ X: Matrix, _ y: [Int], _ p: ClassifierParameters,
                                   folds: [Int], k: Int) throws(SFError) -> Double {
    var total = 0.0
    for f in 0..<k {
        let train = y.indices.filter { folds[$0] != f }, test = y.indices.filter { folds[$0] == f }
        let fit = try FittedClassifier.fit(X.rows(train), train.map { y[$0] }, p)
        let pred = fit.predict(X.rows(test))
        let correct = zip(pred, test.map { y[$0] }).filter { $0 == $1 }.count
        total += Double(correct) / Double(test.count)
    }
    return total / Double(k)
}
