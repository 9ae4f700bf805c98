// StructConversion.swift - reading and writing the public structs and
// buffers of the C ABI: sf_settings, sf_limits, sf_score, caller-owned
// output arrays and input buffers. Growable structs are read and written
// only up to the struct_size the caller's program was compiled with.
import CSpectralFakeABI
import SpectralFakeCore

/// Byte size of the first version of each growable struct.
let settingsV1Size = 48
let limitsV1Size = 48
let scoreV1Size = 40
let scoreV2Size = 56
let imageInfoV1Size = 56

func readStructSize(_ p: UnsafeRawPointer) -> Int {
    p.loadUnaligned(as: Int.self)
}

/// The caller's struct, its unknown (newer) fields left at `defaults`.
func loadStruct<T>(_ p: UnsafePointer<T>, size: Int, defaults: T) -> T {
    var v = defaults
    withUnsafeMutableBytes(of: &v) { dst in
        dst.copyMemory(from: UnsafeRawBufferPointer(start: p, count: min(size, dst.count)))
    }
    return v
}

/// Stores `value` into the caller's struct, no further than its struct_size.
func storeStruct<T>(_ value: T, to p: UnsafeMutablePointer<T>, size: Int) {
    withUnsafeBytes(of: value) { src in
        UnsafeMutableRawPointer(p).copyMemory(from: src.baseAddress!, byteCount: min(size, src.count))
    }
}

func checkStructSize(_ p: UnsafeRawPointer, _ v1Size: Int, _ name: String, _ initName: String) throws(SFError) -> Int {
    let size = readStructSize(p)
    guard size >= v1Size else {
        throw SFError(.invalidArgument, "\(name).struct_size is \(size), expected at least \(v1Size): initialise it with \(initName)")
    }
    return size
}

// MARK: - sf_settings

func readSettings(_ p: UnsafePointer<sf_settings>) throws(SFError) -> FeatureSettings {
    let size = try checkStructSize(p, settingsV1Size, "sf_settings", "sf_settings_init")
    let s = loadStruct(p, size: size, defaults: sf_settings())
    var out = FeatureSettings(preset: try .fromC(s.preset, field: "sf_settings.preset"))
    out.center = try .fromC(s.center, field: "sf_settings.center")
    out.normalize = try .fromC(s.normalize, field: "sf_settings.normalize")
    out.crop = try .fromC(s.crop, field: "sf_settings.crop")
    guard s.reserved0 == 0 else {
        throw SFError(.invalidArgument, "sf_settings.reserved0 must be 0 (it is \(s.reserved0))")
    }
    guard s.n >= 0 && s.n <= Int64(FeatureSettings.maxN) else {
        throw SFError(.invalidArgument, "sf_settings.n = \(s.n) is out of range (0 ... \(FeatureSettings.maxN); at least 1 with interpolation on)")
    }
    out.interpolate = s.interpolate != 0
    out.n = Int(s.n)
    out.epsilon = s.epsilon
    try out.validate()
    return out
}

func writeSettings(_ f: FeatureSettings, _ p: UnsafeMutablePointer<sf_settings>) throws(SFError) {
    let size = try checkStructSize(p, settingsV1Size, "sf_settings", "sf_settings_init")
    var s = sf_settings()
    s.struct_size = size
    s.preset = f.preset.rawValue
    s.interpolate = f.interpolate ? 1 : 0
    s.n = Int64(f.n)
    s.epsilon = f.epsilon
    s.center = f.center.rawValue
    s.normalize = f.normalize.rawValue
    s.crop = f.crop.rawValue
    s.reserved0 = 0
    storeStruct(s, to: p, size: size)
}

// MARK: - sf_limits

func cLimits(_ d: Limits, structSize: Int) -> sf_limits {
    var l = sf_limits()
    l.struct_size = structSize
    l.max_pixels = d.maxPixels
    l.max_width = d.maxWidth
    l.max_height = d.maxHeight
    l.max_jpeg_scans = d.maxJPEGScans
    l.fft_planning = d.fftPlanning.rawValue
    l.max_input_bytes = d.maxInputBytes
    l.max_model_bytes = d.maxModelBytes
    l.max_ancillary_bytes = d.maxAncillaryBytes
    l.max_decode_memory = d.maxDecodeMemory
    l.max_milliseconds = d.maxMilliseconds
    l.max_jpeg_passes = d.maxJPEGPasses
    l.max_pixels_per_byte = d.maxPixelsPerByte
    return l
}

func readLimits(_ p: UnsafePointer<sf_limits>?) throws(SFError) -> Limits {
    guard let p else { return .default }
    let size = try checkStructSize(p, limitsV1Size, "sf_limits", "sf_limits_init")
    let l = loadStruct(p, size: size, defaults: cLimits(.default, structSize: size))
    var out = Limits()
    out.maxPixels = l.max_pixels
    out.maxWidth = l.max_width
    out.maxHeight = l.max_height
    out.maxJPEGScans = l.max_jpeg_scans
    out.maxInputBytes = l.max_input_bytes
    out.maxModelBytes = l.max_model_bytes
    out.maxAncillaryBytes = l.max_ancillary_bytes
    out.maxDecodeMemory = l.max_decode_memory
    out.maxMilliseconds = l.max_milliseconds
    out.maxJPEGPasses = l.max_jpeg_passes
    out.maxPixelsPerByte = l.max_pixels_per_byte
    out.fftPlanning = try .fromC(l.fft_planning, field: "sf_limits.fft_planning")
    return out
}

// MARK: - sf_score

