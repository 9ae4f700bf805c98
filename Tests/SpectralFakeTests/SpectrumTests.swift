import Testing
@testable import SpectralFakeCore
import CSFKernels
#if canImport(Glibc)
import Glibc
#endif

/// The ring map built in integer arithmetic against the published
/// definition, floor(np.hypot(dx, dy)), element by element.
@Suite struct RingMapTests {
    static func hypotBin(_ row: Int, _ col: Int, _ cx: Double, _ cy: Double, _ bins: Int) -> Int {
        let b = Int(hypot(Double(col) - cx, Double(row) - cy))
        return (b >= 1 && b <= bins) ? b - 1 : bins
    }

    @Test(arguments: [(9, 9), (10, 13), (64, 48), (128, 128), (255, 256), (1000, 37), (37, 1000), (333, 257), (34000, 9), (140000, 5)])
    func ringMapMatchesHypot(size: (Int, Int)) throws {
        let (w, h) = size
        for center in [RadialCenter.reference, .dc] {
            let map = try RadialBinMap(width: w, height: h, center: center)
            let (cx, cy) = RadialBinMap.center(width: w, height: h, center)
            let bins = map.binCount
            #expect(RadialBinMap.maxBin(width: w, height: h, center: center) ==
                    Int(max(hypot(cx, cy), hypot(Double(w - 1) - cx, Double(h - 1) - cy))))
            let hw = w / 2 + 1, last = (w - 1) / 2
            var mismatches = 0
            for kx in 0..<hw {
                for ky in 0..<h {
                    let own = RingMapTests.hypotBin((ky + h / 2) % h, (kx + w / 2) % w, cx, cy, bins)
                    let mirror = kx >= 1 && kx <= last
                        ? RingMapTests.hypotBin(((h - ky) % h + h / 2) % h, (w - kx + w / 2) % w, cx, cy, bins) : bins
                    let i = kx * h + ky
                    let (o, m) = map.bins(at: i)
                    if o != own || m != mirror { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "\(w)x\(h) \(center)")
        }
    }

    @Test func isqrtIsExact() {
        for n in [0, 1, 2, 3, 4, 15, 16, 17, 1 << 40, (1 << 40) - 1, (1 << 50) + 12345, 4_503_599_627_370_495] {
            let s = RadialBinMap.isqrt(n)
            #expect(s * s <= n && (s + 1) * (s + 1) > n, "\(n)")
        }
    }
}

/// The ring accumulator, both ways (the two passes of small spectra and the
/// column kernel), against the plain definition of its result: per
/// slot the mantissas of |F + eps|^2 multiplied in (kx, ky) order and the
/// exponents added, lanes combined as in `finish`, bit for bit: on typical
/// spectra, on spectra with values far outside the range multiplied in as
/// they are (subnormal, tiny, huge), and on spectra whose every value sits at
/// the top or the bottom of that range (the largest growth of a product
/// between renormalisations); the column kernel giving the same products
/// whatever its bound (-1: every factor split); zero, infinite and NaN
/// coefficients named in the error.
@Suite struct RadialAccumulatorTests {
    enum Kind { case typical, wild, top, bottom }

    /// Deterministic values: `typical` |F|^2 near 2^shift; `wild` also some
    /// anywhere in the double range and some with a subnormal |F|^2 (use
    /// epsilon 0); `top`/`bottom`: every |F|^2 has exponent shift + bound /
    /// shift - bound (epsilon 0).
    static func spectrum(_ map: RadialBinMap, seed: UInt64, _ kind: Kind, bound: Int? = nil) -> [Double] {
        let h = map.height, hw = map.halfWidth
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        /// |F| with |F|^2 of exponent t and a mantissa from u in [0, 1)
        func magnitude(_ t: Int, _ u: Double) -> Double {
            t % 2 == 0 ? Double(sign: .plus, exponent: t / 2, significand: 1 + 0.414 * u)
                       : Double(sign: .plus, exponent: (t - 1) / 2, significand: 1.415 + 0.58 * u)
        }
        var out = [Double](repeating: 0, count: 2 * h * hw)
        for i in 0..<(h * hw) {
            let u = Double(next() % 1_000_000) / 1_000_000
            let sign: Double = next() & 1 == 0 ? 1 : -1
            switch kind {
            case .top, .bottom:
                let b = bound ?? map.rawBound
                out[2 * i] = sign * magnitude(kind == .top ? map.shift + b : map.shift - b, u)
                continue
            case .typical, .wild:
                break
            }
            var mag = magnitude(map.shift + Int(next() % 9) - 4, u)
            if kind == .wild {
                switch next() % 16 {
                case 0: mag = Double(sign: .plus, exponent: Int(next() % 1000) - 500, significand: 1 + u)
                case 1: mag = Double(sign: .plus, exponent: -520 - Int(next() % 10), significand: 1 + u)   // |F|^2 subnormal
                case 2: mag = Double(sign: .plus, exponent: 500 + Int(next() % 10), significand: 1 + u)    // |F|^2 near 2^1000+
                default: break
                }
            }
            out[2 * i] = sign * mag * u
            out[2 * i + 1] = mag * (1 - u * u).squareRoot()
        }
        return out
    }

