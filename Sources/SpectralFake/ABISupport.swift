// ABISupport.swift - conversions and checks shared by the exported sf_*
// functions: handle registry, error reporting, struct reading and writing.
// Nothing here computes features; it only converts and checks.
import CSpectralFakeABI
import SpectralFakeCore

/// Immutable objects behind the opaque handles.
final class ContextBox: Sendable {
    let settings: FeatureSettings
    let limits: Limits
    init(settings: FeatureSettings, limits: Limits) {
        self.settings = settings
        self.limits = limits
    }
}

final class ImageBox: Sendable {
    let image: GrayImage
    let info: DecodeInfo
    init(image: GrayImage, info: DecodeInfo) {
        self.image = image
        self.info = info
    }
}

/// Live handles. A handle is an retained object pointer that is also
/// recorded here; lookups of freed or foreign pointers fail cleanly, and a
/// lookup holds a strong reference for the duration of the call.
enum Handles {
    private static let live = Locked<Set<UInt>>([])

    static func make(_ object: AnyObject) -> OpaquePointer {
        let p = Unmanaged.passRetained(object).toOpaque()
        live.withLock { _ = $0.insert(UInt(bitPattern: p)) }
        return OpaquePointer(p)
    }

    static func get<T: AnyObject>(_ handle: OpaquePointer?, _ type: T.Type) -> T? {
        guard let handle else { return nil }
        let raw = UnsafeMutableRawPointer(handle)
        // Retain under the lock, so that a concurrent free cannot release the
        // object between the check and our use of it.
        let found: Bool = live.withLock { set in
            guard set.contains(UInt(bitPattern: raw)) else { return false }
            _ = Unmanaged<AnyObject>.fromOpaque(raw).retain()
            return true
        }
        guard found else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue() as? T
    }

    static func free(_ handle: OpaquePointer?) {
        guard let handle else { return }
        let raw = UnsafeMutableRawPointer(handle)
        let removed = live.withLock { $0.remove(UInt(bitPattern: raw)) != nil }
        if removed { Unmanaged<AnyObject>.fromOpaque(raw).release() }
    }
}

extension sf_status {
    init(_ s: SFStatus) { self.init(rawValue: UInt32(bitPattern: s.rawValue)) }
}

/// Writes `message` (truncated at a UTF-8 boundary) and `status` into err.
func report(_ err: UnsafeMutablePointer<sf_error>?, _ status: SFStatus, _ message: String) -> sf_status {
    if let err { fill(err, status, message) }
    return sf_status(status)
}

func report(_ err: UnsafeMutablePointer<sf_error>?, _ e: SFError) -> sf_status {
    report(err, e.status, e.message)
}

func succeed(_ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    if let err { fill(err, .ok, "") }
    return SF_OK
}

func fill(_ err: UnsafeMutablePointer<sf_error>, _ status: SFStatus, _ message: String) {
    err.pointee.status = status.rawValue
    withUnsafeMutableBytes(of: &err.pointee.message) { buf in
        var bytes = Array(message.utf8)
        let room = buf.count - 1
        if bytes.count > room {
            var cut = room
            // do not split a multi-byte sequence
            while cut > 0 && (bytes[cut] & 0xC0) == 0x80 { cut -= 1 }
            bytes.removeSubrange(cut...)
        }
        for (i, b) in bytes.enumerated() { buf[i] = b }
        buf[bytes.count] = 0
    }
}

/// Byte size of the first version of each growable struct.
let settingsV1Size = 48
let limitsV1Size = 48

func readStructSize(_ p: UnsafeRawPointer) -> Int {
    p.loadUnaligned(as: Int.self)
}

