import Testing
@testable import SpectralFakeCore
#if canImport(Glibc)
import Glibc
#endif

/// A deterministic textured test image.
func testImage(_ w: Int, _ h: Int, seed: UInt64 = 1) -> GrayImage {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    var px = [UInt8](repeating: 0, count: w * h)
    for y in 0..<h {
        for x in 0..<w {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Double((state >> 33) % 32)
            let v = 100 + 60 * sin(Double(x) * 0.21) * cos(Double(y) * 0.13) + noise
            px[y * w + x] = UInt8(max(0, min(255, v)))
        }
    }
    return GrayImage(width: w, height: h, pixels: px)
}

/// The published azimuthal average, written directly (slow, exact per-bin
/// means over the full shifted spectrum computed by a naive DFT).
func naiveProfile(_ img: GrayImage, epsilon: Double = 1e-8, center: RadialCenter = .reference) -> [Double] {
    let w = img.width, h = img.height
    var mag = [Double](repeating: 0, count: w * h)  // shifted
    for ky in 0..<h {
        for kx in 0..<w {
            var re = 0.0, im = 0.0
            for y in 0..<h {
                for x in 0..<w {
                    let a = -2 * Double.pi * (Double(ky * y) / Double(h) + Double(kx * x) / Double(w))
                    let v = Double(img.pixels[y * w + x])
                    re += v * cos(a)
                    im += v * sin(a)
                }
            }
            re += epsilon
            let sy = (ky + h / 2) % h, sx = (kx + w / 2) % w
            mag[sy * w + sx] = 20 * log((re * re + im * im).squareRoot())
        }
    }
    let (cx, cy) = RadialBinMap.center(width: w, height: h, center)
    var sums = [Double: (Double, Int)]()
    var maxBin = 0
    for y in 0..<h {
        for x in 0..<w {
            let b = Int(hypot(Double(x) - cx, Double(y) - cy))
            maxBin = max(maxBin, b)
            let (s, n) = sums[Double(b)] ?? (0, 0)
            sums[Double(b)] = (s + mag[y * w + x], n + 1)
        }
    }
    return (1..<maxBin).map { b in let (s, n) = sums[Double(b)]!; return s / Double(n) }
}

@Suite struct FeatureTests {
    @Test(arguments: [(12, 12), (13, 9), (16, 21), (20, 20), (17, 30)])
    func profileMatchesNaiveDFT(size: (Int, Int)) throws {
        let img = testImage(size.0, size.1)
        for center in RadialCenter.allCases {
            var s = FeatureSettings(preset: .facesHQ)
            s.center = center
            let ours = try FeatureExtractor.radialProfile(of: img, settings: s, planning: .estimate)
            let ref = naiveProfile(img, center: center)
            #expect(ours.count == ref.count)
            for (a, b) in zip(ours, ref) {
                #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(size) \(center): \(a) vs \(b)")
            }
        }
    }

    @Test func profileLengthsOfThePublishedCode() {
        let s = FeatureSettings(preset: .facesHQ)
        #expect(s.profileLength(width: 128, height: 128) == 88)
        #expect(s.profileLength(width: 256, height: 256) == 179)
        #expect(s.profileLength(width: 1024, height: 1024) == 722)
        #expect(s.profileLength(width: 150, height: 100) == 88)
        #expect(s.profileLength(width: 47, height: 33) == 27)
    }

    @Test func binMapCountsEveryPixelOnce() throws {
        for (w, h) in [(9, 9), (10, 7), (64, 64), (33, 50)] {
            for c in RadialCenter.allCases {
                let m = try RadialBinMap(width: w, height: h, center: c)
                let (cx, cy) = RadialBinMap.center(width: w, height: h, c)
                var want = [Double](repeating: 0, count: m.binCount)
                for y in 0..<h {
                    for x in 0..<w {
                        let b = Int(hypot(Double(x) - cx, Double(y) - cy))
                        if b >= 1 && b <= m.binCount { want[b - 1] += 1 }
                    }
                }
                #expect(Array(m.counts.buffer.prefix(m.binCount)) == want, "\(w)x\(h) \(c)")
                #expect(m.counts.buffer.reduce(0, +) == Double(w * h))
            }
        }
    }

