#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An 8-bit grayscale image, row-major, `width * height` bytes, held in a
/// checked heap buffer (the decoder's own, handed over without a copy).
/// Immutable; copies share the buffer.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let storage: HeapBuffer<UInt8>

    /// An image over a buffer of at least width * height bytes.
    public init(width: Int, height: Int, storage: HeapBuffer<UInt8>) {
        precondition(width >= 0 && height >= 0 && storage.count >= width * height)
        self.width = width
        self.height = height
        self.storage = storage
    }

    /// An image copied from an array (for callers that hold one already).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height)
        let s = try! HeapBuffer<UInt8>(count: pixels.count, what: "pixels")
        pixels.withUnsafeBufferPointer { s.base.update(from: $0.baseAddress!, count: max(0, $0.count)) }
        self.init(width: width, height: height, storage: s)
    }

    /// A copy of the pixels as an array.
    public var pixels: [UInt8] { Array(UnsafeBufferPointer(start: storage.base, count: width * height)) }

    /// The pixels, borrowed for the call.
    public func withPixels<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: width * height))
    }

    @inline(__always) public subscript(x: Int, y: Int) -> UInt8 { storage.base[y * width + x] }

    public static func == (a: GrayImage, b: GrayImage) -> Bool {
        a.width == b.width && a.height == b.height && (a.storage === b.storage ||
            memcmp(a.storage.base, b.storage.base, a.width * a.height) == 0)
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
        let storage = try HeapBuffer<UInt8>(count: width * height, what: "a \(width)x\(height) gray image")
        do {
            let dst = storage.mutableBuffer
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
        self.init(width: width, height: height, storage: storage)
    }
}