func readSettings(_ p: UnsafePointer<sf_settings>) throws(SFError) -> FeatureSettings {
    let size = readStructSize(p)
    guard size >= settingsV1Size else {
        throw SFError(.invalidArgument, "sf_settings.struct_size is \(size), expected at least \(settingsV1Size): initialise it with sf_settings_init")
    }
    let s = p.pointee
    guard let preset = presetFromC(s.preset) else {
        throw SFError(.invalidArgument, "sf_settings.preset = \(s.preset) is not an sf_preset")
    }
    guard let center = RadialCenter.allCases.indices.contains(Int(s.center)) ? RadialCenter.allCases[Int(s.center)] : nil else {
        throw SFError(.invalidArgument, "sf_settings.center = \(s.center) is not an sf_center")
    }
    guard let normalize = normalizeFromC(s.normalize) else {
        throw SFError(.invalidArgument, "sf_settings.normalize = \(s.normalize) is not an sf_normalize")
    }
    guard let crop = cropFromC(s.crop) else {
        throw SFError(.invalidArgument, "sf_settings.crop = \(s.crop) is not an sf_crop")
    }
    guard s.reserved0 == 0 else {
        throw SFError(.invalidArgument, "sf_settings.reserved0 must be 0 (it is \(s.reserved0))")
    }
    var out = FeatureSettings(preset: preset)
    out.interpolate = s.interpolate != 0
    guard s.n >= 0 && s.n <= Int64(FeatureSettings.maxN) else {
        throw SFError(.invalidArgument, "sf_settings.n = \(s.n) is out of range (1 ... \(FeatureSettings.maxN))")
    }
    out.n = Int(s.n)
    out.epsilon = s.epsilon
    out.center = center
    out.normalize = normalize
    out.crop = crop
    try out.validate()
    return out
}

func writeSettings(_ f: FeatureSettings, _ p: UnsafeMutablePointer<sf_settings>) throws(SFError) {
    let size = readStructSize(p)
    guard size >= settingsV1Size else {
        throw SFError(.invalidArgument, "sf_settings.struct_size is \(size), expected at least \(settingsV1Size): initialise it with sf_settings_init")
    }
    var s = sf_settings()
    s.struct_size = size
    s.preset = presetToC(f.preset)
    s.interpolate = f.interpolate ? 1 : 0
    s.n = Int64(f.n)
    s.epsilon = f.epsilon
    s.center = f.center == .reference ? 0 : 1
    s.normalize = normalizeToC(f.normalize)
    s.crop = f.crop == .none ? 0 : 1
    s.reserved0 = 0
    p.pointee = s
}

func readLimits(_ p: UnsafePointer<sf_limits>?) throws(SFError) -> Limits {
    guard let p else { return .default }
    let size = readStructSize(p)
    guard size >= limitsV1Size else {
        throw SFError(.invalidArgument, "sf_limits.struct_size is \(size), expected at least \(limitsV1Size): initialise it with sf_limits_init")
    }
    let l = p.pointee
    guard let planning = FFTPlanning(rawValue: l.fft_planning) else {
        throw SFError(.invalidArgument, "sf_limits.fft_planning = \(l.fft_planning) is not an sf_fft_planning")
    }
    var out = Limits()
    out.maxPixels = l.max_pixels
    out.maxWidth = l.max_width
    out.maxHeight = l.max_height
    out.maxJPEGScans = l.max_jpeg_scans
    out.maxInputBytes = l.max_input_bytes
    out.maxModelBytes = l.max_model_bytes
    out.fftPlanning = planning
    return out
}

func presetFromC(_ v: Int32) -> FeatureSettings.Preset? {
    switch v {
    case 0: return .celeba
    case 1: return .facesHQ
    case 2: return .ffpp
    case 3: return .upconv
    default: return nil
    }
}

func presetToC(_ p: FeatureSettings.Preset) -> Int32 {
    switch p {
    case .celeba: return 0
    case .facesHQ: return 1
    case .ffpp: return 2
    case .upconv: return 3
    }
}

func normalizeFromC(_ v: Int32) -> FeatureSettings.Normalize? {
    switch v {
    case 0: return .first
    case 1: return FeatureSettings.Normalize.none
    case 2: return .minmax
    default: return nil
    }
}

func normalizeToC(_ n: FeatureSettings.Normalize) -> Int32 {
    switch n {
    case .first: return 0
    case .none: return 1
    case .minmax: return 2
    }
}

func cropFromC(_ v: Int32) -> FeatureSettings.Crop? {
    switch v {
    case 0: return FeatureSettings.Crop.none
    case 1: return .centerThird
    default: return nil
    }
}

/// The context behind a handle, or the defaults for NULL.
func contextOrDefault(_ ctx: OpaquePointer?) throws(SFError) -> ContextBox {
    guard let ctx else { return ContextBox(settings: .default, limits: .default) }
    guard let box = Handles.get(ctx, ContextBox.self) else {
        throw SFError(.invalidArgument, "sf_context handle is not live (freed, or not an sf_context)")
    }
    return box
}

func requireContext(_ ctx: OpaquePointer?) throws(SFError) -> ContextBox {
    guard ctx != nil else { throw SFError(.invalidArgument, "sf_context is NULL") }
    return try contextOrDefault(ctx)
}

