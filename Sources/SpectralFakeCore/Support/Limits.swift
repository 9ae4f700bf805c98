#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
    /// Maximum metadata (JPEG APPn/COM before the first scan, PNG ancillary chunks).
    public var maxAncillaryBytes: UInt64 = Limits.defaultMaxAncillaryBytes
    /// Maximum decoder working memory for one image.
    public var maxDecodeMemory: UInt64 = Limits.defaultMaxDecodeMemory
    /// Wall-clock budget of one call (0 = none).
    public var maxMilliseconds: UInt32 = 0
    /// Progressive JPEG work in passes over all coefficient blocks.
    public var maxJPEGPasses: UInt32 = Limits.defaultMaxJPEGPasses
    /// Images over 4 megapixels must come in at least one input byte per
    /// this many pixels (a tiny file declaring a huge image).
    public var maxPixelsPerByte: UInt32 = Limits.defaultMaxPixelsPerByte
    /// How FFT plans are made (a speed policy; results agree to ~1e-16).
    public var fftPlanning: FFTPlanning = .auto

    public static let defaultMaxPixels: UInt64 = 1 << 26          // 67,108,864 (8192 x 8192)
    public static let defaultMaxSide: UInt32 = 1 << 15            // 32768
    public static let defaultMaxJPEGScans: UInt32 = 100
    public static let defaultMaxInputBytes: UInt64 = 256 << 20    // 256 MiB
    public static let defaultMaxModelBytes: UInt64 = 64 << 20     // 64 MiB
    public static let defaultMaxAncillaryBytes: UInt64 = 16 << 20 // 16 MiB
    public static let defaultMaxDecodeMemory: UInt64 = 1 << 30    // 1 GiB
    public static let defaultMaxJPEGPasses: UInt32 = 10
    public static let defaultMaxPixelsPerByte: UInt32 = 1024

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

/// The time budget of one call (Limits.maxMilliseconds), as a monotonic deadline.
public struct Deadline: Sendable {
    /// CLOCK_MONOTONIC nanoseconds, 0 = none.
    public let nanoseconds: UInt64
    let budget: UInt32

    public init(milliseconds: UInt32) {
        budget = milliseconds
        nanoseconds = milliseconds == 0 ? 0 : Deadline.now() + UInt64(milliseconds) * 1_000_000
    }

    public static let none = Deadline(milliseconds: 0)

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Throws SF_ERR_LIMIT_TIME when the budget is spent, naming the stage reached.
    public func check(_ stage: String) throws(SFError) {
        guard nanoseconds != 0, Deadline.now() >= nanoseconds else { return }
        throw SFError(.limitTime, "the call ran over max_milliseconds = \(budget) (stopped before \(stage))")
    }
}
