/// An 8-bit grayscale image, row-major, `width * height` bytes.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Layouts of caller-supplied pixel buffers (`sf_pixel_format`).
public enum PixelFormat: Int32, ABIEnum {
    case gray8 = 0
    case rgb8 = 1
    case bgr8 = 2
    case rgba8 = 3
    case bgra8 = 4

    public static let cType = "sf_pixel_format"

    public var bytesPerPixel: Int {
        switch self {
        case .gray8: return 1
        case .rgb8, .bgr8: return 3
        case .rgba8, .bgra8: return 4
        }
    }

    public var name: String {
        switch self {
        case .gray8: return "gray8"
        case .rgb8: return "rgb8"
        case .bgr8: return "bgr8"
        case .rgba8: return "rgba8"
        case .bgra8: return "bgra8"
        }
    }
}

extension GrayImage {
    /// Converts a caller's pixel buffer to gray with OpenCV's cvtColor
    /// arithmetic (COLOR_BGR2GRAY / COLOR_RGB2GRAY, alpha ignored):
    /// gray = (3735*B + 19235*G + 9798*R + 16384) >> 15, bit-identical to cv2.
    /// `stride` is the distance in bytes between rows.
    public init(pixels base: UnsafeRawBufferPointer, width: Int, height: Int, stride: Int,
                format: PixelFormat, limits: Limits = .default) throws(SFError) {
        try limits.check(width: width, height: height)
        let bpp = format.bytesPerPixel
        let (rowBytes, o1) = width.multipliedReportingOverflow(by: bpp)
        guard !o1, stride >= rowBytes else {
            throw SFError(.invalidArgument, "stride \(stride) is smaller than width * \(bpp) = \(width * bpp) bytes for \(format.name)")
        }
        let (lastRow, o2) = (height - 1).multipliedReportingOverflow(by: stride)
        let (needed, o3) = lastRow.addingReportingOverflow(rowBytes)
        guard !o2, !o3, base.count >= needed else {
            throw SFError(.bufferTooSmall,
                          "pixel buffer has \(base.count) bytes, \(width)x\(height) \(format.name) with stride \(stride) needs \(o2 || o3 ? "more" : String(needed))")
        }
        var out = [UInt8](repeating: 0, count: width * height)
        out.withUnsafeMutableBufferPointer { dst in
            let src = base.bindMemory(to: UInt8.self)
            for y in 0..<height {
                let s = y * stride
                let d = y * width
                switch format {
                case .gray8:
                    for x in 0..<width { dst[d + x] = src[s + x] }
                case .rgb8, .rgba8, .bgr8, .bgra8:
                    let rgb = format == .rgb8 || format == .rgba8
                    for x in 0..<width {
                        let p = s + x * bpp
                        let c0 = UInt32(src[p]), c1 = UInt32(src[p + 1]), c2 = UInt32(src[p + 2])
                        let (r, b) = rgb ? (c0, c2) : (c2, c0)
                        dst[d + x] = UInt8(truncatingIfNeeded: (3735 &* b &+ 19235 &* c1 &+ 9798 &* r &+ 16384) >> 15)
                    }
                }
            }
        }
        self.init(width: width, height: height, pixels: out)
    }
}
