import Testing
@testable import SpectralFakeCore
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

    @Test(arguments: [(9, 9), (10, 13), (64, 48), (128, 128), (255, 256), (1000, 37), (37, 1000), (333, 257)])
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
                    let (o, m) = map.bins16.map { (Int($0.own[i]), Int($0.mirror[i])) }
                        ?? (Int(map.bins32!.own[i]), Int(map.bins32!.mirror[i]))
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

/// FFTW wisdom: measured plans saved to the file and found at the first use
/// of a size in a later "process" (the plan cache emptied), a corrupt file
/// ignored, and ESTIMATE plans unaffected by wisdom.
@Suite(.serialized) struct WisdomTests {
    static func withWisdomFile(_ body: (String) throws -> Void) rethrows {
        var template = Array("/tmp/sf-wisdom-test-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        let file = dir + "/sub/wisdom"
        let previous = FFTWisdom.path
        FFTWisdom.set(path: file)
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

