import CLibSVM
import SpectralFakeCore

/// C-SVC training through Debian's libsvm, set up as scikit-learn's SVC
/// calls its copy of libsvm: labels 0/1 with the rows grouped by class,
/// class weights for labels 0 and 1, and sklearn's sign convention for the
/// binary decision (positive = class 1 = fake).
enum LibSVM {
    private static let quiet: Void = {
        svm_set_print_string_function { _ in }
    }()

    /// The decision function and the number of support vectors.
    static func train(_ X: Matrix, _ y: [Int], C: Double, gamma: Double, tol: Double,
                      weights: [Double]) throws(SFError) -> (DecisionFunction, Int) {
        _ = quiet
        let n = X.rows, d = X.cols
        let order = groupedOrder(y)
        let nodes = UnsafeMutablePointer<svm_node>.allocate(capacity: n * (d + 1))
        let rows = UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>.allocate(capacity: n)
        let labels = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { nodes.deallocate(); rows.deallocate(); labels.deallocate() }
        for (k, i) in order.enumerated() {
            let r = nodes + k * (d + 1)
            for j in 0..<d { r[j] = svm_node(index: Int32(j + 1), value: X.data[i * d + j]) }
            r[d] = svm_node(index: -1, value: 0)
            rows[k] = r
            labels[k] = Double(y[i])
        }
        var prob = svm_problem(l: Int32(n), y: labels, x: rows)
        var weightLabel: [Int32] = [0, 1]
        var weight = weights
        let result: Result<(DecisionFunction, Int), SFError> = weightLabel.withUnsafeMutableBufferPointer { wl in
            weight.withUnsafeMutableBufferPointer { w in
                var p = svm_parameter()
                p.svm_type = Int32(C_SVC)
                p.kernel_type = Int32(RBF)
                p.degree = 3
                p.gamma = gamma
                p.coef0 = 0
                p.cache_size = 200
                p.eps = tol
                p.C = C
                p.nr_weight = 2
                p.weight_label = wl.baseAddress
                p.weight = w.baseAddress
                p.nu = 0.5
                p.p = 0.1
                p.shrinking = 1
                p.probability = 0
                if let e = svm_check_parameter(&prob, &p) {
                    return .failure(SFError(.invalidArgument, "libsvm: \(String(cString: e))"))
                }
                guard let model = svm_train(&prob, &p) else {
                    return .failure(SFError(.outOfMemory, "libsvm could not train the model"))
                }
                defer { var m: UnsafeMutablePointer<svm_model>? = model; svm_free_and_destroy_model(&m) }
                var lab: [Int32] = [0, 0]
                svm_get_labels(model, &lab)
                guard lab == [0, 1] else {
                    return .failure(SFError(.internal, "libsvm ordered the classes \(lab), expected [0, 1]"))
                }
                let nsv = Int(svm_get_nr_sv(model))
                var svIndex = [Int32](repeating: 0, count: nsv)
                svm_get_sv_indices(model, &svIndex)
                var sv = [Double]()
                sv.reserveCapacity(nsv * d)
                var alpha = [Double](repeating: 0, count: nsv)
                for s in 0..<nsv {
                    let i = order[Int(svIndex[s]) - 1]
                    sv.append(contentsOf: X.data[(i * d)..<((i + 1) * d)])
                    alpha[s] = -model.pointee.sv_coef[0]![s]   // sklearn flips the binary decision
                }
                let intercept = model.pointee.rho[0]
                return .success((.svc(kernel: .rbf(gamma: gamma), supportVectors: sv, dualCoef: alpha,
                                      intercept: intercept), nsv))
            }
        }
        return try result.get()
    }
}
