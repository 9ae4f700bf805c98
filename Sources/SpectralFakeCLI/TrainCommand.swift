import ArgumentParser
import SpectralFakeCore
import SpectralFakeTrain

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model natively (libsvm / liblinear) and write it in the library's model format.",
        discussion: """
        Features come from the library's batch path with the preset and overrides given. The classifiers are scikit-learn's, run by the same solvers: svm-linear = LinearSVC, svm-rbf = SVC(kernel="rbf"), logreg = LogisticRegression(solver="liblinear"), each after a StandardScaler unless --no-standardize. --grid picks C (and gamma, as 0.1/1/10 times 'scale') by stratified --cv-fold cross-validation; --calibrate fits probabilities on out-of-fold decision values (CalibratedClassifierCV(ensemble=False)). The file reads like an sklearn export: `spectralfake info` and `score` treat both alike.

        Examples:
          spectralfake train --real real/ --fake fake/ -o model.json
          spectralfake train --real real/ --fake fake/ --classifier svm-rbf --grid --cv 5 -o rbf.json
          spectralfake train --real a/ --real b/ --fake c/ --preset combo128 --calibrate isotonic -o m.json
        """)

    @Option(help: ArgumentHelp("A folder of real faces (repeatable).", valueName: "dir")) var real: [String] = []
    @Option(help: ArgumentHelp("A folder of generated faces (repeatable).", valueName: "dir")) var fake: [String] = []
    @OptionGroup var feature: FeatureOptions
    @OptionGroup var runOptions: RunOptions
    @Option(help: ArgumentHelp("svm-linear, svm-rbf or logreg.", valueName: "name")) var classifier = "svm-linear"
    @Option(name: .customLong("C"), help: ArgumentHelp("Regularisation C (default 1).", valueName: "C")) var c: Double?
    @Option(help: ArgumentHelp("RBF gamma: scale, auto or a number (default scale).", valueName: "gamma"))
    var gamma: String?
    @Option(help: ArgumentHelp("Stopping tolerance (default: sklearn's, 1e-3 for svm-rbf, 1e-4 otherwise).",
                               valueName: "tol"))
    var tol: Double?
    @Flag(help: "class_weight='balanced'.") var balanced = false
    @Flag(help: "No StandardScaler before the classifier.") var noStandardize = false
    @Option(help: ArgumentHelp("Folds for cross-validation (default 5).", valueName: "K")) var cv = 5
    @Flag(help: "Grid search of C (and gamma) by cross-validation.") var grid = false
    @Option(help: ArgumentHelp("sigmoid, isotonic or none (default sigmoid).", valueName: "method"))
    var calibrate = "sigmoid"
    @Option(name: .shortAndLong, help: ArgumentHelp("The model file to write.", valueName: "model.json"))
    var output: String

    func validate() throws {
        if real.isEmpty || fake.isEmpty { throw ValidationError("give at least one --real and one --fake folder") }
        guard ClassifierKind(rawValue: classifier) != nil else {
            throw ValidationError("--classifier takes svm-linear, svm-rbf or logreg, not '\(classifier)'")
        }
        guard CalibrationMethod(rawValue: calibrate) != nil else {
            throw ValidationError("--calibrate takes sigmoid, isotonic or none, not '\(calibrate)'")
        }
        if cv < 2 { throw ValidationError("--cv must be at least 2") }
        if let c, !(c > 0) { throw ValidationError("--C must be > 0") }
        if let tol, !(tol > 0) { throw ValidationError("--tol must be > 0") }
        _ = try parsedGamma()
    }

    func parsedGamma() throws -> Gamma {
        switch gamma {
        case nil, "scale": return .scale
        case "auto": return .auto
        case let g?:
            guard let v = Double(g), v > 0 else { throw ValidationError("--gamma takes scale, auto or a number > 0, not '\(g)'") }
            return .value(v)
        }
    }

    func run() throws {
        let settings = try feature.settings()
        guard settings.fixedFeatureCount != nil else {
            throw ValidationError("preset \(settings.preset.name) without interpolation gives a feature count that depends on the image size; train with a preset that interpolates")
        }
        let set = try withUsage { () throws(SFError) in try LabelledSet(real: real, fake: fake) }
        for s in set.skipped { Output.error(s) }
        let pipeline = Pipeline(settings: settings, limits: runOptions.limits)
        let (rows, failed) = computeFeatures(set.paths, pipeline: pipeline, threads: runOptions.threadCount)
        let good = set.paths.indices.filter { rows[$0] != nil }
        let X = Matrix(good.map { rows[$0]! })
        let y = good.map { set.labels[$0] }
        var params = ClassifierParameters(kind: ClassifierKind(rawValue: classifier)!)
        if let c { params.C = c }
        params.gamma = try parsedGamma()
        params.tol = tol
        params.balanced = balanced
        params.standardize = !noStandardize
        var options = TrainingOptions(parameters: params)
        options.folds = cv
        options.grid = grid
        options.calibration = CalibrationMethod(rawValue: calibrate)!
        let result: TrainingResult
        do { result = try Trainer.train(X, y, options) } catch let e {
            Output.error(e.message)
            throw ExitCode(1)
        }
        let n0 = y.filter { $0 == 0 }.count, n1 = y.count - n0
        var folders: [(String, JSONValue)] = []
        var seen: [String: (Int, Int)] = [:]
        var order: [String] = []
        for i in good {
            let f = set.folders[i]
            if seen[f] == nil { order.append(f) }
            var v = seen[f] ?? (0, set.labels[i])
            v.0 += 1
            seen[f] = v
        }
        for f in order {
            folders.append((f, .object([("label", .string(seen[f]!.1 == 1 ? "fake" : "real")), ("images", jsonInt(seen[f]!.0))])))
        }
        var training: [(String, JSONValue)] = [
            ("real", jsonInt(n0)), ("fake", jsonInt(n1)), ("folders", .object(folders)),
            ("cv_folds", jsonInt(cv)), ("cv_accuracy", .number(result.cvAccuracy)),
            ("C", .number(result.fit.parameters.C)),
        ]
        if let g = result.fit.gamma { training.append(("gamma", .number(g))) }
        if let nsv = result.fit.supportVectorCount { training.append(("support_vectors", jsonInt(nsv))) }
        if grid {
            training.append(("grid", .array(result.grid.map { g in
                .object([("C", .number(g.C)), ("gamma", g.gamma.map { .number($0) } ?? .null), ("cv_accuracy", .number(g.accuracy))])
            })))
        }
        training.append(("calibration", .string(calibrate)))
        let metadata: [(String, JSONValue)] = [
            ("trained_by", .string("spectralfake \(libraryVersion) train")),
            ("trained_at", .string(ModelDocument.utcTimestamp())),
            ("estimator", .string(calibrate == "none" ? result.fit.parameters.sklearnDescription
                                  : "CalibratedClassifierCV(\(result.fit.parameters.sklearnDescription), method='\(calibrate)', cv=\(cv), ensemble=False)")),
            ("training", .object(training)),
        ]
        let doc = ModelDocument.make(settings: settings, fit: result.fit, calibration: result.calibration, metadata: metadata)
        let text = doc.jsonText + "\n"
        do {
            _ = try Model.parse(Array(text.utf8))   // the file must load before it is written
            try Output.write(text, to: output)
        } catch let e {
            Output.error(e.message)
            throw ExitCode(1)
        }
        Output.line("trained \(classifier) on \(n0) real + \(n1) fake images (preset \(settings.preset.name), \(X.cols) features): \(cv)-fold CV accuracy \(String(fixed3: result.cvAccuracy)); wrote \(output)")
        if !failed.isEmpty { throw ExitCode(1) }
    }
}

/// Runs body; an SFError becomes a usage error (exit 2) with its message.
func withUsage<T>(_ body: () throws(SFError) -> T) throws -> T {
    do { return try body() } catch let e {
        Output.error(e.message)
        throw ExitCode(2)
    }
}
