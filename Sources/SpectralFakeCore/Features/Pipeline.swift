/// Where an image comes from: a file, encoded bytes, a caller's pixel
/// buffer, or an image already decoded. The pointers are borrowed for the
/// duration of one call.
public enum ImageSource {
    /// A JPEG or PNG file named by a C string (opened byte for byte, whatever
    /// its encoding). Errors of a file are prefixed with its path.
    case file(UnsafePointer<CChar>)
    /// A JPEG or PNG held in memory.
    case encoded(UnsafeRawBufferPointer)
    /// Raw pixels in one of the `PixelFormat` layouts.
    case pixels(PixelBuffer)
    /// A decoded gray image.
    case image(GrayImage)
}

/// A caller's pixel buffer: `height` rows of `width` pixels, `stride` bytes
/// apart (`sf_image_from_pixels`).
public struct PixelBuffer {
    public var bytes: UnsafeRawBufferPointer
    public var width: Int
    public var height: Int
    public var stride: Int
    public var format: PixelFormat

    public init(bytes: UnsafeRawBufferPointer, width: Int, height: Int, stride: Int, format: PixelFormat) {
        self.bytes = bytes
        self.width = width
        self.height = height
        self.stride = stride
        self.format = format
    }
}

/// Decode -> features -> score, for one image or a batch: the one place
/// that runs the library's job, under given limits. The C ABI, the command
/// line and every other front end call it. Immutable; share it between
/// threads.
public struct Pipeline: Sendable {
    public let settings: FeatureSettings
    public let limits: Limits

    public init(settings: FeatureSettings = .default, limits: Limits = .default) {
        self.settings = settings
        self.limits = limits
    }

    /// The pipeline that computes the features `model` was trained on.
    public init(model: Model, limits: Limits = .default) {
        self.init(settings: model.settings, limits: limits)
    }

    /// The gray image of a source and what the decoder saw (a pixel buffer
    /// or an image has an unknown format and orientation 1).
    public func image(_ source: ImageSource) throws(SFError) -> (GrayImage, DecodeInfo) {
        let deadline = Deadline(milliseconds: limits.maxMilliseconds)
        return try prefixingPath(source) { () throws(SFError) in try unprefixedImage(source, deadline: deadline) }
    }

    /// The feature vector of a source with this pipeline's settings. The
    /// limits' time budget (max_milliseconds) covers the whole call.
    public func features(_ source: ImageSource) throws(SFError) -> [Double] {
        let deadline = Deadline(milliseconds: limits.maxMilliseconds)
        return try prefixingPath(source) { () throws(SFError) in
            try features(of: try unprefixedImage(source, deadline: deadline).0, deadline: deadline)
        }
    }

    /// The feature vector of a decoded image.
    public func features(of image: GrayImage) throws(SFError) -> [Double] {
        try features(of: image, deadline: Deadline(milliseconds: limits.maxMilliseconds))
    }

    func features(of image: GrayImage, deadline: Deadline) throws(SFError) -> [Double] {
        try FeatureExtractor.features(of: image, settings: settings, planning: limits.fftPlanning, deadline: deadline)
    }

    /// The raw azimuthal profile of a decoded image (after the settings' crop).
    public func radialProfile(of image: GrayImage) throws(SFError) -> [Double] {
        try FeatureExtractor.radialProfile(of: image, settings: settings, planning: limits.fftPlanning)
    }

    /// Number of features for an image of this size.
    public func featureCount(width: Int, height: Int) -> Int {
        settings.featureCount(width: width, height: height)
    }

    /// Scores a source with `model`: computes the model's features (its
    /// settings, this pipeline's limits), checks that their number is the
    /// model's (a raw-profile model scores only images of the size it was
    /// trained on), and scores them.
    public func score(_ source: ImageSource, with model: Model) throws(SFError) -> Model.Score {
        let p = Pipeline(model: model, limits: limits)
        let deadline = Deadline(milliseconds: limits.maxMilliseconds)
        return try prefixingPath(source) { () throws(SFError) in
            let image = try p.unprefixedImage(source, deadline: deadline).0
            return try model.score(features: try p.modelFeatures(of: image, for: model, deadline: deadline))
        }
    }

    /// The features of an image for `model` (this pipeline has its
    /// settings), checked against the model's feature count.
    func modelFeatures(of image: GrayImage, for model: Model, deadline: Deadline) throws(SFError) -> [Double] {
        let f = try features(of: image, deadline: deadline)
        guard f.count == model.featureCount else {
            throw SFError(.featureMismatch,
                          "image \(image.width)x\(image.height) gives \(f.count) features, the model takes \(model.featureCount) (\(model.settings.preset.name) raw profile: score images of the size it was trained on)")
        }
        return f
    }

    func unprefixedImage(_ source: ImageSource, deadline: Deadline) throws(SFError) -> (GrayImage, DecodeInfo) {
        switch source {
        case .file(let path):
            let bytes = try FileReader.read(cPath: path, maxBytes: limits.maxInputBytes, what: "max_input_bytes",
                                            limitStatus: .limitInputSize)
            try deadline.check("decoding")
            return try bytes.withBytes { (raw) throws(SFError) in
                try ImageDecoder.decode(raw, limits: limits, deadline: deadline)
            }
        case .encoded(let data):
            guard data.count > 0 else { throw SFError(.emptyInput, "empty input (0 bytes)") }
            return try ImageDecoder.decode(data, limits: limits, deadline: deadline)
        case .pixels(let b):
            let img = try GrayImage(pixels: b.bytes, width: b.width, height: b.height, stride: b.stride,
                                    format: b.format, limits: limits)
            var info = DecodeInfo(format: .none, orientation: 1, warnings: 0)
            info.components = b.format.bytesPerPixel == 1 ? 1 : b.format.bytesPerPixel
            return (img, info)
        case .image(let img):
            var info = DecodeInfo(format: .none, orientation: 1, warnings: 0)
            info.components = 1
            return (img, info)
        }
    }

    /// Runs `body`; an error about a file gets the file's path in front.
    func prefixingPath<T>(_ source: ImageSource, _ body: () throws(SFError) -> T) throws(SFError) -> T {
        guard case .file(let path) = source else { return try body() }
        do {
            return try body()
        } catch let e {
            throw e.prefixed(FileReader.displayPath(path))
        }
    }
}
