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
        guard rc == Int32(SFC_OK.rawValue) else {
            let text = msg.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw SFError(status(forCodec: rc), text.isEmpty ? "decode failed" : text)
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

    static func status(forCodec rc: Int32) -> SFStatus {
        switch UInt32(bitPattern: rc) {
        case SFC_ERR_UNKNOWN_FORMAT.rawValue: return .unknownFormat
        case SFC_ERR_CORRUPT.rawValue: return .corrupt
        case SFC_ERR_TRUNCATED.rawValue: return .truncated
        case SFC_ERR_UNSUPPORTED.rawValue: return .unsupported
        case SFC_ERR_LIMIT_PIXELS.rawValue: return .limitPixels
        case SFC_ERR_LIMIT_DIMENSION.rawValue: return .limitDimension
        case SFC_ERR_LIMIT_SCANS.rawValue: return .limitScans
        case SFC_ERR_NOMEM.rawValue: return .outOfMemory
        case SFC_ERR_EMPTY.rawValue: return .emptyInput
        default: return .internal
        }
    }
}

/// Reads whole regular files with a size limit. Refuses directories, FIFOs
/// and devices (which could block or never end) with a clear message.
public enum FileReader {
    /// A path for messages: the bytes as UTF-8, invalid sequences replaced.
    public static func displayPath(_ cPath: UnsafePointer<CChar>) -> String {
        String(decoding: UnsafeRawBufferPointer(start: cPath, count: strlen(cPath)), as: UTF8.self)
    }

    public static func read(_ path: String, maxBytes: UInt64, what: String, limitStatus: SFStatus) throws(SFError) -> [UInt8] {
        let r: Result<[UInt8], SFError> = path.withCString { p in
            Result { () throws(SFError) in try read(cPath: p, maxBytes: maxBytes, what: what, limitStatus: limitStatus) }
        }
        return try r.get()
    }

    public static func read(cPath: UnsafePointer<CChar>, maxBytes: UInt64, what: String, limitStatus: SFStatus) throws(SFError) -> [UInt8] {
        let fd = open(cPath, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            throw SFError(.io, "cannot open: \(errnoText())")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SFError(.io, "cannot stat: \(errnoText())") }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let name: String
            switch kind {
            case S_IFDIR: name = "a directory"
            case S_IFIFO: name = "a FIFO"
            case S_IFCHR: name = "a character device"
            case S_IFBLK: name = "a block device"
            case S_IFSOCK: name = "a socket"
            default: name = "not a regular file"
            }
            throw SFError(.io, "is \(name), not a regular file")
        }
        let size = UInt64(max(0, st.st_size))
        if maxBytes != 0 && size > maxBytes {
            throw SFError(limitStatus, "file is \(size) bytes, over the limit \(what) = \(maxBytes)")
        }
        guard size > 0 else { throw SFError(.emptyInput, "empty file (0 bytes)") }
        guard size <= UInt64(Int.max / 2) else { throw SFError(.io, "file too large (\(size) bytes)") }
        var buf = [UInt8](repeating: 0, count: Int(size))
        var got = 0
        let ok: Bool = buf.withUnsafeMutableBytes { raw in
            while got < raw.count {
                let n = Glibc.read(fd, raw.baseAddress! + got, raw.count - got)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                if n == 0 { break }
                got += n
            }
            return true
        }
        guard ok else { throw SFError(.io, "read failed: \(errnoText())") }
        if got < buf.count { buf.removeSubrange(got...) }   // file shrank while reading
        guard !buf.isEmpty else { throw SFError(.emptyInput, "empty file (0 bytes)") }
        return buf
    }

    static func errnoText() -> String {
        let e = errno
        if let s = strerror(e) { return String(cString: s) }
        return "errno \(e)"
    }
}