func requireImage(_ img: OpaquePointer?) throws(SFError) -> ImageBox {
    guard let img else { throw SFError(.invalidArgument, "sf_image is NULL") }
    guard let box = Handles.get(img, ImageBox.self) else {
        throw SFError(.invalidArgument, "sf_image handle is not live (freed, or not an sf_image)")
    }
    return box
}

func pixelFormat(_ v: Int32) throws(SFError) -> PixelFormat {
    guard let f = PixelFormat(rawValue: v) else {
        throw SFError(.invalidArgument, "pixel format \(v) is not an sf_pixel_format")
    }
    return f
}

/// Converts a caller's pixel buffer, checking the sizes first.
func imageFromPixels(_ pixels: UnsafeRawPointer?, _ size: Int, _ width: UInt32, _ height: UInt32,
                     _ stride: Int, _ format: Int32, _ limits: Limits) throws(SFError) -> GrayImage {
    guard let pixels else { throw SFError(.invalidArgument, "pixel buffer is NULL") }
    guard size >= 0, stride >= 0 else { throw SFError(.invalidArgument, "size and stride must fit in a signed size") }
    let fmt = try pixelFormat(format)
    return try GrayImage(pixels: UnsafeRawBufferPointer(start: pixels, count: size), width: Int(width),
                         height: Int(height), stride: stride, format: fmt, limits: limits)
}

/// Copies `values` into a caller's buffer with the capacity protocol of the
/// header (SF_ERR_BUFFER_TOO_SMALL and the needed count).
func deliver(_ values: [Double], _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
             _ count: UnsafeMutablePointer<Int>?) throws(SFError) {
    count?.pointee = values.count
    guard let out, capacity >= values.count else {
        throw SFError(.bufferTooSmall, "output holds \(out == nil ? 0 : max(capacity, 0)) values, \(values.count) are needed")
    }
    for (i, v) in values.enumerated() { out[i] = v }
}

/// An exported constructor: runs `make` and stores the new handle in *out,
/// which is NULL whenever the call fails.
func produceHandle(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ err: UnsafeMutablePointer<sf_error>?,
                   _ make: () throws(SFError) -> AnyObject) -> sf_status {
    guarded(err) { () throws(SFError) in
        guard let out else { throw SFError(.invalidArgument, "out is NULL") }
        out.pointee = nil
        out.pointee = Handles.make(try make())
    }
}

/// Runs an exported function body, turning thrown errors into a status.
func guarded(_ err: UnsafeMutablePointer<sf_error>?, _ body: () throws(SFError) -> Void) -> sf_status {
    do {
        try body()
        return succeed(err)
    } catch let e {
        return report(err, e)
    }
}

/// Runs `item(i, paths[i])` for i in 0 ..< count on `threads` native
/// threads (0 = one per CPU). An item's error goes to itemErrors[i] (success
/// clears it); *failed receives the number of failed items. Throws
/// SF_ERR_BATCH_PARTIAL naming the first failed item if any failed.
func runBatch(paths: UnsafePointer<UnsafePointer<CChar>?>?, count: Int, threads: UInt32,
              itemErrors: UnsafeMutablePointer<sf_error>?, failed: UnsafeMutablePointer<Int>?,
              _ item: (Int, UnsafePointer<CChar>) throws(SFError) -> Void) throws(SFError) {
    failed?.pointee = 0
    guard count > 0 else { return }
    guard let paths else { throw SFError(.invalidArgument, "paths is NULL") }
    nonisolated(unsafe) let pathsP = paths
    nonisolated(unsafe) let errorsP = itemErrors
    let failures = Locked<[(Int, SFError)]>([])
    withoutActuallyEscaping(item) { item in
        Parallel.forEach(count: count, threads: Int(threads)) { i in
            do throws(SFError) {
                guard let path = pathsP[i] else { throw SFError(.invalidArgument, "paths[\(i)] is NULL") }
                try item(i, path)
                if let e = errorsP { fill(e + i, .ok, "") }
            } catch let e {
                if let ep = errorsP { fill(ep + i, e.status, e.message) }
                failures.withLock { $0.append((i, e)) }
            }
        }
    }
    let all = failures.withLock { $0 }
    failed?.pointee = all.count
    if let (i, e) = all.min(by: { $0.0 < $1.0 }) {
        throw SFError(.batchPartial, "\(all.count) of \(count) items failed; first (item \(i)): \(e.message)")
    }
}
