import CSFCodec
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Encoded image formats the decoder reads.
public enum ImageFormat: Int32, Sendable {
    case unknown = 0, jpeg = 1, png = 2
}

/// Metadata of a decoded image.
public struct DecodeInfo: Sendable, Equatable {
    public var format: ImageFormat
    /// EXIF orientation that was applied (1 = none).
    public var orientation: Int
    /// Recoverable warnings from the JPEG decoder (corrupt entropy data that
    /// libjpeg and OpenCV both tolerate).
    public var warnings: Int

    public init(format: ImageFormat, orientation: Int, warnings: Int) {
        self.format = format
        self.orientation = orientation
        self.warnings = warnings
    }
}

/// JPEG and PNG decoding to 8-bit gray, bit-identical to
/// `cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)` (docs/decoding.md).
public enum ImageDecoder {
    /// Decodes an encoded image held in memory.
    public static func decode(_ data: UnsafeRawBufferPointer, limits: Limits = .default) throws(SFError) -> (GrayImage, DecodeInfo) {
        if limits.maxInputBytes != 0 && UInt64(data.count) > limits.maxInputBytes {
            throw SFError(.limitInputSize, "input is \(data.count) bytes, over the limit max_input_bytes = \(limits.maxInputBytes)")
        }
        var lim = sfc_limits(max_pixels: limits.maxPixels, max_width: limits.maxWidth,
                             max_height: limits.maxHeight, max_scans: limits.maxJPEGScans)
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
        defer { sfc_free(img.pixels) }
        let w = Int(img.width), h = Int(img.height)
        guard let p = img.pixels, w > 0, h > 0 else {
            throw SFError(.internal, "decoder returned no pixels")
        }
        let pixels = [UInt8](UnsafeBufferPointer(start: p, count: w * h))
        let info = DecodeInfo(format: ImageFormat(rawValue: img.format) ?? .unknown,
                              orientation: Int(img.orientation), warnings: Int(img.warnings))
        return (GrayImage(width: w, height: h, pixels: pixels), info)
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
            return try decode(bytes, limits: limits)
        } catch let e {
            throw e.prefixed(FileReader.displayPath(cPath))
        }
    }
}
