/// Resource limits applied to untrusted input, and the FFT planning policy. Every limit that is hit gives
/// its own status code and a message with the limit and the value seen.
/// A value of 0 disables a limit.
public struct Limits: Sendable, Equatable {
    /// Maximum width * height of a decoded (or caller-supplied) image.
    public var maxPixels: UInt64 = Limits.defaultMaxPixels
    /// Maximum image width and height, each.
    public var maxWidth: UInt32 = Limits.defaultMaxSide
    public var maxHeight: UInt32 = Limits.defaultMaxSide
    /// Maximum number of scans in a progressive JPEG.
    public var maxJPEGScans: UInt32 = Limits.defaultMaxJPEGScans
    /// Maximum size in bytes of an encoded image (file or buffer).
    public var maxInputBytes: UInt64 = Limits.defaultMaxInputBytes
    /// Maximum size in bytes of a model file.
    public var maxModelBytes: UInt64 = Limits.defaultMaxModelBytes
    /// How FFT plans are made (a speed policy; results agree to ~1e-16).
    public var fftPlanning: FFTPlanning = .auto

    public static let defaultMaxPixels: UInt64 = 1 << 26          // 67,108,864 (8192 x 8192)
    public static let defaultMaxSide: UInt32 = 1 << 15            // 32768
    public static let defaultMaxJPEGScans: UInt32 = 100
    public static let defaultMaxInputBytes: UInt64 = 256 << 20    // 256 MiB
    public static let defaultMaxModelBytes: UInt64 = 64 << 20     // 64 MiB

    public init() {}

    public static let `default` = Limits()

    /// Checks the size of a model (file or buffer) against max_model_bytes.
    public func checkModelSize(_ bytes: Int) throws(SFError) {
        if maxModelBytes != 0 && UInt64(bytes) > maxModelBytes {
            throw SFError(.limitModelSize, "model is \(bytes) bytes, over the limit max_model_bytes = \(maxModelBytes)")
        }
    }

    /// Checks caller-supplied image dimensions against the limits.
    public func check(width: Int, height: Int) throws(SFError) {
        guard width > 0, height > 0 else {
            throw SFError(.invalidArgument, "image has zero size (\(width)x\(height))")
        }
        if (maxWidth != 0 && UInt64(width) > UInt64(maxWidth)) || (maxHeight != 0 && UInt64(height) > UInt64(maxHeight)) {
            throw SFError(.limitDimension,
                          "image is \(width)x\(height), over the dimension limit \(maxWidth)x\(maxHeight) (max_width x max_height)")
        }
        let (pixels, overflow) = UInt64(width).multipliedReportingOverflow(by: UInt64(height))
        if maxPixels != 0 && (overflow || pixels > maxPixels) {
            throw SFError(.limitPixels,
                          "image is \(width)x\(height) = \(pixels) pixels, over the limit max_pixels = \(maxPixels)")
        }
    }
}