    static func accumulate(_ map: RadialBinMap, _ spec: [Double], _ eps: Double, twoPass: Bool = true) throws -> [Double] {
        var acc = try RadialAccumulator(map: map, epsilon: eps, twoPass: twoPass)
        let h = map.height
        spec.withUnsafeBufferPointer { sp in
            var kx0 = 0
            while kx0 < map.halfWidth {   // in blocks of 3 columns: renormalisation across block edges
                let n = min(3, map.halfWidth - kx0)
                acc.add(firstColumn: kx0, count: n, columns: sp.baseAddress! + 2 * kx0 * h)
                kx0 += n
            }
        }
        return try acc.finish()
    }

    /// The definition: per slot (mantissa product renormalised each step,
    /// exponent sum), then the lanes combined as `finish` does.
    static func reference(_ map: RadialBinMap, _ spec: [Double], _ eps: Double) -> [Double] {
        let h = map.height, slots = 4 * (map.binCount + 1)
        var p = [Double](repeating: 1, count: slots), e = [Int64](repeating: 0, count: slots)
        func split(_ v: Double) -> (Double, Int64) {
            var x = v, shift: Int64 = 0
            if x.isSubnormal { x *= 0x1p64; shift = 64 }
            return (Double(sign: .plus, exponent: 0, significand: x.significand), Int64(x.exponent) - shift)
        }
        for kx in 0..<map.halfWidth {
            for ky in 0..<h {
                let re = spec[2 * (kx * h + ky)] + eps, im = spec[2 * (kx * h + ky) + 1]
                let (m, x) = split(re * re + im * im)
                let i = kx * h + ky
                let (o, r) = map.bins(at: i)
                for s in [4 * o + (ky & 1), 4 * r + 2 + (ky & 1)] {
                    let q = p[s] * m
                    p[s] = Double(sign: .plus, exponent: 0, significand: q.significand)
                    e[s] += x + Int64(q.exponent)
                }
            }
        }
        return (0..<map.binCount).map { b in
            var prod = 1.0, expo: Int64 = 0
            for lane in 0..<4 {
                let q = prod * p[4 * b + lane]
                expo += e[4 * b + lane] + Int64(q.exponent)
                prod = Double(sign: .plus, exponent: 0, significand: q.significand)
            }
            return 10 * (log(prod) + Double(expo) * 0.693147180559945309417232121458176568) / map.counts[b]
        }
    }

    @Test(arguments: [(9, 9), (64, 48), (128, 128), (37, 1000), (1000, 37), (257, 256), (513, 500), (34000, 9), (140000, 5)])
    func matchesTheDefinitionBitForBit(size: (Int, Int)) throws {
        let (w, h) = size
        let map = try RadialBinMap(width: w, height: h, center: .reference)
        #expect(map.rawBound >= 10, "\(w)x\(h): bound \(map.rawBound)")
        #expect((map.schedule != nil) == (map.packed != nil && h * (w / 2 + 1) <= RingSchedule.maxElements))
        // with a schedule, both the two passes and the column kernel; top
        // and bottom at the bound of the path under test
        for twoPass in map.schedule != nil ? [true, false] : [false] {
            for kind in [Kind.typical, .wild, .top, .bottom] {
                let eps = kind == .typical ? 1e-8 : 0
                let spec = RadialAccumulatorTests.spectrum(map, seed: UInt64(w * 7919 + h), kind,
                                                           bound: twoPass ? RingSchedule.bound : map.rawBound)
                let got = try RadialAccumulatorTests.accumulate(map, spec, eps, twoPass: twoPass)
                let want = RadialAccumulatorTests.reference(map, spec, eps)
                #expect(got.count == want.count)
                let differing = zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(w)x\(h) \(kind) two-pass \(twoPass): \(differing) of \(got.count) bins differ")
            }
        }
    }

    @Test func badCoefficientsAreNamed() throws {
        let map = try RadialBinMap(width: 40, height: 30, center: .reference)
        for bad in [0.0, Double.infinity, Double.nan] {
            var spec = RadialAccumulatorTests.spectrum(map, seed: 3, .typical)
            spec[2 * (5 * 30 + 3)] = bad   // (ky 3, kx 5), epsilon 0
            spec[2 * (5 * 30 + 3) + 1] = 0
            spec[2 * (9 * 30 + 1)] = bad   // a later one
            spec[2 * (9 * 30 + 1) + 1] = 0
            for twoPass in [true, false] {
                do {
                    _ = try RadialAccumulatorTests.accumulate(map, spec, 0, twoPass: twoPass)
                    Issue.record("no error for \(bad)")
                } catch let e as SFError {
                    #expect(e.status == .nonFinite && e.message.contains("(3, 5)"), "\(bad) two-pass \(twoPass): \(e.message)")
                }
            }
        }
    }

