import CFFTW
#if canImport(Glibc)
import Glibc
#endif

/// Whether an image was enlarged from a smaller one (the "upscaled" note):
/// five cheap statistics of the centred crop of at most 256x256 pixels at
/// native resolution; the image counts as upscaled when any of them passes
/// its threshold (score > 1). The statistics, their thresholds (chosen on
/// the shared data at about 1% false positives) and what they detect are in
/// docs/default-model.md ("Notes"). Images with a side under 64 pixels, or a
/// constant crop, are not assessed.
public enum UpscaleTest {
    static let crop = 256, minSide = 64
    static let topBand = 0.875, fMin = 0.03, gridGuard = 1.5, combFloor = 2.0
    static let tTopDB = 6.5, tP1D1 = 10.0, tP1D2 = 12.2, tP2D1 = 1.75, tDCTDB = 1.5
    /// E|C| of an orthonormal DCT coefficient of rounding noise (variance 1/12).
    static let dctNoise = (1.0 / (6.0 * Double.pi)).squareRoot()

    public struct Statistics: Sendable, Equatable {
        /// Level of the top band of the windowed spectrum above 8-bit rounding noise (dB).
        public var topDB: Double
        /// Mean level of the 8x8 block-DCT rings 3 ... 7 above rounding noise (dB).
        public var dctDB: Double
        /// Periodicity of |first| and |second difference| at frequencies off the JPEG grid.
        public var p1d1: Double
        public var p1d2: Double
        /// |first difference| peak at 1/4 or 1/2 over the JPEG comb at 1/8 and 3/8.
        public var p2d1: Double

        /// The largest statistic in units of its threshold (> 1: upscaled).
        public var score: Double {
            max(pow(10, (UpscaleTest.tTopDB - topDB) / 10), p1d1 / UpscaleTest.tP1D1, p1d2 / UpscaleTest.tP1D2,
                p2d1 / UpscaleTest.tP2D1, pow(10, (UpscaleTest.tDCTDB - dctDB) / 10))
        }
    }

    /// The score (> 1: upscaled), or nil when the image is not assessed.
    public static func score(_ image: GrayImage) -> Double? { statistics(image)?.score }

