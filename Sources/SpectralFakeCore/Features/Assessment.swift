/// Everything the library says about one image scored with a model: the
/// score, the verdict, the notes on the model's scope, and what the file
/// said about itself (format, quality...: reported, never fed to the
/// classifier).
public struct Assessment: Sendable {
    public var score: Model.Score
    public var verdict: Verdict
    public var notes: [ScopeNote]
    /// One readable sentence per note, in the same order.
    public var noteTexts: [String]
    /// The out-of-distribution distance and its threshold, when the model has the test.
    public var oodDistance: Double?
    public var info: DecodeInfo
    public var width: Int
    public var height: Int
}

extension Model {
    /// The verdict of scored features under `policy` (the model's own when
    /// nil): the out-of-distribution test adds its note, and any note that
    /// makes a verdict uncertain does so. `notes` are the image's notes
    /// found so far (none when only features are scored).
    public func judge(features: [Double], score: Score, notes: [(ScopeNote, String)] = [],
                      policy: VerdictPolicy? = nil) -> (verdict: Verdict, notes: [(ScopeNote, String)], ood: Double?) {
        let policy = policy ?? verdictPolicy
        var notes = notes
        var ood: Double? = nil
        if let test = policy.ood {
            let d = test.distance(scaled(features))
            ood = d
            if d > test.threshold {
                notes.append((.unlikeTraining, "unlike the training data (distance \(Pipeline.short(d)) > \(Pipeline.short(test.threshold)))"))
            }
        }
        var verdict = policy.verdict(for: score)
        if notes.contains(where: { $0.0.makesUncertain }) { verdict = .uncertain }
        return (verdict, notes, ood)
    }
}

extension Pipeline {
    /// Scores a source with `model` and turns the score into a verdict with
    /// the model's policy (or `policy` when given): notes that make a
    /// verdict uncertain (smaller than training, upscaled, recompressed,
    /// unlike the training data) do so.
    public func assess(_ source: ImageSource, with model: Model, policy: VerdictPolicy? = nil) throws(SFError) -> Assessment {
        let p = Pipeline(model: model, limits: limits)
        let policy = policy ?? model.verdictPolicy
        let deadline = Deadline(milliseconds: limits.maxMilliseconds)
        return try prefixingPath(source) { () throws(SFError) in
            let (image, info) = try p.unprefixedImage(source, deadline: deadline)
            let features = try p.modelFeatures(of: image, for: model, deadline: deadline)
            let score = try model.score(features: features)
            var notes: [(ScopeNote, String)] = []
            let w = image.width, h = image.height
            if let minSide = policy.minSide, min(w, h) < minSide {
                notes.append((.small, "\(w)x\(h) is smaller than the \(minSide)-pixel side the model was trained on"))
            }
            if policy.upscaleThreshold != nil { try deadline.check("the upscale test") }
            if let t = policy.upscaleThreshold, let u = UpscaleTest.score(image), u > t {
                notes.append((.upscaled, "looks enlarged from a smaller image (upscale score \(Self.short(u)) > \(Self.short(t)))"))
            }
            if let q = info.jpegQuality, let minQ = policy.minJPEGQuality, q < minQ {
                notes.append((.recompressed, "JPEG quality about \(q), below the lowest in training (\(minQ))"))
            }
            if info.isGrayscale {
                notes.append((.grayscale, "a grayscale file (the model was trained on colour photos)"))
            }
            let aspect = Double(max(w, h)) / Double(max(1, min(w, h)))
            if aspect > policy.maxAspect {  // 1.5 by default: 2 * max > 3 * min
                notes.append((.nonSquare, "aspect \(Self.short(aspect)):1; only the centred square is analysed"))
            }
            let judged = model.judge(features: features, score: score, notes: notes, policy: policy)
            return Assessment(score: score, verdict: judged.verdict, notes: judged.notes.map(\.0),
                              noteTexts: judged.notes.map(\.1), oodDistance: judged.ood, info: info, width: w, height: h)
        }
    }

    static func short(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
