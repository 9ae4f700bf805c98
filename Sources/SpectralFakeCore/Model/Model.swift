/// A trained binary classifier together with the feature settings it was
/// trained on, loaded from a model file (docs/model-format.md). Immutable;
/// share it between threads.
public struct Model: Sendable {
    public static let formatName = "spectralfake-model"
    /// The newest format version this library reads (1: the scikit-learn
    /// export; 2: adds the "verdict" member).
    public static let formatVersion = 2

    /// The features the model expects (preset and every override).
    public let settings: FeatureSettings
    public let featureCount: Int
    public let scaler: Scaler?
    public let decision: DecisionFunction
    public let probability: ProbabilityModel
    public let predictRule: PredictRule
    /// The two class labels (sklearn's classes_) as they are in the file.
    public let classes: [ClassLabel]
    /// The class labels as text: numbers in their shortest form ("0", "1",
    /// "0.5"), strings as they are, booleans as "true"/"false".
    public var classLabels: [String] { classes.map(\.text) }
    /// Index (0 or 1) of the class that means "fake".
    public let fakeClass: Int
    /// A short description, e.g. "svc(rbf)", "calibrated-isotonic(linear-svc)".
    public let classifierName: String
    /// The free "metadata" member of the file as its JSON text (as written,
    /// validated), if any; never parsed into memory unless asked for.
    public let metadataJSON: String?

    /// The metadata parsed (nil when absent or unreadable).
    public var metadata: JSONValue? {
        guard let metadataJSON else { return nil }
        return try? JSONParser.parse(Array(metadataJSON.utf8))
    }
    /// How scores become verdicts (the file's "verdict" member, or the defaults).
    public var verdictPolicy = VerdictPolicy()

    public var hasProbability: Bool {
        if case .none = probability { return false }
        return true
    }

    /// The result of scoring one feature vector.
    public struct Score: Sendable, Equatable {
        /// sklearn's decision_function (for CalibratedClassifierCV, which has
        /// none, the decision function of its base estimator).
        public var decision: Double
        /// 0 or 1: index into `classLabels` of the predicted class.
        public var classIndex: Int
        public var isFake: Bool
        /// P(fake), when the model has probabilities.
        public var probabilityFake: Double?
        /// [P(class 0), P(class 1)], when the model has probabilities.
        public var probabilities: (Double, Double)?

        /// The predicted label (`sf_label`).
        public var label: PredictedLabel { isFake ? .fake : .real }

        public static func == (a: Score, b: Score) -> Bool {
            a.decision == b.decision && a.classIndex == b.classIndex && a.isFake == b.isFake
                && a.probabilityFake == b.probabilityFake && a.probabilities?.0 == b.probabilities?.0
                && a.probabilities?.1 == b.probabilities?.1
        }
    }

    /// Scores a feature vector (as the feature pipeline produced it; the
    /// model's scaler is applied here).
    public func score(features: [Double]) throws(SFError) -> Score {
        guard features.count == featureCount else {
            throw SFError(.featureMismatch,
                          "feature vector has \(features.count) values, the model expects \(featureCount) (\(settingsSummary))")
        }
        if let i = features.firstIndex(where: { !$0.isFinite }) {
            throw SFError(.nonFinite, "feature \(i) is \(features[i])")
        }
        var x = features
        scaler?.apply(&x)
        let d = decision.decision(x)
        guard d.isFinite else {
            throw SFError(.nonFinite, "decision value is \(d) (features or model out of range)")
        }
        let p = probability.probabilities(d)
        let cls: Int
        switch predictRule {
        case .svc: cls = d < 0 ? 0 : 1
        case .linear: cls = d > 0 ? 1 : 0
        case .argmaxProbability: cls = (p.map { $0.1 > $0.0 } ?? (d > 0)) ? 1 : 0
        }
        if let p, !(p.0.isFinite && p.1.isFinite) {
            throw SFError(.nonFinite, "probabilities are not finite (\(p.0), \(p.1))")
        }
        let pf = p.map { fakeClass == 1 ? $0.1 : $0.0 }
        return Score(decision: d, classIndex: cls, isFake: cls == fakeClass, probabilityFake: pf, probabilities: p)
    }

