// FuzzDecode - JPEG and PNG decoding from memory through the C ABI:
// sf_image_decode_memory, then the accessors and a full read of the pixel
// buffer (so that ASan sees any short buffer), then sf_image_free.
//
// Findings (traps): a crash or sanitizer report anywhere below; SF_OK with a
// NULL handle, a zero side, a size over the limits or no pixels; a failure
// with a handle set, an empty message or SF_ERR_INTERNAL; a freed handle
// that is still accepted.
import CSpectralFakeABI
import FuzzSupport
import SpectralFake

let maxPixels: UInt64 = 4 << 20        // 4 Mi pixels: no time spent on huge images
let maxSide: UInt32 = 32768
let decodeLimits = fuzzLimits(maxPixels: maxPixels, maxSide: maxSide, maxScans: 50)
let context = makeContext(preset: Int32(SF_PRESET_CELEBA.rawValue), limits: decodeLimits)

/// Statuses sf_image_decode_memory may return for arbitrary bytes.
let expectedFailures: Set<UInt32> = [
    SF_ERR_UNKNOWN_FORMAT, SF_ERR_UNSUPPORTED, SF_ERR_CORRUPT, SF_ERR_TRUNCATED,
    SF_ERR_LIMIT_PIXELS, SF_ERR_LIMIT_DIMENSION, SF_ERR_LIMIT_SCANS, SF_ERR_LIMIT_INPUT_SIZE,
    SF_ERR_EMPTY_INPUT, SF_ERR_LIMIT_ANCILLARY, SF_ERR_LIMIT_MEMORY,
].reduce(into: []) { $0.insert($1.rawValue) }

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var err = sf_error()
    var image: OpaquePointer? = nil
    let st = sf_image_decode_memory(context, data, size, &image, &err)
    guard st == SF_OK else {
        checkFailureReport(st, &err, "sf_image_decode_memory")
        fuzzCheck(image == nil, "sf_image_decode_memory failed (\(statusName(st))) but set a handle")
        fuzzCheck(expectedFailures.contains(st.rawValue),
                  "sf_image_decode_memory: unexpected status \(statusName(st)): \(message(&err))")
        return 0
    }
    checkSuccessReport(&err, "sf_image_decode_memory")
    guard let image else { fuzzFail("sf_image_decode_memory returned SF_OK and a NULL image") }
    let w = sf_image_width(image), h = sf_image_height(image)
    fuzzCheck(w > 0 && h > 0, "decoded image has a zero side (\(w)x\(h))")
    // EXIF orientation may swap the sides, so check the larger against both limits.
    fuzzCheck(max(w, h) <= maxSide, "decoded image \(w)x\(h) is over the side limit \(maxSide)")
    fuzzCheck(UInt64(w) * UInt64(h) <= maxPixels, "decoded image \(w)x\(h) is over max_pixels \(maxPixels)")
    guard let pixels = sf_image_pixels(image) else { fuzzFail("sf_image_pixels returned NULL for a live image") }
    // Read every byte (ASan reports a buffer shorter than width*height).
    let n = Int(w) * Int(h)
    var sum: UInt64 = 0
    var lo: UInt8 = 255, hi: UInt8 = 0
    for i in 0..<n {
        let v = pixels[i]
        sum &+= UInt64(v)
        lo = min(lo, v)
        hi = max(hi, v)
    }
    blackHole((sum, lo, hi, sf_image_warnings(image)))
    sf_image_free(image)
    // Live handles are tracked: a freed image must be refused, not read.
    fuzzCheck(sf_image_width(image) == 0 && sf_image_pixels(image) == nil,
              "a freed sf_image is still accepted")
    sf_image_free(image)  // double free is documented as harmless
    return 0
}

runFuzzer { fuzzOne($0, $1) }