    public static func statistics(_ g: GrayImage) -> Statistics? {
        let H = g.height, W = g.width
        guard min(H, W) >= minSide else { return nil }
        let c = min(crop, H, W)
        let y0 = (H - c) / 2, x0 = (W - c) / 2
        var X = [Double](repeating: 0, count: c * c)
        var lo = 255.0, hi = 0.0
        for r in 0..<c {
            for k in 0..<c {
                let v = Double(g[x0 + k, y0 + r])
                X[r * c + k] = v
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        guard hi > lo, let top = topBandDB(X, c) else { return nil }
        let (vx1, f1) = residualSpectrum(X, c, order: 1, columns: true)
        let (vy1, _) = residualSpectrum(X, c, order: 1, columns: false)
        let (vx2, f2) = residualSpectrum(X, c, order: 2, columns: true)
        let (vy2, _) = residualSpectrum(X, c, order: 2, columns: false)
        let p2 = min(comb(vx1, f1, c - 1), comb(vy1, f1, c - 1))
        return Statistics(topDB: top, dctDB: dctRingDB(g), p1d1: offGridPeak(vx1, vy1, f1, c - 1),
                          p1d2: offGridPeak(vx2, vy2, f2, c - 2), p2d1: p2)
    }

    /// numpy.hanning(n).
    static func hann(_ n: Int) -> [Double] {
        (0..<n).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n - 1)) }
    }

    /// Test 1: the empty top band of the Hann-windowed marginal spectrum.
    static func topBandDB(_ X: [Double], _ c: Int) -> Double? {
        let w = hann(c)
        let mean = X.reduce(0, +) / Double(X.count)
        let hw = c / 2 + 1
        guard let inRaw = fftw_malloc(c * c * 8), let outRaw = fftw_malloc(c * hw * 16) else { return nil }
        defer { fftw_free(inRaw); fftw_free(outRaw) }
        let z = inRaw.bindMemory(to: Double.self, capacity: c * c)
        let F = outRaw.bindMemory(to: fftw_complex.self, capacity: c * hw)
        for i in 0..<c { for j in 0..<c { z[i * c + j] = (X[i * c + j] - mean) * w[i] * w[j] } }
        guard FFT.transform2D(width: c, height: c, input: z, output: F) else { return nil }
        // P[ky][kx] for kx > c/2 equals P[(c - ky) % c][c - kx]
        var px = [Double](repeating: 0, count: c), py = [Double](repeating: 0, count: c)
        for ky in 0..<c {
            for kx in 0..<hw {
                let (re, im) = F[ky * hw + kx]
                let p = re * re + im * im
                px[kx] += p
                py[ky] += p
                let mirrorX = (c - kx) % c
                if kx != 0 && kx != c - kx && mirrorX >= hw {   // the conjugate half, not stored
                    px[mirrorX] += p
                    py[(c - ky) % c] += p
                }
            }
        }
        let h = c / 2
        let c3 = Double(c) * Double(c) * Double(c)
        var sum = 0.0, count = 0
        for k in 0...h where Double(k) / Double(h) >= topBand {
            let s = (px[k] + py[k] + px[(c - k) % c] + py[(c - k) % c]) / 2
            sum += 10 * log10(s / c3 + 1e-12)
            count += 1
        }
        let w2 = w.reduce(0) { $0 + $1 * $1 }
        let floorDB = 10 * log10((1.0 / 12.0) * w2 * w2 / (Double(c) * Double(c)))
        return sum / Double(count) - floorDB
    }

    /// The spectrum of the mean |difference| profile along rows (one value
    /// per column) or along columns, normalised by its median; and the
    /// frequencies (cycles per pixel).
    static func residualSpectrum(_ X: [Double], _ c: Int, order: Int, columns: Bool) -> ([Double], [Double]) {
        let m = c - order
        var d = [Double](repeating: 0, count: m)
        for line in 0..<c {
            for k in 0..<m {
                func at(_ i: Int) -> Double { columns ? X[line * c + i] : X[i * c + line] }
                let v = order == 1 ? at(k + 1) - at(k) : at(k + 2) - 2 * at(k + 1) + at(k)
                d[k] += abs(v)
            }
        }
        for k in 0..<m { d[k] /= Double(c) }
        let mean = d.reduce(0, +) / Double(m)
        let w = hann(m)
        let z = (0..<m).map { (d[$0] - mean) * w[$0] }
        let nf = m / 2 + 1
        var V = [Double](repeating: 0, count: nf)
        for f in 0..<nf {
            var re = 0.0, im = 0.0
            for t in 0..<m {
                let a = -2 * Double.pi * Double(f) * Double(t) / Double(m)
                re += z[t] * cos(a)
                im += z[t] * sin(a)
            }
            V[f] = (re * re + im * im).squareRoot()
        }
        let freqs = (0..<nf).map { Double($0) / Double(m) }
        let sel = (0..<nf).filter { freqs[$0] >= fMin }.map { V[$0] }.sorted()
        let med = sel.isEmpty ? 0 : sel.count % 2 == 1 ? sel[sel.count / 2] : (sel[sel.count / 2 - 1] + sel[sel.count / 2]) / 2
        return (med > 0 ? V.map { $0 / med } : [Double](repeating: 0, count: nf), freqs)
    }

    /// The largest min(Vx, Vy) away from low frequencies and the JPEG grid j/8.
    static func offGridPeak(_ vx: [Double], _ vy: [Double], _ f: [Double], _ m: Int) -> Double {
        var best = 0.0
        for i in f.indices where f[i] >= fMin {
            let grid = (0...4).map { abs(f[i] - Double($0) / 8) }.min()!
            if grid > gridGuard / Double(m) { best = max(best, min(vx[i], vy[i])) }
        }
        return best
    }

    /// Peak at 1/4 or 1/2 over the JPEG comb (1/8, 3/8, at least combFloor).
    static func comb(_ v: [Double], _ f: [Double], _ m: Int) -> Double {
        func peak(_ f0: Double) -> Double {
            var b = 0.0
            for i in f.indices where abs(f[i] - f0) <= 1.0 / Double(m) + 1e-12 { b = max(b, v[i]) }
            return b
        }
        return max(peak(0.25), peak(0.5)) / max(combFloor, peak(0.125), peak(0.375))
    }

    /// Test 5: the 8x8 block DCT of the crop aligned to the image's 8-pixel
    /// grid; the mean over rings max(u, v) = 3 ... 7 of 20 log10(mean |C| / noise).
    static func dctRingDB(_ g: GrayImage) -> Double {
        let H = g.height, W = g.width
        let c = min(crop, H, W) / 8 * 8
        let y0 = (H - c) / 2 / 8 * 8, x0 = (W - c) / 2 / 8 * 8
        var D = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 8)
        for u in 0..<8 {
            for x in 0..<8 {
                D[u][x] = (u == 0 ? (1.0 / 8).squareRoot() : 0.5) * cos(Double(2 * x + 1) * Double(u) * Double.pi / 16)
            }
        }
        var A = [Double](repeating: 0, count: 64)
        var block = [Double](repeating: 0, count: 64), t = [Double](repeating: 0, count: 64)
        let nb = (c / 8) * (c / 8)
        for by in 0..<(c / 8) {
            for bx in 0..<(c / 8) {
                for y in 0..<8 {
                    for x in 0..<8 { block[y * 8 + x] = Double(g[x0 + bx * 8 + x, y0 + by * 8 + y]) - 128 }
                }
                // t = D * B (rows u, columns x), then C = t * D^T
                for u in 0..<8 { for x in 0..<8 {
                    var s = 0.0
                    for k in 0..<8 { s += D[u][k] * block[k * 8 + x] }
                    t[u * 8 + x] = s
                } }
                for u in 0..<8 { for v in 0..<8 {
                    var s = 0.0
                    for k in 0..<8 { s += t[u * 8 + k] * D[v][k] }
                    A[u * 8 + v] += abs(s)
                } }
            }
        }
        var e = 0.0
        for ring in 3...7 {
            var s = 0.0, n = 0
            for u in 0..<8 { for v in 0..<8 where max(u, v) == ring { s += A[u * 8 + v] / Double(nb); n += 1 } }
            e += 20 * log10(s / Double(n) / dctNoise + 1e-12)
        }
        return e / 5
    }
}
