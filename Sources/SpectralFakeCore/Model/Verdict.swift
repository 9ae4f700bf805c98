/// What the library answers about an image (`sf_verdict`): real, fake, or
/// uncertain when the model cannot back either answer.
public enum Verdict: Int32, ABIEnum {
    case real = 0
    case fake = 1
    case uncertain = 2

    public static let cType = "sf_verdict"
    public var name: String {
        switch self {
        case .real: return "real"
        case .fake: return "fake"
        case .uncertain: return "uncertain"
        }
    }
}

/// Why an input is outside a model's scope (`sf_note`, bit flags). The
/// tests are documented in docs/default-model.md ("Notes"). Notes that make
/// the verdict `uncertain` say so in `makesUncertain`.
public enum ScopeNote: Int32, ABIEnum {
    /// The image's smaller side is below the smallest side the model was
    /// trained on: it would be enlarged before the spectrum.
    case small = 1
    /// The image was enlarged from a smaller one: its top frequencies are
    /// empty or repeated.
    case upscaled = 2
    /// A JPEG compressed harder (lower quality) than anything in training.
    case recompressed = 4
    /// The file holds no colour (the model was trained on colour photos).
    case grayscale = 8
    /// Much wider than tall or the reverse: the model sees only the centred square.
    case nonSquare = 16
    /// The features are far from every training source (out of distribution).
    case unlikeTraining = 32

    public static let cType = "sf_note"
    public var name: String {
        switch self {
        case .small: return "small"
        case .upscaled: return "upscaled"
        case .recompressed: return "recompressed"
        case .grayscale: return "grayscale"
        case .nonSquare: return "non-square"
        case .unlikeTraining: return "unlike-training"
        }
    }

    /// A one-line description (sf_note_summary).
    public var summary: String {
        switch self {
        case .small: return "smaller than the model's training size"
        case .upscaled: return "enlarged from a smaller image"
        case .recompressed: return "JPEG compressed harder than anything in training"
        case .grayscale: return "a grayscale file"
        case .nonSquare: return "very non-square: only the centred square is analysed"
        case .unlikeTraining: return "unlike the training data"
        }
    }

    /// Whether the note turns a verdict into `uncertain`.
    public var makesUncertain: Bool {
        switch self {
        case .small, .upscaled, .recompressed, .unlikeTraining: return true
        case .grayscale, .nonSquare: return false
        }
    }

    /// The notes of a bit mask, in bit order.
    public static func notes(in mask: UInt32) -> [ScopeNote] {
        allCases.filter { mask & UInt32($0.rawValue) != 0 }
    }

    public static func mask(_ notes: [ScopeNote]) -> UInt32 {
        notes.reduce(0) { $0 | UInt32($1.rawValue) }
    }
}

/// An out-of-distribution test on the features after the model's scaler:
/// the features are projected onto `rows` directions, `u = projection * (x
/// - mean)`, and scored; above `threshold` the input is unlike the
/// training data.
public struct OODTest: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The length of u (a Mahalanobis distance when the projection whitens).
        case mahalanobis
        /// The smallest, over the training sources, of the mean of (u_j -
        /// m_sj)^2 / v_sj: the distance to the nearest source's cloud.
        case nearestSource(sources: [Source])
    }

    public struct Source: Sendable, Equatable {
        public var name: String
        public var mean: [Double]
        public var variance: [Double]
        public init(name: String, mean: [Double], variance: [Double]) {
            self.name = name
            self.mean = mean
            self.variance = variance
        }
    }

    public var kind: Kind
    public var mean: [Double]
    /// `rows` x features, row-major.
    public var projection: [Double]
    public var rows: Int
    public var threshold: Double

    public init(kind: Kind, mean: [Double], projection: [Double], rows: Int, threshold: Double) {
        self.kind = kind
        self.mean = mean
        self.projection = projection
        self.rows = rows
        self.threshold = threshold
    }

    public func distance(_ x: [Double]) -> Double {
        let n = mean.count
        var d = [Double](repeating: 0, count: n)
        for k in 0..<n { d[k] = x[k] - mean[k] }
        var u = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            var z = 0.0
            for k in 0..<n { z += projection[r * n + k] * d[k] }
            u[r] = z
        }
        switch kind {
        case .mahalanobis:
            return u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        case .nearestSource(let sources):
            var best = Double.infinity
            for s in sources {
                var t = 0.0
                for j in 0..<rows {
                    let e = u[j] - s.mean[j]
                    t += e * e / s.variance[j]
                }
                best = min(best, t / Double(rows))
            }
            return best
        }
    }

    /// The nearest training source (nearest-source tests only).
    public func nearestSource(_ x: [Double]) -> String? {
        guard case .nearestSource(let sources) = kind else { return nil }
        let n = mean.count
        var u = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            var z = 0.0
            for k in 0..<n { z += projection[r * n + k] * (x[k] - mean[k]) }
            u[r] = z
        }
        var best: (String, Double)? = nil
        for s in sources {
            var t = 0.0
            for j in 0..<rows { let e = u[j] - s.mean[j]; t += e * e / s.variance[j] }
            if best == nil || t < best!.1 { best = (s.name, t) }
        }
        return best?.0
    }
}

/// How a score becomes a verdict: the probability threshold, the band of
/// probabilities where the model is not sure, the training scope, and the
/// out-of-distribution test. Stored in a model file's "verdict" member; a
/// model without one gets the defaults (threshold 0.5, no band, no scope).
public struct VerdictPolicy: Sendable, Equatable {
    /// P(fake) at or above which the verdict is fake (models with
    /// probabilities); models without use their predicted label.
    public var threshold = 0.5
    /// P(fake) inside [lo, hi] gives `uncertain`.
    public var uncertain: ClosedRange<Double>? = nil
    /// Smallest side among the training images (after any crop), if known.
    public var minSide: Int? = nil
    /// Lowest JPEG quality among the training images (after augmentation).
    public var minJPEGQuality: Int? = nil
    /// Largest aspect ratio (long side / short side) accepted without a note.
    public var maxAspect = 1.5
    /// Upscale score above which an image counts as enlarged (UpscaleTest).
    public var upscaleThreshold: Double? = nil
    public var ood: OODTest? = nil

    public init() {}

    /// The verdict of a score, before notes.
    public func verdict(for score: Model.Score) -> Verdict {
        guard let p = score.probabilityFake else { return score.isFake ? .fake : .real }
        if let band = uncertain, band.contains(p) { return .uncertain }
        return p >= threshold ? .fake : .real
    }
}
