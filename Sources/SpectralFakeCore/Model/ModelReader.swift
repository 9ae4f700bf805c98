/// Reads and validates the JSON tree of a model file. Every error names the
/// member (as a path like `classifier.support_vectors[3]`) and the reason.
struct ModelReader {
    struct Node {
        let value: JSONValue
        let path: String

        func fail(_ why: String) -> SFError { SFError(.modelInvalid, "\(path.isEmpty ? "model" : path): \(why)") }

        func object(allowed: Set<String>? = nil) throws(SFError) -> [String: Node] {
            guard case .object(let members) = value else { throw fail("must be an object, found \(value.typeName)") }
            var out: [String: Node] = [:]
            for (k, v) in members {
                if let allowed, !allowed.contains(k) {
                    throw fail("unknown member \"\(k)\" (allowed here: \(allowed.sorted().joined(separator: ", ")))")
                }
                out[k] = Node(value: v, path: path.isEmpty ? k : "\(path).\(k)")
            }
            return out
        }

        func number() throws(SFError) -> Double {
            guard case .number(let d, _) = value else { throw fail("must be a number, found \(value.typeName)") }
            return d
        }

        func integer(_ range: ClosedRange<Int>) throws(SFError) -> Int {
            let d = try number()
            guard d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
                throw fail("must be an integer in \(range.lowerBound) ... \(range.upperBound), found \(d)")
            }
            return Int(d)
        }

        func string() throws(SFError) -> String {
            guard case .string(let s) = value else { throw fail("must be a string, found \(value.typeName)") }
            return s
        }

        func bool() throws(SFError) -> Bool {
            guard case .bool(let b) = value else { throw fail("must be true or false, found \(value.typeName)") }
            return b
        }

        var isNull: Bool {
            if case .null = value { return true }
            return false
        }

        func array() throws(SFError) -> [Node] {
            switch value {
            case .array(let items): return items.enumerated().map { Node(value: $1, path: "\(path)[\($0)]") }
            case let .numbers(items, integers):
                return items.enumerated().map { Node(value: .number($1, isInteger: integers), path: "\(path)[\($0)]") }
            default: throw fail("must be an array, found \(value.typeName)")
            }
        }

        /// The number of elements of an array (without making its nodes).
        func arrayCount() throws(SFError) -> Int {
            switch value {
            case .array(let items): return items.count
            case .numbers(let items, _): return items.count
            default: throw fail("must be an array, found \(value.typeName)")
            }
        }

