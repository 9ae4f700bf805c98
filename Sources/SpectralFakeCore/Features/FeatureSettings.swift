/// Where the azimuthal average is centred in the shifted spectrum (`sf_center`).
public enum RadialCenter: Int32, ABIEnum {
    /// `((W-1)/2, (H-1)/2)`, as the published `radialProfile.azimuthalAverage`
    /// does: half a pixel before the DC term on even sides.
    case reference = 0
    /// The true DC position after fftshift, `(W//2, H//2)`.
    case dc = 1

    public static let cType = "sf_center"
    public var name: String {
        switch self {
        case .reference: return "reference"
        case .dc: return "dc"
        }
    }
}

/// The settings of the feature pipeline. Each published experiment is a
/// preset; every field can be overridden.
public struct FeatureSettings: Sendable, Hashable {
    /// `sf_preset`.
    public enum Preset: Int32, ABIEnum {
        /// CelebA experiment (default): N = 80, divided by the first value.
        case celeba = 0
        /// Faces-HQ experiment: the raw azimuthal profile (722 values at 1024x1024).
        case facesHQ = 1
        /// FaceForensics++ experiment: middle-third crop, N = 300, divided by the first value.
        case ffpp = 2
        /// "Watch your up-convolution": N = 88, min-max normalisation.
        case upconv = 3
        /// The built-in model's features: the centred square resampled to
        /// 128x128 (AreaResize), then the celeba, ffpp, upconv and raw-profile
        /// (faces-hq) features of it concatenated: 80 + 300 + 88 + 88 = 556.
        case combo128 = 4

        public static let cType = "sf_preset"
        public var name: String {
            switch self {
            case .celeba: return "celeba"
            case .facesHQ: return "faces-hq"
            case .ffpp: return "ffpp"
            case .upconv: return "upconv"
            case .combo128: return "combo128"
            }
        }
    }

    /// `sf_normalize`.
    public enum Normalize: Int32, ABIEnum {
        /// Divide by the first value (the article's `interpolated /= interpolated[0]`).
        case first = 0
        /// No normalisation.
        case none = 1
        /// `(x - min) / (max - min)`.
        case minmax = 2

        public static let cType = "sf_normalize"
        public var name: String {
            switch self {
            case .first: return "first"
            case .none: return "none"
            case .minmax: return "minmax"
            }
        }
    }

    /// `sf_crop`.
    public enum Crop: Int32, ABIEnum {
        case none = 0
        /// `img[h//3 : h - h//3, w//3 : w - w//3]` (FaceForensics notebook).
        case centerThird = 1

        public static let cType = "sf_crop"
        public var name: String {
            switch self {
            case .none: return "none"
            case .centerThird: return "center-third"
            }
        }
    }

    /// The preset these settings started from (informative).
    public var preset: Preset
    /// Number of interpolated points (ignored when `interpolate` is false).
    public var n: Int
    /// Added to the real part of every DFT coefficient before the log.
    public var epsilon: Double
    public var center: RadialCenter
    public var normalize: Normalize
    public var crop: Crop
    /// Cubic interpolation of the profile onto `n` points.
    public var interpolate: Bool

    public static let maxN = 1 << 20
    public static let maxEpsilon = 1e100

    public init(preset: Preset = .celeba) {
        self.preset = preset
        epsilon = 1e-8
        center = .reference
        crop = .none
        switch preset {
        case .celeba:
            n = 80; normalize = .first; interpolate = true
        case .facesHQ:
            n = 0; normalize = .none; interpolate = false
        case .ffpp:
            n = 300; normalize = .first; interpolate = true; crop = .centerThird
        case .upconv:
            n = 88; normalize = .minmax; interpolate = true
        case .combo128:
            n = FeatureSettings.comboBlocks.reduce(0) { $0 + $1.featureCount(width: 128, height: 128) }
            normalize = .first; interpolate = true
        }
    }

    /// The blocks of the combo presets, on their canonical square.
    static let comboBlocks: [FeatureSettings] = [.init(preset: .celeba), .init(preset: .ffpp), .init(preset: .upconv),
                                                 .init(preset: .facesHQ)]

    /// The side of the canonical square a combo preset resamples to (nil: none).
    public var squareSide: Int? { preset == .combo128 ? 128 : nil }

    /// The feature blocks of a combo preset (each with this epsilon), or nil
    /// for a one-block preset.
    public var blocks: [FeatureSettings]? {
        guard preset == .combo128 else { return nil }
        return FeatureSettings.comboBlocks.map { b in
            var b = b
            b.epsilon = epsilon
            return b
        }
    }

    public static let `default` = FeatureSettings(preset: .celeba)

    public func validate() throws(SFError) {
        if preset == .combo128 {
            let d = FeatureSettings(preset: .combo128)
            guard n == d.n, interpolate == d.interpolate, normalize == d.normalize, crop == d.crop,
                  center == d.center else {
                throw SFError(.invalidArgument, "preset combo128 concatenates fixed blocks (celeba, ffpp, upconv and the raw profile of the 128x128 square): only epsilon can be overridden (n = \(d.n), interpolate, normalize = first, crop = none, center = reference)")
            }
        }
        if interpolate && (n < 1 || n > FeatureSettings.maxN) {
            throw SFError(.invalidArgument, "n = \(n) is out of range (1 ... \(FeatureSettings.maxN)) with interpolation on")
        }
        // |F + eps|^2 must stay finite: epsilon is bounded well below sqrt(DBL_MAX).
        if !(epsilon >= 0 && epsilon <= FeatureSettings.maxEpsilon) {
            throw SFError(.invalidArgument, "epsilon = \(epsilon) must be in 0 ... \(FeatureSettings.maxEpsilon)")
        }
    }

    /// The size of the region the transform sees after cropping.
    public func croppedSize(width: Int, height: Int) -> (x0: Int, y0: Int, width: Int, height: Int) {
        switch crop {
        case .none: return (0, 0, width, height)
        case .centerThird:
            let ty = height / 3, tx = width / 3
            return (tx, ty, width - 2 * tx, height - 2 * ty)
        }
    }

    /// Length of the raw azimuthal profile for an image of this size (for a
    /// combo preset: its feature count).
    public func profileLength(width: Int, height: Int) -> Int {
        if blocks != nil { return n }
        let c = croppedSize(width: width, height: height)
        return RadialBinMap.profileLength(width: c.width, height: c.height, center: center)
    }

    /// Number of features for an image of this size.
    public func featureCount(width: Int, height: Int) -> Int {
        interpolate ? n : profileLength(width: width, height: height)
    }

    /// The feature count when it does not depend on the image size, else nil.
    public var fixedFeatureCount: Int? { interpolate ? n : nil }

    /// Smallest profile the pipeline accepts (a cubic spline needs 4 points).
    public static let minimumProfileLength = 4
}
