import CFFTW
#if canImport(Glibc)
import Glibc
#endif

/// The centred log-magnitude spectrum of an image, `20 * ln|fftshift(F) +
/// epsilon|` as the article's notebooks compute it, for pictures (the
/// features never need the whole plane).
public enum MagnitudeSpectrum {
    /// The spectrum of the centred window of at most maxSide x maxSide
    /// pixels (the whole image when it is smaller).
    public static func of(_ image: GrayImage, epsilon: Double = 1e-8, maxSide: Int = 1024) throws(SFError) -> RealImage {
        let w = min(image.width, maxSide), h = min(image.height, maxSide)
        guard w > 0, h > 0 else { throw SFError(.invalidArgument, "image has zero size") }
        let x0 = (image.width - w) / 2, y0 = (image.height - h) / 2
        let hw = w / 2 + 1
        guard let inRaw = fftw_malloc(w * h * 8), let outRaw = fftw_malloc(h * hw * 16) else {
            throw SFError(.outOfMemory, "cannot allocate the \(w)x\(h) spectrum")
        }
        defer { fftw_free(inRaw); fftw_free(outRaw) }
        let input = inRaw.bindMemory(to: Double.self, capacity: w * h)
        let out = outRaw.bindMemory(to: fftw_complex.self, capacity: h * hw)
        for r in 0..<h {
            for c in 0..<w { input[r * w + c] = Double(image[x0 + c, y0 + r]) }
        }
        guard FFT.transform2D(width: w, height: h, input: input, output: out) else {
            throw SFError(.outOfMemory, "FFTW could not plan a \(w)x\(h) transform")
        }
        try ensureAllocatable(w * h * 8, "the \(w)x\(h) magnitude spectrum")
        var pixels = [Double](repeating: 0, count: w * h)
        for ky in 0..<h {
            for kx in 0..<w {
                // F[ky][kx] for kx > w/2 is conj(F[-ky][w - kx]): same magnitude, imaginary part negated
                let (re, im): (Double, Double)
                if kx < hw {
                    (re, im) = out[ky * hw + kx]
                } else {
                    let v = out[((h - ky) % h) * hw + (w - kx)]
                    (re, im) = (v.0, -v.1)
                }
                let mag = ((re + epsilon) * (re + epsilon) + im * im).squareRoot()
                let sy = (ky + h / 2) % h, sx = (kx + w / 2) % w
                pixels[sy * w + sx] = 20 * log(mag)
            }
        }
        return RealImage(width: w, height: h, pixels: pixels)
    }
}
