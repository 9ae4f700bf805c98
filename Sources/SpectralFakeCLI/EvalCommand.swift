import ArgumentParser
import SpectralFakeCore
import SpectralFakeTrain

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model on folders of real and fake faces.",
        discussion: """
        Accuracy, balanced accuracy and the confusion matrix use the thresholded prediction for every image (P(fake) >= threshold, or the label of a model without probabilities); ROC AUC and average precision use P(fake) (or the decision value). The uncertain rate is the share of images whose verdict is uncertain (probability band, or a note such as "unlike the training data"); "accuracy outside" is the accuracy of the other verdicts. The calibration table has 10 equal bins of P(fake), with the expected calibration error.

        Examples:
          spectralfake eval --real real/ --fake fake/
          spectralfake eval --model mine.json --real a/ --real b/ --fake c/ --json
        """)

    @OptionGroup var modelOption: ModelOption
    @Option(help: ArgumentHelp("A folder of real faces (repeatable).", valueName: "dir")) var real: [String] = []
    @Option(help: ArgumentHelp("A folder of generated faces (repeatable).", valueName: "dir")) var fake: [String] = []
    @OptionGroup var runOptions: RunOptions
    @Flag(help: "Print the figures as JSON.") var json = false

    func validate() throws {
        if real.isEmpty && fake.isEmpty { throw ValidationError("give --real and/or --fake folders") }
    }

    func run() throws {
        let loaded = try modelOption.load()
        let set = try withUsage { () throws(SFError) in try LabelledSet(real: real, fake: fake) }
        for s in set.skipped { Output.error(s) }
        let pipeline = Pipeline(model: loaded.model, limits: runOptions.limits)
        let model = loaded.model
        let progress = Progress(total: set.paths.count)
        var results = [Assessment?](repeating: nil, count: set.paths.count)
        var failed = 0
        var cursor = 0
        let pool = OrderedPool<Int, Result<Assessment, SFError>>(
            window: 16 * runOptions.threadCount,
            next: { () -> Int? in
                guard cursor < set.paths.count else { return nil }
                defer { cursor += 1 }
                return cursor
            },
            work: { i in
                set.paths[i].withCString { p in Result { () throws(SFError) in try pipeline.assess(.file(p), with: model) } }
            },
            emit: { i, _, r in
                switch r {
                case .success(let a): results[i] = a
                case .failure(let e):
                    progress.finish()
                    Output.error("\(e.message) [\(e.status.name)]")
                    failed += 1
                }
                progress.step()
            })
        pool.run(threads: runOptions.threadCount)
        progress.finish()
        let idx = set.paths.indices.filter { results[$0] != nil }
        guard !idx.isEmpty else {
            Output.error("no image could be scored")
            throw ExitCode(1)
        }
        let report = EvalReport(indices: idx, set: set, results: results, model: model)
        if json {
            Output.line(report.json(model: loaded).jsonText)
        } else {
            report.printTable(model: loaded)
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

/// The figures of one evaluation.
struct EvalReport {
    let overall: BinaryMetrics
    let calibration: CalibrationTable?
    let uncertainRate: Double
    let accuracyOutside: Double?
    let perFolder: [(folder: String, label: Int, count: Int, accuracy: Double, uncertain: Double, meanP: Double?)]

    init(indices idx: [Int], set: LabelledSet, results: [Assessment?], model: Model) {
        let y = idx.map { set.labels[$0] }
        let a = idx.map { results[$0]! }
        let policy = model.verdictPolicy
        let predicted = a.map { r -> Int in
            if let p = r.score.probabilityFake { return p >= policy.threshold ? 1 : 0 }
            return r.score.isFake ? 1 : 0
        }
        let score = a.map { $0.score.probabilityFake ?? $0.score.decision }
        overall = BinaryMetrics(y: y, predicted: predicted, score: score)
        calibration = model.hasProbability ? CalibrationTable(y: y, probability: a.map { $0.score.probabilityFake! }) : nil
        let certain = a.indices.filter { a[$0].verdict != .uncertain }
        uncertainRate = Double(a.count - certain.count) / Double(a.count)
        accuracyOutside = certain.isEmpty ? nil
            : Double(certain.filter { (a[$0].verdict == .fake ? 1 : 0) == y[$0] }.count) / Double(certain.count)
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (k, i) in idx.enumerated() {
            let f = set.folders[i]
            if groups[f] == nil { order.append(f) }
            groups[f, default: []].append(k)
        }
        perFolder = order.map { f in
            let ks = groups[f]!
            let acc = Double(ks.filter { predicted[$0] == y[$0] }.count) / Double(ks.count)
            let unc = Double(ks.filter { a[$0].verdict == .uncertain }.count) / Double(ks.count)
            let ps = ks.compactMap { a[$0].score.probabilityFake }
            return (f, y[ks[0]], ks.count, acc, unc, ps.isEmpty ? nil : ps.reduce(0, +) / Double(ps.count))
        }
    }

    func json(model: LoadedModel) -> JSONValue {
        let c = overall.confusion
        var o: [(String, JSONValue)] = [
            ("model", model.json), ("count", jsonInt(overall.count)),
            ("accuracy", .number(overall.accuracy)), ("balanced_accuracy", .number(overall.balancedAccuracy)),
            ("roc_auc", overall.rocAUC.map { .number($0) } ?? .null),
            ("average_precision", overall.averagePrecision.map { .number($0) } ?? .null),
            ("confusion", .object([("labels", .array([.string("real"), .string("fake")])),
                                   ("matrix", .array(c.map { .array($0.map { jsonInt($0) }) }))])),
            ("uncertain_rate", .number(uncertainRate)),
            ("accuracy_outside_uncertain", accuracyOutside.map { .number($0) } ?? .null),
        ]
        o.append(("per_folder", .array(perFolder.map { f in
            .object([("folder", .string(f.folder)), ("label", .string(f.label == 1 ? "fake" : "real")),
                     ("count", jsonInt(f.count)), ("accuracy", .number(f.accuracy)),
                     ("uncertain_rate", .number(f.uncertain)), ("mean_probability_fake", f.meanP.map { .number($0) } ?? .null)])
        })))
        if let cal = calibration {
            o.append(("calibration", .object([
                ("bins", .array(cal.bins.map { b in
                    .object([("low", .number(b.low)), ("high", .number(b.high)), ("count", jsonInt(b.count)),
                             ("mean_predicted", .number(b.meanPredicted)), ("fraction_fake", .number(b.fractionFake))])
                })),
                ("expected_calibration_error", .number(cal.expectedCalibrationError)),
            ])))
        } else {
            o.append(("calibration", .null))
        }
        return .object(o)
    }

    func printTable(model: LoadedModel) {
        func f(_ v: Double?) -> String { v.map { String(fixed3: $0) } ?? "-" }
        Output.line("model \(model.name)\(model.version.map { " " + $0 } ?? ""): \(overall.count) images")
        Output.line("accuracy           \(f(overall.accuracy))")
        Output.line("balanced accuracy  \(f(overall.balancedAccuracy))")
        Output.line("ROC AUC            \(f(overall.rocAUC))")
        Output.line("average precision  \(f(overall.averagePrecision))")
        Output.line("uncertain          \(f(uncertainRate)) of the images; accuracy outside: \(f(accuracyOutside))")
        let c = overall.confusion
        Output.line("confusion          real -> real \(c[0][0]), real -> fake \(c[0][1]), fake -> real \(c[1][0]), fake -> fake \(c[1][1])")
        Output.line("")
        Output.line(pad("FOLDER", 44) + pad("LABEL", 6) + pad("N", 6) + pad("ACC", 7) + pad("UNCERT", 8) + "MEAN P(FAKE)")
        for r in perFolder {
            Output.line(pad(r.folder, 44) + pad(r.label == 1 ? "fake" : "real", 6) + pad(String(r.count), 6) +
                        pad(f(r.accuracy), 7) + pad(f(r.uncertain), 8) + f(r.meanP))
        }
        if let cal = calibration {
            Output.line("")
            Output.line("calibration (expected calibration error \(f(cal.expectedCalibrationError)))")
            Output.line(pad("P(FAKE) BIN", 14) + pad("N", 7) + pad("MEAN P", 9) + "FRACTION FAKE")
            for b in cal.bins where b.count > 0 {
                Output.line(pad("\(String(format1: b.low))-\(String(format1: b.high))", 14) + pad(String(b.count), 7) +
                            pad(f(b.meanPredicted), 9) + f(b.fractionFake))
            }
        }
    }
}

extension String {
    init(format1 v: Double) { self = String((v * 10).rounded() / 10) }
}
