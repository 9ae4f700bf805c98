import CLibLinear
import SpectralFakeCore
#if canImport(Glibc)
import Glibc
#endif

/// LinearSVC and LogisticRegression(solver="liblinear") through Debian's
/// liblinear, as scikit-learn calls its copy: the primal solvers
/// (L2R_L2LOSS_SVC, L2R_LR) scikit-learn picks when there are more rows
/// than features, intercept_scaling 1 as liblinear's bias feature, labels
/// 0/1 with the rows grouped by class, and the sign flipped so that a
/// positive decision means class 1 (fake).
enum LibLinear {
    private static let quiet: Void = {
        set_print_string_function { _ in }
    }()

    static func train(_ X: Matrix, _ y: [Int], logistic: Bool, C: Double, tol: Double,
                      weights: [Double]) throws(SFError) -> DecisionFunction {
        _ = quiet
        let n = X.rows, d = X.cols
        let bias = 1.0
        let order = groupedOrder(y)
        let nodes = UnsafeMutablePointer<feature_node>.allocate(capacity: n * (d + 2))
        let rows = UnsafeMutablePointer<UnsafeMutablePointer<feature_node>?>.allocate(capacity: n)
        let labels = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { nodes.deallocate(); rows.deallocate(); labels.deallocate() }
        for (k, i) in order.enumerated() {
            let r = nodes + k * (d + 2)
            var q = 0
            for j in 0..<d where X.data[i * d + j] != 0 {   // sparse rows, as sklearn's helper builds them
                r[q] = feature_node(index: Int32(j + 1), value: X.data[i * d + j])
                q += 1
            }
            r[q] = feature_node(index: Int32(d + 1), value: bias)
            r[q + 1] = feature_node(index: -1, value: 0)
            rows[k] = r
            labels[k] = Double(y[i])
        }
        // dual = 'auto': the dual solver only when there are fewer rows than features
        let dual = n < d
        let solver = logistic ? (dual ? L2R_LR_DUAL : L2R_LR) : (dual ? L2R_L2LOSS_SVC_DUAL : L2R_L2LOSS_SVC)
        var prob = problem(l: Int32(n), n: Int32(d + 1), y: labels, x: rows, bias: bias)
        var weightLabel: [Int32] = [0, 1]
        var weight = weights
        let result: Result<DecisionFunction, SFError> = weightLabel.withUnsafeMutableBufferPointer { wl in
            weight.withUnsafeMutableBufferPointer { w in
                var p = parameter(solver_type: Int32(solver), eps: tol, C: C, nr_weight: 2, weight_label: wl.baseAddress,
                                  weight: w.baseAddress, p: 0.1, init_sol: nil)
                if let e = check_parameter(&prob, &p) {
                    return .failure(SFError(.invalidArgument, "liblinear: \(String(cString: e))"))
                }
                srand(1)  // only the dual solvers draw random numbers: keep them reproducible
                guard let model = CLibLinear.train(&prob, &p) else {
                    return .failure(SFError(.outOfMemory, "liblinear could not train the model"))
                }
                defer { var m: UnsafeMutablePointer<model>? = model; free_and_destroy_model(&m) }
                var lab: [Int32] = [0, 0]
                get_labels(model, &lab)
                guard lab == [0, 1] else {
                    return .failure(SFError(.internal, "liblinear ordered the classes \(lab), expected [0, 1]"))
                }
                let wv = model.pointee.w!
                // liblinear's w is for label[0] = class 0; sklearn's coef_ is for class 1
                let coef = (0..<d).map { -wv[$0] }
                return .success(.linear(coef: coef, intercept: -bias * wv[d]))
            }
        }
        return try result.get()
    }
}
