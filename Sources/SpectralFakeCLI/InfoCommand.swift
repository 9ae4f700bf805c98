import ArgumentParser
import SpectralFakeCore

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model file: features, classifier, classes, training, calibration, verdict policy.",
        discussion: """
        Without a file, describes the built-in model. Works the same for models exported from scikit-learn and models made by `spectralfake train`.

        Examples:
          spectralfake info model.json
          spectralfake info --json
        """)

    @Argument(help: ArgumentHelp("A model file (default: the built-in model).", valueName: "model"))
    var model: String?
    @Flag(help: "Print the description as JSON.") var json = false

    func run() throws {
        let loaded = try loadModel(model)
        let m = loaded.model
        let s = m.settings
        var feature: [(String, JSONValue)] = [("preset", .string(s.preset.name)), ("n_features", jsonInt(m.featureCount))]
        let d = FeatureSettings(preset: s.preset)
        var overrides: [(String, JSONValue)] = []
        if s.interpolate != d.interpolate { overrides.append(("interpolate", .bool(s.interpolate))) }
        if s.interpolate && s.n != d.n { overrides.append(("n", jsonInt(s.n))) }
        if s.epsilon != d.epsilon { overrides.append(("epsilon", .number(s.epsilon))) }
        if s.center != d.center { overrides.append(("center", .string(s.center.name))) }
        if s.normalize != d.normalize { overrides.append(("normalize", .string(s.normalize.name))) }
        if s.crop != d.crop { overrides.append(("crop", .string(s.crop.name))) }
        feature.append(("overrides", .object(overrides)))
        let calibration: String
        switch m.probability {
        case .none: calibration = "none (no probabilities)"
        case .logistic: calibration = "logistic (the model's own)"
        case .modifiedHuber: calibration = "modified Huber (the model's own)"
        case .platt: calibration = "Platt (libsvm, SVC probability=True)"
        case .sigmoidCalibration: calibration = "sigmoid (CalibratedClassifierCV)"
        case .isotonicCalibration(let x, _): calibration = "isotonic, \(x.count) thresholds (CalibratedClassifierCV)"
        case .temperatureCalibration: calibration = "temperature (CalibratedClassifierCV)"
        }
        let p = m.verdictPolicy
        var policy: [(String, JSONValue)] = [("threshold", .number(p.threshold)),
                                             ("uncertain", p.uncertain.map { .array([.number($0.lowerBound), .number($0.upperBound)]) } ?? .null)]
        if let v = p.minSide { policy.append(("min_side", jsonInt(v))) }
        if let v = p.minJPEGQuality { policy.append(("min_jpeg_quality", jsonInt(v))) }
        if let t = p.ood { policy.append(("ood", .object([("dimensions", jsonInt(t.rows)), ("threshold", .number(t.threshold))]))) }
        let doc: JSONValue = .object([
            ("model", loaded.json), ("file", loaded.path.map { .string($0) } ?? .string("(built in)")),
            ("features", .object(feature)), ("classifier", .string(m.classifierName)),
            ("classes", .array(m.classes.map { .string($0.text) })), ("fake_class", .string(m.classLabels[m.fakeClass])),
            ("probabilities", .string(calibration)), ("verdict", .object(policy)),
            ("metadata", m.metadata ?? .null),
        ])
        if json {
            Output.line(doc.jsonText)
            return
        }
        Output.line("model        \(loaded.name)\(loaded.version.map { " " + $0 } ?? "")  (\(loaded.path ?? "built in"))")
        Output.line("features     preset \(s.preset.name), \(m.featureCount) values" +
                    (overrides.isEmpty ? "" : "; overrides: " + overrides.map { "\($0.0)=\($0.1.jsonText)" }.joined(separator: ", ")))
        Output.line("classifier   \(m.classifierName)")
        Output.line("classes      \(m.classLabels.joined(separator: ", ")) (fake = \(m.classLabels[m.fakeClass]))")
        Output.line("calibration  \(calibration)")
        Output.line("verdict      fake at P(fake) >= \(p.threshold)" +
                    (p.uncertain.map { "; uncertain for P(fake) in [\($0.lowerBound), \($0.upperBound)]" } ?? "") +
                    (p.minSide.map { "; scope: side >= \($0)" } ?? "") + (p.minJPEGQuality.map { ", JPEG quality >= \($0)" } ?? "") +
                    (p.ood.map { "; out-of-distribution test on \($0.rows) dimensions (threshold \($0.threshold))" } ?? ""))
        if case .object(let meta)? = m.metadata {
            for (k, v) in meta {
                let text: String
                if case .string(let s) = v { text = s } else { text = v.jsonText }
                Output.line(pad(k, 13) + (text.count > 300 ? String(text.prefix(300)) + "..." : text))
            }
        }
    }
}
