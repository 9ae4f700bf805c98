// FuzzFeatures - the whole feature pipeline from memory through the C ABI
// (sf_features_memory: decode, crop, FFT, radial profile, spline,
// normalisation). The first input byte picks the context: bits 0-1 the
// preset (celeba, faces-hq, ffpp, upconv), bit 2 the centre (reference or
// DC); the rest of the input is the encoded image.
//
// Findings (traps): a crash or sanitizer report; SF_OK with a non-finite
// feature, a count over the capacity or different from
// sf_context_feature_count for the image's size, or values different from
// sf_features_image on the same decoded image; a failure with an empty
// message, SF_ERR_INTERNAL or a status the pipeline should never give for
// bytes (e.g. SF_ERR_INVALID_ARGUMENT).
import CSpectralFakeABI
import FuzzSupport
import SpectralFake

// 256 Ki pixels and 4096 a side: a 512x512 (or 64x4096) FFT is the largest
// the fuzzer pays for. With 1 Mi pixels and 16384 a side a first run spent
// its time on wide images of awkward widths (80x9232: 2.4 s under ASan for
// the first FFTW plan of that size) and averaged 343 exec/s; every code
// path of the pipeline (8-row / 8-column transform blocks and their
// remainders, ring renormalisation, crop, spline) is reached with smaller
// images already.
let maxPixels: UInt64 = 1 << 18
let limits = fuzzLimits(maxPixels: maxPixels, maxSide: 4096, maxScans: 50)
let contexts: [OpaquePointer] = (0..<8).map { i in
    makeContext(preset: Int32(i & 3), limits: limits, dcCenter: i & 4 != 0)
}
// The longest raw profile of an image within the limits is about half its
// diagonal (< 2100 here); interpolated presets give at most 300 values.
let capacity = 8192
let sentinel = Double(bitPattern: 0x7FF4_DEAD_BEEF_0001)  // a signalling-NaN pattern
nonisolated(unsafe) var out = [Double](repeating: sentinel, count: capacity + 1)
nonisolated(unsafe) var again = [Double](repeating: 0, count: capacity)

let expectedFailures: Set<UInt32> = [
    SF_ERR_UNKNOWN_FORMAT, SF_ERR_UNSUPPORTED, SF_ERR_CORRUPT, SF_ERR_TRUNCATED,
    SF_ERR_LIMIT_PIXELS, SF_ERR_LIMIT_DIMENSION, SF_ERR_LIMIT_SCANS, SF_ERR_LIMIT_INPUT_SIZE,
    SF_ERR_EMPTY_INPUT, SF_ERR_LIMIT_ANCILLARY, SF_ERR_LIMIT_MEMORY, SF_ERR_IMAGE_TOO_SMALL, SF_ERR_CONSTANT_IMAGE,
].reduce(into: []) { $0.insert($1.rawValue) }

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 1 else { return 0 }
    let selector = Int(data[0] & 7)
    let ctx = contexts[selector]
    let image = data + 1, imageSize = size - 1
    var err = sf_error()
    var count = -1
    let st = out.withUnsafeMutableBufferPointer { o in
        sf_features_memory(ctx, image, imageSize, o.baseAddress, capacity, &count, &err)
    }
    guard st == SF_OK else {
        checkFailureReport(st, &err, "sf_features_memory[\(selector)]")
        fuzzCheck(expectedFailures.contains(st.rawValue),
                  "sf_features_memory[\(selector)]: unexpected status \(statusName(st)): \(message(&err))")
        return 0
    }
    checkSuccessReport(&err, "sf_features_memory")
    fuzzCheck(count >= 1 && count <= capacity, "sf_features_memory[\(selector)]: SF_OK with count \(count)")
    for i in 0..<count where !out[i].isFinite {
        fuzzFail("sf_features_memory[\(selector)]: SF_OK with feature \(i) of \(count) = \(out[i])")
    }
    fuzzCheck(out[count].bitPattern == sentinel.bitPattern,
              "sf_features_memory[\(selector)]: wrote past the \(count) values it reported")

    // The count must be the one announced for the image's size, and the
    // same image through sf_features_image must give the same values.
    var img: OpaquePointer? = nil
    let dst = sf_image_decode_memory(ctx, image, imageSize, &img, &err)
    fuzzCheck(dst == SF_OK && img != nil,
              "features succeeded but sf_image_decode_memory failed (\(statusName(dst))): \(message(&err))")
    defer { sf_image_free(img) }
    let w = sf_image_width(img), h = sf_image_height(img)
    var announced = 0
    let cst = sf_context_feature_count(ctx, w, h, &announced, &err)
    fuzzCheck(cst == SF_OK && announced == count,
              "sf_context_feature_count(\(w)x\(h)) = \(announced) (\(statusName(cst))) but sf_features_memory gave \(count)")
    var count2 = -1
    let st2 = again.withUnsafeMutableBufferPointer { o in
        sf_features_image(ctx, img, o.baseAddress, capacity, &count2, &err)
    }
    fuzzCheck(st2 == SF_OK && count2 == count,
              "sf_features_image gave \(statusName(st2)) / \(count2), sf_features_memory SF_OK / \(count)")
    for i in 0..<count where again[i].bitPattern != out[i].bitPattern {
        fuzzFail("feature \(i) differs between sf_features_memory (\(out[i])) and sf_features_image (\(again[i]))")
    }
    for i in 0..<count { out[i] = sentinel }
    out[count] = sentinel
    return 0
}

runFuzzer { fuzzOne($0, $1) }