        func numbers(count: Int? = nil, minCount: Int = 1) throws(SFError) -> [Double] {
            let out: [Double]
            switch value {
            case .numbers(let items, _):
                out = items
            case .array(let items):
                if let count, items.count != count {
                    throw fail("must have \(count) values (one per feature or support vector), found \(items.count)")
                }
                guard items.count >= minCount else { throw fail("must have at least \(minCount) values, found \(items.count)") }
                var o = [Double]()
                try o.checkedReserve(items.count, path)
                for (i, v) in items.enumerated() {
                    guard case .number(let d, _) = v else { throw fail("[\(i)] must be a number, found \(v.typeName)") }
                    o.append(d)
                }
                return o
            default:
                throw fail("must be an array of numbers, found \(value.typeName)")
            }
            if let count, out.count != count {
                throw fail("must have \(count) values (one per feature or support vector), found \(out.count)")
            }
            guard out.count >= minCount else { throw fail("must have at least \(minCount) values, found \(out.count)") }
            return out
        }
    }

    static func required(_ m: [String: Node], _ key: String, in parent: String) throws(SFError) -> Node {
        guard let n = m[key] else {
            throw SFError(.modelInvalid, "\(parent.isEmpty ? "model" : parent): missing member \"\(key)\"")
        }
        return n
    }

    static func read(_ root: JSONValue, metadataJSON: String?) throws(SFError) -> Model {
        let top = Node(value: root, path: "")
        guard case .object = root else { throw SFError(.modelInvalid, "model file must be a JSON object, found \(root.typeName)") }
        // Check the format before anything else, so that a newer file gets a
        // version error rather than complaints about members we do not know.
        let raw = try top.object()
        let format = try required(raw, "format", in: "").string()
        guard format == Model.formatName else {
            throw SFError(.modelInvalid, "format: \"\(format)\" is not \"\(Model.formatName)\"")
        }
        let versionNode = try required(raw, "format_version", in: "")
        let version = try versionNode.integer(1...Int(Int32.max))
        guard version <= Model.formatVersion else {
            throw SFError(.modelVersion, "format_version \(version) is newer than this library reads (\(Model.formatVersion)); upgrade libspectralfake")
        }
        var members: Set<String> = ["format", "format_version", "features", "classes", "fake_class", "scaler",
                                    "classifier", "metadata"]
        if version >= 2 { members.insert("verdict") }
        let m = try top.object(allowed: members)
        let (settings, nFeatures) = try readFeatures(try required(m, "features", in: ""))

        let classNodes = try required(m, "classes", in: "").array()
        guard classNodes.count == 2 else {
            throw SFError(.modelInvalid, "classes: a binary classifier has 2 classes, found \(classNodes.count)")
        }
        var classes: [ClassLabel] = []
        for c in classNodes {
            switch c.value {
            case let .number(d, isInteger):
                if isInteger, let i = Int64(exactly: d) { classes.append(.integer(i)) } else { classes.append(.float(d)) }
            case .string(let s): classes.append(.string(s))
            case .bool(let b): classes.append(.bool(b))
            default: throw c.fail("class labels must be numbers, strings or booleans, found \(c.value.typeName)")
            }
        }
        let labels = classes.map(\.text)
        guard classNodes[0].value != classNodes[1].value, labels[0] != labels[1] else {
            throw SFError(.modelInvalid, "classes: the two labels are equal (or read the same as text: \"\(labels[0])\")")
        }
        let fakeClass = try required(m, "fake_class", in: "").integer(0...1)

        var scaler: Scaler? = nil
        if let s = m["scaler"], !s.isNull { scaler = try readScaler(s, nFeatures) }

        let (decision, probability, rule, name) = try readClassifier(try required(m, "classifier", in: ""), nFeatures)
        var model = Model(settings: settings, featureCount: nFeatures, scaler: scaler, decision: decision,
                          probability: probability, predictRule: rule, classes: classes, fakeClass: fakeClass,
                          classifierName: name, metadataJSON: metadataJSON)
        if let v = m["verdict"], !v.isNull { model.verdictPolicy = try readVerdict(v, nFeatures) }
        return model
    }

    /// "verdict.ood": {"type": "mahalanobis" | "nearest-source", "mean":
    /// [features], "projection": [[features] x k], "sources" (nearest-source:
    /// [{"name", "mean": [k], "variance": [k]}]), "threshold"}.
    static func readOOD(_ v: Node, _ nf: Int) throws(SFError) -> OODTest {
        let t = try v.object(allowed: ["type", "mean", "projection", "sources", "threshold"])
        let type = try required(t, "type", in: v.path).string()
        let mean = try required(t, "mean", in: v.path).numbers(count: nf)
        let pn = try required(t, "projection", in: v.path)
        let rows = try pn.array()
        guard !rows.isEmpty else { throw pn.fail("must hold at least one row") }
        var proj = [Double]()
        try proj.checkedReserve(rows.count * nf, "the model's projection")
        for r in rows { proj.append(contentsOf: try r.numbers(count: nf)) }
        let th = try required(t, "threshold", in: v.path)
        let thv = try th.number()
        guard thv > 0 else { throw th.fail("must be > 0, found \(thv)") }
        switch type {
        case "mahalanobis":
            if t["sources"] != nil { throw v.fail("a mahalanobis test has no \"sources\"") }
            return OODTest(kind: .mahalanobis, mean: mean, projection: proj, rows: rows.count, threshold: thv)
        case "nearest-source":
            let sn = try required(t, "sources", in: v.path)
            let items = try sn.array()
            guard !items.isEmpty else { throw sn.fail("must name at least one source") }
            var sources: [OODTest.Source] = []
            for item in items {
                let o = try item.object(allowed: ["name", "mean", "variance"])
                let name = try required(o, "name", in: item.path).string()
                let m = try required(o, "mean", in: item.path).numbers(count: rows.count)
                let vn = try required(o, "variance", in: item.path)
                let var_ = try vn.numbers(count: rows.count)
                if let i = var_.firstIndex(where: { !($0 > 0) }) { throw vn.fail("[\(i)] must be > 0, found \(var_[i])") }
                sources.append(.init(name: name, mean: m, variance: var_))
            }
            return OODTest(kind: .nearestSource(sources: sources), mean: mean, projection: proj, rows: rows.count,
                           threshold: thv)
        default:
            throw SFError(.modelInvalid, "\(v.path).type: unknown out-of-distribution test \"\(type)\" (known: mahalanobis, nearest-source)")
        }
    }

    /// The "verdict" member (format 2): threshold, uncertain band, scope and
    /// the out-of-distribution test.
    static func readVerdict(_ node: Node, _ nf: Int) throws(SFError) -> VerdictPolicy {
        let o = try node.object(allowed: ["threshold", "uncertain", "min_side", "min_jpeg_quality", "max_aspect",
                                          "upscale_threshold", "ood"])
        var p = VerdictPolicy()
        func probability(_ n: Node) throws(SFError) -> Double {
            let v = try n.number()
            guard v >= 0 && v <= 1 else { throw n.fail("must be a probability (0 ... 1), found \(v)") }
            return v
        }
        if let t = o["threshold"] { p.threshold = try probability(t) }
        if let u = o["uncertain"], !u.isNull {
            let band = try u.array()
            guard band.count == 2 else { throw u.fail("must be [low, high], found \(band.count) values") }
            let lo = try probability(band[0]), hi = try probability(band[1])
            guard lo <= hi else { throw u.fail("low \(lo) is above high \(hi)") }
            p.uncertain = lo...hi
        }
        if let v = o["min_side"], !v.isNull { p.minSide = try v.integer(1...Int(Int32.max)) }
        if let v = o["min_jpeg_quality"], !v.isNull { p.minJPEGQuality = try v.integer(1...100) }
        if let v = o["max_aspect"] {
            let a = try v.number()
            guard a >= 1 else { throw v.fail("must be at least 1, found \(a)") }
            p.maxAspect = a
        }
        if let v = o["upscale_threshold"], !v.isNull { p.upscaleThreshold = try v.number() }
        if let v = o["ood"], !v.isNull { p.ood = try readOOD(v, nf) }
        return p
    }

    static func readFeatures(_ node: Node) throws(SFError) -> (FeatureSettings, Int) {
        let f = try node.object(allowed: ["preset", "n", "epsilon", "center", "normalize", "crop", "interpolate",
                                          "n_features"])
        func pick<T: ABIEnum>(_ key: String, _ type: T.Type) throws(SFError) -> T {
            let n = try required(f, key, in: node.path)
            let s = try n.string()
            guard let v = T.named(s) else { throw n.fail("unknown value \"\(s)\"") }
            return v
        }
        var s = FeatureSettings(preset: try pick("preset", FeatureSettings.Preset.self))
        s.interpolate = try required(f, "interpolate", in: node.path).bool()
        s.n = try required(f, "n", in: node.path).integer(0...FeatureSettings.maxN)
        s.epsilon = try required(f, "epsilon", in: node.path).number()
        s.center = try pick("center", RadialCenter.self)
        s.normalize = try pick("normalize", FeatureSettings.Normalize.self)
        s.crop = try pick("crop", FeatureSettings.Crop.self)
        do { try s.validate() } catch let e { throw node.fail(e.message) }
        let nf = try required(f, "n_features", in: node.path).integer(1...FeatureSettings.maxN)
        if let fixed = s.fixedFeatureCount, fixed != nf {
            throw SFError(.modelInvalid, "\(node.path).n_features: is \(nf) but the settings produce \(fixed) features (n)")
        }
        return (s, nf)
    }

    static func readScaler(_ node: Node, _ nf: Int) throws(SFError) -> Scaler {
        let o = try node.object()
        let type = try required(o, "type", in: node.path).string()
        switch type {
        case "standard":
            _ = try node.object(allowed: ["type", "mean", "scale"])
            let mean = try o["mean"].flatMap { (n) throws(SFError) -> [Double]? in n.isNull ? nil : try n.numbers(count: nf) }
            let scale = try o["scale"].flatMap { (n) throws(SFError) -> [Double]? in n.isNull ? nil : try n.numbers(count: nf) }
            if let scale, let i = scale.firstIndex(of: 0) {
                throw SFError(.modelInvalid, "\(node.path).scale[\(i)]: is 0 (sklearn stores 1 for constant features)")
            }
            return .standard(mean: mean, scale: scale)
        case "minmax":
            _ = try node.object(allowed: ["type", "scale", "min", "clip", "feature_range"])
            let scale = try required(o, "scale", in: node.path).numbers(count: nf)
            let min = try required(o, "min", in: node.path).numbers(count: nf)
            // feature_range is checked whenever it is present (sklearn always
            // has one) and required when clipping, the only use of it.
            var range: (Double, Double)? = nil
            if let rn = o["feature_range"] {
                let r = try rn.numbers(count: 2)
                guard r[0] < r[1] else { throw rn.fail("must be increasing, found [\(r[0]), \(r[1])]") }
                range = (r[0], r[1])
            }
            var clip: (Double, Double)? = nil
            if try o["clip"]?.bool() ?? false {
                guard let range else { throw SFError(.modelInvalid, "\(node.path): missing member \"feature_range\" (required when clip is true)") }
                clip = range
            }
            return .minMax(scale: scale, min: min, clip: clip)
        default:
            throw SFError(.modelInvalid, "\(node.path).type: unknown scaler \"\(type)\" (known: standard, minmax)")
        }
    }

    static func readClassifier(_ node: Node, _ nf: Int) throws(SFError)
        -> (DecisionFunction, ProbabilityModel, PredictRule, String) {
        let o = try node.object()
        let type = try required(o, "type", in: node.path).string()
        switch type {
        case "svc", "linear":
            let (d, p, rule, name) = try readBase(node, nf, allowProbability: true)
            return (d, p, rule, name)
        case "calibrated":
            _ = try node.object(allowed: ["type", "method", "base", "a", "b", "x", "y", "beta"])
            let (d, _, _, baseName) = try readBase(try required(o, "base", in: node.path), nf, allowProbability: false)
            let method = try required(o, "method", in: node.path).string()
            let p: ProbabilityModel
            switch method {
            case "sigmoid":
                _ = try node.object(allowed: ["type", "method", "base", "a", "b"])
                p = .sigmoidCalibration(a: try required(o, "a", in: node.path).number(),
                                        b: try required(o, "b", in: node.path).number())
            case "isotonic":
                _ = try node.object(allowed: ["type", "method", "base", "x", "y"])
                let xn = try required(o, "x", in: node.path)
                let x = try xn.numbers()
                let y = try required(o, "y", in: node.path).numbers(count: x.count)
                for i in 1..<max(1, x.count) where !(x[i] > x[i - 1]) {
                    throw SFError(.modelInvalid, "\(xn.path)[\(i)]: thresholds must be strictly increasing (\(x[i - 1]) then \(x[i]))")
                }
                if let i = y.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
                    throw SFError(.modelInvalid, "\(node.path).y[\(i)]: \(y[i]) is not a probability")
                }
                p = .isotonicCalibration(x: x, y: y)
            case "temperature":
                _ = try node.object(allowed: ["type", "method", "base", "beta"])
                p = .temperatureCalibration(beta: try required(o, "beta", in: node.path).number())
            default:
                throw SFError(.modelInvalid, "\(node.path).method: unknown calibration \"\(method)\" (known: sigmoid, isotonic, temperature)")
            }
            return (d, p, .argmaxProbability, "calibrated-\(method)(\(baseName))")
        default:
            throw SFError(.modelInvalid, "\(node.path).type: unknown classifier \"\(type)\" (known: svc, linear, calibrated)")
        }
    }

    static func readBase(_ node: Node, _ nf: Int, allowProbability: Bool) throws(SFError)
        -> (DecisionFunction, ProbabilityModel, PredictRule, String) {
        let o = try node.object()
        let type = try required(o, "type", in: node.path).string()
        switch type {
        case "svc":
            _ = try node.object(allowed: ["type", "kernel", "gamma", "coef0", "degree", "support_vectors",
                                          "dual_coef", "intercept", "probability"])
            let kname = try required(o, "kernel", in: node.path).string()
            func gamma() throws(SFError) -> Double {
                let g = try required(o, "gamma", in: node.path)
                let v = try g.number()
                guard v > 0 else { throw g.fail("must be > 0 (sklearn's resolved _gamma), found \(v)") }
                return v
            }
            // gamma, coef0 and degree are checked whenever present (sklearn
            // keeps all three for every kernel), used only by the kernels
            // that need them.
            if o["gamma"] != nil { _ = try gamma() }
            if let c = o["coef0"] { _ = try c.number() }
            if let dg = o["degree"] { _ = try dg.integer(0...1000) }
            let kernel: Kernel
            switch kname {
            case "linear": kernel = .linear
            case "rbf": kernel = .rbf(gamma: try gamma())
            case "poly":
                kernel = .poly(gamma: try gamma(), coef0: try required(o, "coef0", in: node.path).number(),
                               degree: try required(o, "degree", in: node.path).integer(0...1000))
            case "sigmoid":
                kernel = .sigmoid(gamma: try gamma(), coef0: try required(o, "coef0", in: node.path).number())
            default:
                throw SFError(.modelInvalid, "\(node.path).kernel: unknown kernel \"\(kname)\" (known: linear, rbf, poly, sigmoid)")
            }
            let svNode = try required(o, "support_vectors", in: node.path)
            let rows = try svNode.array()
            guard !rows.isEmpty else { throw svNode.fail("must hold at least one support vector") }
            var sv = [Double]()
            let (total, overflow) = rows.count.multipliedReportingOverflow(by: nf)
            guard !overflow else { throw svNode.fail("too large") }
            try ensureAllocatable(total * 8, "\(rows.count) support vectors")
            try sv.checkedReserve(total, "the support vectors")
            for r in rows { sv.append(contentsOf: try r.numbers(count: nf)) }
            let alpha = try required(o, "dual_coef", in: node.path).numbers(count: rows.count)
            let b = try required(o, "intercept", in: node.path).number()
            var prob = ProbabilityModel.none
            if let pn = o["probability"], !pn.isNull {
                guard allowProbability else {
                    throw pn.fail("a calibrated model's base must not carry its own probability model")
                }
                let po = try pn.object(allowed: ["a", "b"])
                prob = .platt(a: try required(po, "a", in: pn.path).number(), b: try required(po, "b", in: pn.path).number())
            }
            return (.svc(kernel: kernel, supportVectors: sv, dualCoef: alpha, intercept: b), prob, .svc, "svc(\(kname))")
        case "linear":
            _ = try node.object(allowed: ["type", "estimator", "coef", "intercept", "probability"])
            let est = try required(o, "estimator", in: node.path).string()
            let names = ["LogisticRegression": "logistic-regression", "LinearSVC": "linear-svc", "SGDClassifier": "sgd"]
            guard let short = names[est] else {
                throw SFError(.modelInvalid, "\(node.path).estimator: unknown linear estimator \"\(est)\" (known: \(names.keys.sorted().joined(separator: ", ")))")
            }
            let coef = try required(o, "coef", in: node.path).numbers(count: nf)
            let b = try required(o, "intercept", in: node.path).number()
            var prob = ProbabilityModel.none
            if let pn = o["probability"], !pn.isNull {
                let kind = try pn.string()
                guard allowProbability else {
                    throw pn.fail("a calibrated model's base must not carry its own probability model")
                }
                switch kind {
                case "logistic": prob = .logistic
                case "modified_huber": prob = .modifiedHuber
                default: throw pn.fail("unknown probability model \"\(kind)\" (known: logistic, modified_huber)")
                }
            }
            return (.linear(coef: coef, intercept: b), prob, .linear, short)
        default:
            throw SFError(.modelInvalid, "\(node.path).type: unknown \(allowProbability ? "classifier" : "base estimator") \"\(type)\" (known: svc, linear)")
        }
    }
}