    /// The features after the model's scaler (what the classifier sees).
    public func scaled(_ features: [Double]) -> [Double] {
        var x = features
        scaler?.apply(&x)
        return x
    }

    var settingsSummary: String {
        var s = "preset \(settings.preset.name)"
        if settings.interpolate { s += ", n = \(settings.n)" } else { s += ", raw profile" }
        return s
    }
}

/// A class label of a model file: sklearn's labels may be integers, floats,
/// strings or booleans (`sf_value_kind`).
public enum ClassLabel: Sendable, Equatable {
    case integer(Int64)
    case float(Double)
    case string(String)
    case bool(Bool)

    /// The `sf_value_kind` of the label.
    public var kind: ValueKind {
        switch self {
        case .integer: return .integer
        case .float: return .float
        case .string: return .string
        case .bool: return .bool
        }
    }

    /// The label as text (sf_model_class_label): numbers in shortest form
    /// (an integral float without its ".0": 1.0 reads "1"), strings as they
    /// are, booleans as "true"/"false".
    public var text: String {
        switch self {
        case .integer(let i): return String(i)
        case .float(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : d.description
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        }
    }
}

/// What a score says (`sf_label`).
public enum PredictedLabel: Int32, ABIEnum {
    case real = 0
    case fake = 1

    public static let cType = "sf_label"
    public var name: String {
        switch self {
        case .real: return "real"
        case .fake: return "fake"
        }
    }
}

/// The kinds of values a class label can have (`sf_value_kind`).
public enum ValueKind: Int32, ABIEnum {
    case integer = 0
    case float = 1
    case string = 2
    case bool = 3

    public static let cType = "sf_value_kind"
    public var name: String {
        switch self {
        case .integer: return "integer"
        case .float: return "float"
        case .string: return "string"
        case .bool: return "bool"
        }
    }
}

// MARK: - loading

extension Model {
    /// Loads a model file, refusing files over `limits.maxModelBytes`.
    public static func load(path: String, limits: Limits = .default) throws(SFError) -> Model {
        let r: Result<Model, SFError> = path.withCString { p in
            Result { () throws(SFError) in try load(cPath: p, limits: limits) }
        }
        return try r.get()
    }

    public static func load(cPath: UnsafePointer<CChar>, limits: Limits = .default) throws(SFError) -> Model {
        do throws(SFError) {
            let bytes: FileBytes
            do throws(SFError) {
                bytes = try FileReader.read(cPath: cPath, maxBytes: limits.maxModelBytes, what: "max_model_bytes",
                                            limitStatus: .limitModelSize)
            } catch let e {
                // an empty model file is a malformed model, as in load_memory
                if e.status == .emptyInput { throw SFError(.modelInvalid, "empty model file (0 bytes)") }
                throw e
            }
            return try bytes.withBytes { (raw) throws(SFError) in
                try parse(buffer: raw.assumingMemoryBound(to: UInt8.self), limits: limits)
            }
        } catch let e {
            throw e.prefixed(FileReader.displayPath(cPath))
        }
    }

    /// Parses a model file's bytes.
    public static func parse(_ bytes: [UInt8], limits: Limits = .default) throws(SFError) -> Model {
        let r: Result<Model, SFError> = bytes.withUnsafeBufferPointer { b in
            Result { () throws(SFError) in try parse(buffer: b, limits: limits) }
        }
        return try r.get()
    }

    /// Parses a model file held in memory (borrowed for the call). Memory
    /// while loading stays within a small multiple of the size (numbers are
    /// read straight into their arrays; the metadata is kept as text).
    public static func parse(buffer bytes: UnsafeBufferPointer<UInt8>, limits: Limits = .default) throws(SFError) -> Model {
        try limits.checkModelSize(bytes.count)
        guard !bytes.isEmpty else { throw SFError(.modelInvalid, "empty model file (0 bytes)") }
        try ensureAllocatable(bytes.count * 2, "loading a \(bytes.count)-byte model")
        let (root, raw) = try JSONParser.parse(buffer: bytes, raw: ["metadata"])
        var text: String? = nil
        if let r = raw["metadata"] {
            try ensureAllocatable(2 * r.count, "the model's metadata")
            let t = String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self)
            if t != "null" { text = t }
        }
        return try ModelReader.read(root, metadataJSON: text)
    }
}