    @Test func theKernelGivesTheSameProductsWhateverItsBound() throws {
        let (w, h) = (96, 80)
        let map = try RadialBinMap(width: w, height: h, center: .reference)
        let spec = RadialAccumulatorTests.spectrum(map, seed: 42, .wild)
        let slots = 4 * (map.binCount + 1)
        var results: [[Double]] = []
        for bound in [-1, 0, 3, 12, map.rawBound] {
            var p = [Double](repeating: 1, count: slots), e = [Int64](repeating: 0, count: slots)
            p.withUnsafeMutableBufferPointer { pp in
                e.withUnsafeMutableBufferPointer { ee in
                    for kx in 0..<map.halfWidth {
                        var bad = 0.0
                        _ = spec.withUnsafeBufferPointer { sp in
                            sfk_accumulate_column_packed(sp.baseAddress! + 2 * kx * h, h, map.packed!.base + kx * h,
                                                         0, Int64(map.shift), Int64(bound),
                                                         pp.baseAddress!, ee.baseAddress!, &bad)
                        }
                        sfk_renormalize(pp.baseAddress!, ee.baseAddress!, 0, 4 * map.binCount)   // every column: safe for any bound
                    }
                }
            }
            results.append((0..<(4 * map.binCount)).flatMap { [p[$0], Double(e[$0])] })
        }
        for r in results.dropFirst() { #expect(r.elementsEqual(results[0]) { $0.bitPattern == $1.bitPattern }) }
    }
}

/// FFTW wisdom: measured plans saved to the file and found at the first use
/// of a size in a later "process" (the plan cache emptied), a corrupt file
/// ignored, and ESTIMATE plans unaffected by wisdom.
@Suite(.serialized) struct WisdomTests {
    static func withWisdomFile(_ body: (String) throws -> Void) rethrows {
        var template = Array("/tmp/sf-wisdom-test-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        let file = dir + "/sub/wisdom"
        let previous = FFTWisdom.path
        FFTWisdom.set(path: Array(file.utf8))
        FFT.checkMeasuredPlans.store(false, ordering: .relaxed)   // timing-free: the logic, not the machine
        defer {
            FFT.checkMeasuredPlans.store(true, ordering: .relaxed)
            FFTWisdom.set(path: previous)
            FFT.trimPlans()
            unlink(file)
            rmdir(dir + "/sub")
            rmdir(dir)
        }
        FFT.trimPlans()
        try body(file)
    }

    static func read(_ file: String) -> String? {
        guard let f = fopen(file, "r") else { return nil }
        defer { fclose(f) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func measuredPlansAreFoundAtTheFirstUse() throws {
        try WisdomTests.withWisdomFile { file in
            #expect(WisdomTests.read(file) == nil)
            let first = try FFT.plans(width: 60, height: 44, planning: .auto)
            #expect(!first.isMeasured, "no wisdom yet: ESTIMATE at the first use")
            let measured = try FFT.plans(width: 60, height: 44, planning: .measure)
            #expect(measured.isMeasured)
            let text = try #require(WisdomTests.read(file))
            #expect(text.hasPrefix("(fftw-3"))
            FFT.trimPlans()   // as a new process would start
            let again = try FFT.plans(width: 60, height: 44, planning: .auto)
            #expect(again.isMeasured, "the wisdom file holds the size: measured plans from the first use")
        }
    }

    @Test func autoMeasuresAtTheEighthUseAndSaves() throws {
        try WisdomTests.withWisdomFile { file in
            var plans: [FFTPlans] = []
            for _ in 0..<FFT.measureAfterUses { plans.append(try FFT.plans(width: 50, height: 30, planning: .auto)) }
            #expect(plans.dropLast().allSatisfy { !$0.isMeasured })
            #expect(plans.last!.isMeasured)
            #expect(WisdomTests.read(file)?.hasPrefix("(fftw-3") == true)
        }
    }

    @Test func aCorruptFileIsIgnoredAndReplaced() throws {
        try WisdomTests.withWisdomFile { file in
            mkdir(String(file[..<file.lastIndex(of: "/")!]), 0o755)
            let f = fopen(file, "w")!
            fputs("(fftw-3.3.10 fftw_wisdom (garbage", f)
            fclose(f)
            let p = try FFT.plans(width: 40, height: 40, planning: .auto)
            #expect(!p.isMeasured)
            let m = try FFT.plans(width: 40, height: 40, planning: .measure)
            #expect(m.isMeasured)
            let text = try #require(WisdomTests.read(file))
            #expect(text.hasPrefix("(fftw-3") && !text.contains("garbage"))
        }
    }

    @Test func estimateIgnoresWisdom() throws {
        let img = testImage(72, 56, seed: 5)
        let settings = FeatureSettings(preset: .facesHQ)
        let before = try FeatureExtractor.radialProfile(of: img, settings: settings, planning: .estimate)
        try WisdomTests.withWisdomFile { _ in
            _ = try FFT.plans(width: 72, height: 56, planning: .measure)
            let after = try FeatureExtractor.radialProfile(of: img, settings: settings, planning: .estimate)
            #expect(before == after, "bit-identical")
            FFT.trimPlans()
            let fresh = try FeatureExtractor.radialProfile(of: img, settings: settings, planning: .estimate)
            #expect(before == fresh, "bit-identical with the wisdom file present")
        }
    }
}