    @Test func presetsAreThePublishedSettings() {
        let c = FeatureSettings(preset: .celeba)
        #expect(c.n == 80 && c.normalize == .first && c.interpolate && c.crop == .none && c.epsilon == 1e-8)
        let f = FeatureSettings(preset: .facesHQ)
        #expect(!f.interpolate && f.normalize == .none)
        let p = FeatureSettings(preset: .ffpp)
        #expect(p.n == 300 && p.crop == .centerThird && p.normalize == .first)
        let u = FeatureSettings(preset: .upconv)
        #expect(u.n == 88 && u.normalize == .minmax)
        #expect(p.croppedSize(width: 100, height: 10) == (33, 3, 34, 4))
    }

    @Test func featuresAreNormalisedAndFinite() throws {
        let img = testImage(128, 128)
        let v = try FeatureExtractor.features(of: img, settings: .default)
        #expect(v.count == 80)
        #expect(v[0] == 1)
        #expect(v.allSatisfy { $0.isFinite })
        var mm = FeatureSettings(preset: .upconv)
        mm.n = 50
        let u = try FeatureExtractor.features(of: img, settings: mm)
        #expect(u.min() == 0 && u.max() == 1)
    }

    @Test func planningPoliciesAgree() throws {
        let img = testImage(96, 64)
        let a = try FeatureExtractor.features(of: img, settings: .default, planning: .estimate)
        let b = try FeatureExtractor.features(of: img, settings: .default, planning: .measure)
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-13) }
    }

    @Test func badImagesGiveErrors() {
        #expect(throws: SFError.self) { try FeatureExtractor.features(of: testImage(6, 6), settings: .default) }
        let flat = GrayImage(width: 32, height: 32, pixels: [UInt8](repeating: 7, count: 1024))
        do {
            _ = try FeatureExtractor.features(of: flat, settings: .default)
            Issue.record("constant image accepted")
        } catch let e {
            #expect(e.status == .constantImage)
        }
        var s = FeatureSettings.default
        s.n = 0
        #expect(throws: SFError.self) { try s.validate() }
        s = .default
        s.epsilon = .infinity
        #expect(throws: SFError.self) { try s.validate() }
    }
}

@Suite struct InterpolationTests {
    @Test func linspaceIsNumpys() {
        let v = Interpolation.linspace(0, 80, 88)
        #expect(v.count == 88 && v[0] == 0 && v[87] == 80)
        #expect(v[1] == 80.0 / 87.0)
        #expect(Interpolation.linspace(0, 5, 1) == [0])
    }

