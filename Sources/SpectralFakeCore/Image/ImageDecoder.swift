import CSFCodec
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Encoded image formats the decoder reads (`sf_image_format`).
public enum ImageFormat: Int32, ABIEnum {
    /// Not decoded from a file: a caller's pixel buffer.
    case none = 0
    case jpeg = 1
    case png = 2

    public static let cType = "sf_image_format"
    public var name: String {
        switch self {
        case .none: return "none"
        case .jpeg: return "jpeg"
        case .png: return "png"
        }
    }
}

/// JPEG chroma subsampling (`sf_subsampling`): luma samples per chroma
/// sample, horizontally and vertically.
public enum Subsampling: Int32, ABIEnum {
    /// Not a colour JPEG.
    case none = 0
    case s444 = 1
    case s422 = 2
    case s420 = 3
    case s411 = 4
    case s440 = 5
    case other = 6

    public static let cType = "sf_subsampling"
    public var name: String {
        switch self {
        case .none: return "none"
        case .s444: return "444"
        case .s422: return "422"
        case .s420: return "420"
        case .s411: return "411"
        case .s440: return "440"
        case .other: return "other"
        }
    }

    /// "4:2:0" etc. (nil for none).
    public var ratio: String? {
        switch self {
        case .none: return nil
        case .other: return "other"
        default: let n = name; return "\(n.first!):\(n.dropFirst().first!):\(n.last!)"
        }
    }

    init(h: Int, v: Int, components: Int) {
        guard components >= 3 else { self = .none; return }
        switch (h, v) {
        case (1, 1): self = .s444
        case (2, 1): self = .s422
        case (2, 2): self = .s420
        case (4, 1): self = .s411
        case (1, 2): self = .s440
        default: self = .other
        }
    }
}

/// What was decoded and what the file says about itself: the scope of a
/// verdict (reported, never fed to a classifier).
public struct DecodeInfo: Sendable, Equatable {
    public var format: ImageFormat
    /// EXIF orientation that was applied (1 = none).
    public var orientation: Int
    /// Recoverable warnings from the JPEG decoder (corrupt entropy data that
    /// libjpeg and OpenCV both tolerate).
    public var warnings: Int
    /// Colour components in the file (1 gray, 2 gray + alpha, 3 colour, 4
    /// colour + alpha or CMYK); 0 when unknown (a caller's gray pixels give 1).
    public var components: Int = 0
    /// Bits per sample in the file.
    public var bitDepth: Int = 8
    /// JPEG: the IJG quality (1 ... 100) whose standard luminance table is
    /// the file's, or the nearest one; nil for other formats.
    public var jpegQuality: Int? = nil
    /// True when the file's luminance table is exactly IJG's at jpegQuality.
    public var jpegQualityExact = false
    public var subsampling: Subsampling = .none
    /// A progressive JPEG or an interlaced PNG.
    public var progressive = false
    public var arithmetic = false

    public init(format: ImageFormat, orientation: Int, warnings: Int) {
        self.format = format
        self.orientation = orientation
        self.warnings = warnings
    }

    /// The file holds no colour (one component, or gray + alpha).
    public var isGrayscale: Bool { components == 1 || components == 2 }
}

/// JPEG and PNG decoding to 8-bit gray, bit-identical to
/// `cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)` (docs/decoding.md).
public enum ImageDecoder {
    /// Decodes an encoded image held in memory.
    public static func decode(_ data: UnsafeRawBufferPointer, limits: Limits = .default,
                              deadline: Deadline = .none) throws(SFError) -> (GrayImage, DecodeInfo) {
        if limits.maxInputBytes != 0 && UInt64(data.count) > limits.maxInputBytes {
            throw SFError(.limitInputSize, "input is \(data.count) bytes, over the limit max_input_bytes = \(limits.maxInputBytes)")
        }
        var lim = sfc_limits(max_pixels: limits.maxPixels, max_width: limits.maxWidth,
                             max_height: limits.maxHeight, max_scans: limits.maxJPEGScans,
                             max_passes: limits.maxJPEGPasses, max_memory: limits.maxDecodeMemory,
                             max_ancillary: limits.maxAncillaryBytes, deadline_ns: deadline.nanoseconds, budget_ms: deadline.budget,
                             max_pixels_per_byte: limits.maxPixelsPerByte, input_bytes: UInt64(data.count))
        var img = sfc_image()
        var msg = [CChar](repeating: 0, count: 512)
        let base = data.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let rc = msg.withUnsafeMutableBufferPointer { m in
            sfc_decode_gray(base, data.count, &lim, &img, m.baseAddress, m.count)
        }
        guard rc == 0 else {
            let text = msg.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw SFError(SFStatus(rawValue: rc) ?? .internal, text.isEmpty ? "decode failed" : text)
        }
        let w = Int(img.width), h = Int(img.height)
        guard let p = img.pixels else { throw SFError(.internal, "decoder returned no pixels") }
        let storage = HeapBuffer<UInt8>(adopting: p, count: w * h)  // frees the codec's buffer
        guard w > 0, h > 0 else { throw SFError(.internal, "decoder returned a \(w)x\(h) image") }
        var info = DecodeInfo(format: ImageFormat(rawValue: img.format) ?? .none,
                              orientation: Int(img.orientation), warnings: Int(img.warnings))
        info.components = Int(img.components)
        info.bitDepth = Int(img.bit_depth)
        if info.format == .jpeg {
            info.jpegQuality = Int(img.jpeg_quality)
            info.jpegQualityExact = img.jpeg_quality_exact != 0
            info.subsampling = Subsampling(h: Int(img.h_sampling), v: Int(img.v_sampling), components: info.components)
            info.arithmetic = img.arithmetic != 0
        }
        info.progressive = img.progressive != 0
        return (GrayImage(width: w, height: h, storage: storage), info)
    }

    /// Decodes an encoded image from a byte array.
    public static func decode(_ bytes: [UInt8], limits: Limits = .default) throws(SFError) -> (GrayImage, DecodeInfo) {
        let r: Result<(GrayImage, DecodeInfo), SFError> = bytes.withUnsafeBytes { raw in
            Result { () throws(SFError) in try decode(raw, limits: limits) }
        }
        return try r.get()
    }

    /// Reads and decodes a file. Errors carry the path in their message.
    public static func decodeFile(_ path: String, limits: Limits = .default) throws(SFError) -> (GrayImage, DecodeInfo) {
        let r: Result<(GrayImage, DecodeInfo), SFError> = path.withCString { p in
            Result { () throws(SFError) in try decodeFile(cPath: p, limits: limits) }
        }
        return try r.get()
    }

    /// Reads and decodes a file named by a C string (opened byte for byte,
    /// whatever its encoding). Errors carry the path in their message.
    public static func decodeFile(cPath: UnsafePointer<CChar>, limits: Limits = .default) throws(SFError) -> (GrayImage, DecodeInfo) {
        do {
            let bytes = try FileReader.read(cPath: cPath, maxBytes: limits.maxInputBytes, what: "max_input_bytes",
                                            limitStatus: .limitInputSize)
            return try bytes.withBytes { (raw) throws(SFError) in try decode(raw, limits: limits) }
        } catch let e {
            throw e.prefixed(FileReader.displayPath(cPath))
        }
    }
}
