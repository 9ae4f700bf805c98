import CSpectralFakeABI
import Testing
@testable import SpectralFake
@testable import SpectralFakeCore

/// Many threads extract features of different image sizes and score with one
/// shared model through the exported ABI, while FFT plans (including the
/// switch to MEASURE plans) and radial bin maps are created for new sizes.
/// `make test-tsan` runs this under ThreadSanitizer.
@Suite struct StressTests {
    static let modelJSON = """
    {"format": "spectralfake-model", "format_version": 1,
     "features": {"preset": "celeba", "n": 80, "epsilon": 1e-08, "center": "reference", "normalize": "first",
                  "crop": "none", "interpolate": true, "n_features": 80},
     "classes": [0, 1], "fake_class": 1,
     "scaler": {"type": "standard", "mean": [\((0..<80).map { _ in "0.5" }.joined(separator: ", "))],
                "scale": [\((0..<80).map { _ in "0.25" }.joined(separator: ", "))]},
     "classifier": {"type": "calibrated", "method": "isotonic", "x": [-3, 0, 3], "y": [0, 0.4, 1],
                    "base": {"type": "svc", "kernel": "rbf", "gamma": 0.05,
                             "support_vectors": [[\((0..<80).map { String(Double($0) / 80) }.joined(separator: ", "))],
                                                 [\((0..<80).map { String(1 - Double($0) / 80) }.joined(separator: ", "))]],
                             "dual_coef": [-1.0, 1.0], "intercept": 0.1, "probability": null}}}
    """

    @Test func sharedModelAndNewSizesFromManyThreads() throws {
        var err = sf_error()
        var model: OpaquePointer? = nil
        let json = Array(Self.modelJSON.utf8)
        let st = json.withUnsafeBytes { sf_model_load_memory(nil, $0.baseAddress, $0.count, &model, &err) }
        #expect(st == SF_OK)
        defer { sf_model_free(model) }
        var limits = sf_limits()
        _ = sf_limits_init(&limits, MemoryLayout<sf_limits>.size, nil)
        limits.fft_planning = 0  // auto: sizes switch to MEASURE plans during the run
        // sizes unlikely to be cached by other tests, so plans are made here
        let sizes = (0..<12).map { (37 + 7 * $0, 41 + 5 * $0) }
        let images = sizes.enumerated().map { testImage($1.0, $1.1, seed: UInt64(100 + $0)) }
        let count = 480
        // one slot per item, written by exactly one thread
        let decisions = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
        decisions.initialize(repeating: .nan)
        let featureCounts = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        featureCounts.initialize(repeating: 0)
        defer {
            decisions.deallocate()
            featureCounts.deallocate()
        }
        nonisolated(unsafe) let dOut = decisions
        nonisolated(unsafe) let fOut = featureCounts
        nonisolated(unsafe) let m = model
        nonisolated(unsafe) let lp = withUnsafePointer(to: &limits) { $0 }
        Parallel.forEach(count: count, threads: 8) { i in
            let img = images[i % images.count]
            var e = sf_error()
            var score = sf_score()
            _ = sf_score_init(&score, MemoryLayout<sf_score>.size, nil)
            let s = img.pixels.withUnsafeBytes { raw in
                sf_model_score_pixels(m, lp, raw.baseAddress, raw.count, UInt32(img.width), UInt32(img.height),
                                      img.width, 0, &score, &e)
            }
            if s == SF_OK { dOut[i] = score.decision }
            var settings = FeatureSettings(preset: FeatureSettings.Preset.allCases[i % 4])
            if settings.crop == .centerThird { settings.crop = .none }
            let f = (try? FeatureExtractor.features(of: img, settings: settings)) ?? []
            fOut[i] = f.allSatisfy { $0.isFinite } ? f.count : -1
        }
        for i in 0..<count {
            let j = i % images.count
            #expect(decisions[i].isFinite)
            #expect(abs(decisions[i] - decisions[j]) <= 1e-12)
            #expect(featureCounts[i] > 0)
        }
    }
}