func checkScore(_ s: UnsafeMutablePointer<sf_score>?) throws(SFError) -> UnsafeMutablePointer<sf_score> {
    guard let s else { throw SFError(.invalidArgument, "score is NULL") }
    _ = try checkStructSize(s, scoreV1Size, "sf_score", "sf_score_init")
    return s
}

/// A score and its verdict, as sf_score carries them.
struct ScoreResult {
    var score: Model.Score
    var verdict: Verdict
    var notes: UInt32
    var ood: Double?

    init(_ a: Assessment) {
        score = a.score
        verdict = a.verdict
        notes = ScopeNote.mask(a.notes)
        ood = a.oodDistance
    }

    /// Scored features: only the out-of-distribution note can apply.
    init(model: Model, features: [Double], score: Model.Score) {
        let j = model.judge(features: features, score: score)
        self.score = score
        verdict = j.verdict
        notes = ScopeNote.mask(j.notes.map(\.0))
        ood = j.ood
    }
}

/// Writes a score (nil: a zeroed one) into the caller's struct, the 1.2
/// fields only when its struct_size covers them.
func writeScore(_ r: ScoreResult?, _ s: UnsafeMutablePointer<sf_score>) {
    let size = readStructSize(s)
    var out = sf_score()
    out.struct_size = size
    out.ood_distance = -1
    if let r {
        out.decision = r.score.decision
        out.probability_fake = r.score.probabilityFake ?? 0
        out.label = r.score.label.rawValue
        out.has_probability = r.score.probabilityFake == nil ? 0 : 1
        out.class_index = Int32(r.score.classIndex)
        out.verdict = r.verdict.rawValue
        out.notes = r.notes
        out.ood_distance = r.ood ?? -1
    }
    storeStruct(out, to: s, size: size)
}

// MARK: - sf_image_info

func writeImageInfo(_ box: ImageBox, _ p: UnsafeMutablePointer<sf_image_info>) throws(SFError) {
    let size = try checkStructSize(p, imageInfoV1Size, "sf_image_info", "sizeof(sf_image_info)")
    let i = box.info
    var o = sf_image_info()
    o.struct_size = size
    o.width = UInt32(box.image.width)
    o.height = UInt32(box.image.height)
    o.format = i.format.rawValue
    o.orientation = Int32(i.orientation)
    o.components = Int32(i.components)
    o.bit_depth = Int32(i.bitDepth)
    o.jpeg_quality = Int32(i.jpegQuality ?? 0)
    o.jpeg_quality_exact = i.jpegQualityExact ? 1 : 0
    o.subsampling = i.subsampling.rawValue
    o.progressive = i.progressive ? 1 : 0
    o.arithmetic = i.arithmetic ? 1 : 0
    o.warnings = UInt32(clamping: i.warnings)
    storeStruct(o, to: p, size: size)
}

// MARK: - buffers

/// Copies `values` into a caller's buffer with the capacity protocol of the
/// header (SF_ERR_BUFFER_TOO_SMALL and the needed count).
func deliver(_ values: [Double], _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
             _ count: UnsafeMutablePointer<Int>?) throws(SFError) {
    count?.pointee = values.count
    guard let out, capacity >= values.count else {
        throw SFError(.bufferTooSmall, "output holds \(out == nil ? 0 : max(capacity, 0)) values, \(values.count) are needed")
    }
    values.withUnsafeBufferPointer { v in out.update(from: v.baseAddress!, count: v.count) }
}

/// Copies text and its NUL into a caller's buffer of `capacity` bytes;
/// *length receives the length without the NUL.
func deliver(text: String, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
             _ length: UnsafeMutablePointer<Int>?, what: String) throws(SFError) {
    try deliver(bytes: Array(text.utf8), buffer, capacity, length, what: what)
}

/// deliver(text:) for raw bytes (paths as the file system has them).
func deliver(bytes: [UInt8], _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
             _ length: UnsafeMutablePointer<Int>?, what: String) throws(SFError) {
    length?.pointee = bytes.count
    guard let buffer, capacity > bytes.count else {
        throw SFError(.bufferTooSmall, "\(what) needs \(bytes.count + 1) bytes, the buffer has \(max(capacity, 0))")
    }
    for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
    buffer[bytes.count] = 0
}

/// An encoded image handed over as pointer and size.
func encodedSource(_ data: UnsafeRawPointer?, _ size: Int) throws(SFError) -> ImageSource {
    guard size >= 0 else { throw SFError(.invalidArgument, "size \(size) is negative") }
    guard size > 0 else { throw SFError(.emptyInput, "empty input (0 bytes)") }
    guard let data else { throw SFError(.invalidArgument, "data is NULL") }
    return .encoded(UnsafeRawBufferPointer(start: data, count: size))
}

/// A caller's pixel buffer, its arguments checked.
func pixelSource(_ pixels: UnsafeRawPointer?, _ size: Int, _ width: UInt32, _ height: UInt32,
                 _ stride: Int, _ format: Int32) throws(SFError) -> ImageSource {
    guard let pixels else { throw SFError(.invalidArgument, "pixel buffer is NULL") }
    guard size >= 0, stride >= 0 else { throw SFError(.invalidArgument, "size and stride must fit in a signed size") }
    let fmt: PixelFormat
    do { fmt = try .fromC(format, field: "pixel format") } catch {
        throw SFError(.invalidArgument, "pixel format \(format) is not an sf_pixel_format")
    }
    return .pixels(PixelBuffer(bytes: UnsafeRawBufferPointer(start: pixels, count: size), width: Int(width),
                               height: Int(height), stride: stride, format: fmt))
}

func pathSource(_ path: UnsafePointer<CChar>?) throws(SFError) -> ImageSource {
    guard let path else { throw SFError(.invalidArgument, "path is NULL") }
    return .file(path)
}