    @Test func splineReproducesCubicsExactly() {
        // A not-a-knot spline reproduces any cubic polynomial.
        let x = Interpolation.linspace(0, 10, 9)
        let f = { (t: Double) in 0.5 * t * t * t - 2 * t * t + t - 3 }
        let y = x.map(f)
        let xi = Interpolation.linspace(0, 10, 37)
        let s = Interpolation.notAKnotSpline(x: x, y: y, at: xi)
        for (t, v) in zip(xi, s) { #expect(abs(v - f(t)) <= 1e-10 * max(1, abs(f(t)))) }
    }

    @Test func fourPointsGiveTheInterpolatingCubic() {
        let x: [Double] = [0, 1, 2, 3]
        let y: [Double] = [1, 3, 2, 5]
        let s = Interpolation.notAKnotSpline(x: x, y: y, at: [0, 0.5, 1, 2.5, 3])
        // Lagrange cubic through the 4 points
        func lag(_ t: Double) -> Double {
            var r = 0.0
            for i in 0..<4 {
                var l = 1.0
                for j in 0..<4 where j != i { l *= (t - x[j]) / (x[i] - x[j]) }
                r += y[i] * l
            }
            return r
        }
        for (t, v) in zip([0, 0.5, 1, 2.5, 3], s) { #expect(abs(v - lag(t)) < 1e-12) }
    }

    /// The spline computed from scratch, as written before the plans (one
    /// tridiagonal system per call): the plans must give the same bits.
    static func scratchSpline(x: [Double], y: [Double], at xi: [Double]) -> [Double] {
        let n = x.count
        var dx = [Double](repeating: 0, count: n - 1), slope = dx
        for i in 0..<(n - 1) {
            dx[i] = x[i + 1] - x[i]
            slope[i] = (y[i + 1] - y[i]) / dx[i]
        }
        var sub = [Double](repeating: 0, count: n), diag = sub, sup = sub, rhs = sub
        for i in 1..<(n - 1) {
            sub[i] = dx[i]
            diag[i] = 2 * (dx[i - 1] + dx[i])
            sup[i] = dx[i - 1]
            rhs[i] = 3 * (dx[i] * slope[i - 1] + dx[i - 1] * slope[i])
        }
        let d0 = x[2] - x[0], dn = x[n - 1] - x[n - 3]
        diag[0] = dx[1]
        sup[0] = d0
        rhs[0] = ((dx[0] + 2 * d0) * dx[1] * slope[0] + dx[0] * dx[0] * slope[1]) / d0
        diag[n - 1] = dx[n - 3]
        sub[n - 1] = dn
        rhs[n - 1] = (dx[n - 2] * dx[n - 2] * slope[n - 3] + (2 * dn + dx[n - 2]) * dx[n - 3] * slope[n - 2]) / dn
        var c = [Double](repeating: 0, count: n), d = c, s = c
        c[0] = sup[0] / diag[0]
        d[0] = rhs[0] / diag[0]
        for i in 1..<n {
            let m = diag[i] - sub[i] * c[i - 1]
            c[i] = i < n - 1 ? sup[i] / m : 0
            d[i] = (rhs[i] - sub[i] * d[i - 1]) / m
        }
        s[n - 1] = d[n - 1]
        for i in stride(from: n - 2, through: 0, by: -1) { s[i] = d[i] - c[i] * s[i + 1] }
        var out = [Double](repeating: 0, count: xi.count)
        var j = 0
        for (k, t) in xi.enumerated() {
            if j > n - 2 || t < x[j] { j = 0 }
            while j < n - 2 && t >= x[j + 1] { j += 1 }
            let h = dx[j]
            let c2 = (3 * slope[j] - 2 * s[j] - s[j + 1]) / h
            let c3 = (s[j] + s[j + 1] - 2 * slope[j]) / (h * h)
            let u = t - x[j]
            out[k] = ((c3 * u + c2) * u + s[j]) * u + y[j]
        }
        return out
    }

    @Test func cachedPlansGiveTheSplineFromScratchBitForBit() {
        var state: UInt64 = 7
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53 * 120 - 60
        }
        // profile lengths of 9x9 ... 2048x2048 images, n of the presets and others;
        // each plan used twice (built, then from the cache) with fresh values
        for count in [4, 5, 7, 44, 90, 91, 180, 181, 362, 723, 1447] {
            for n in [1, 2, 80, 88, 300, 1000] {
                let x = Interpolation.linspace(0, Double(n), count), xi = Interpolation.linspace(0, Double(n), n)
                for _ in 0..<2 {
                    let y = (0..<count).map { _ in next() }
                    let want = Self.scratchSpline(x: x, y: y, at: xi)
                    let got = Interpolation.featurePlan(count: count, n: n).apply(y)
                    #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "count \(count), n \(n)")
                }
            }
        }
        // irregular points and points outside the range
        let x: [Double] = [-3, -1, 0.5, 2, 2.25, 7, 11]
        let xi: [Double] = [-5, -3, -2.5, 0, 0.5, 1, 2.1, 6.9, 11, 12]
        let y = x.map { _ in next() }
        #expect(Interpolation.notAKnotSpline(x: x, y: y, at: xi).map(\.bitPattern)
                == Self.scratchSpline(x: x, y: y, at: xi).map(\.bitPattern))
    }
}
