import Foundation
import Testing
@testable import SpectralFakeCore

@Suite struct JSONTests {
    func parse(_ s: String) throws -> JSONValue { try JSONParser.parse(Array(s.utf8)) }

    @Test func parsesValues() throws {
        let v = try parse(#"{"a": [1, -2.5e3, true, null, "x\u00e9\ud83d\ude00"], "b": {}}"#)
        guard case .object(let m) = v else { Issue.record("not an object"); return }
        #expect(m[0].0 == "a")
        #expect(m[0].1 == .array([.number(1), .number(-2500), .bool(true), .null, .string("xé😀")]))
    }

    @Test func numbersRoundTripExactly() throws {
        for d in [0.1, 1e-8, 2.2250738585072014e-308, 1.7976931348623157e308, -0.30000000000000004, 5e-324] {
            #expect(try parse(d.description) == .number(d))
        }
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "NaN", "Infinity", "-Infinity", "1e999", "01", "1.",
                      "\"\\x\"", "{\"a\":1,\"a\":2}", "\"\u{01}\"", "[1] 2", "tru", "\"\\ud800\"",
                      String(repeating: "[", count: 100) + String(repeating: "]", count: 100)])
    func rejectsInvalid(_ text: String) {
        #expect(throws: SFError.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: SFError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }
}

let minimalModel = """
{"format": "spectralfake-model", "format_version": 1,
 "features": {"preset": "celeba", "n": 3, "epsilon": 1e-08, "center": "reference", "normalize": "first",
              "crop": "none", "interpolate": true, "n_features": 3},
 "classes": [0, 1], "fake_class": 1, "scaler": null,
 "classifier": {"type": "linear", "estimator": "LogisticRegression", "coef": [1.0, -2.0, 0.5],
                "intercept": 0.25, "probability": "logistic"},
 "metadata": {"note": "test"}}
"""

@Suite struct ModelTests {
    @Test func scoresALogisticRegression() throws {
        let m = try Model.parse(Array(minimalModel.utf8))
        #expect(m.featureCount == 3 && m.hasProbability && m.classLabels == ["0", "1"])
        let s = try m.score(features: [1, 0.5, 2])
        #expect(s.decision == 1.0 - 1.0 + 1.0 + 0.25)
        #expect(s.isFake && s.classIndex == 1)
        #expect(abs(s.probabilityFake! - 1 / (1 + exp(-1.25))) < 1e-16)
        #expect(throws: SFError.self) { try m.score(features: [1, 2]) }
        #expect(throws: SFError.self) { try m.score(features: [1, .nan, 2]) }
    }

    @Test func errorsNameTheMember() {
        let cases: [(String, String, SFStatus)] = [
            (minimalModel.replacingOccurrences(of: "\"format_version\": 1", with: "\"format_version\": 7"), "format_version 7", .modelVersion),
            (minimalModel.replacingOccurrences(of: "[1.0, -2.0, 0.5]", with: "[1.0, -2.0]"), "classifier.coef", .modelInvalid),
            (minimalModel.replacingOccurrences(of: "\"fake_class\": 1", with: "\"fake_class\": 2"), "fake_class", .modelInvalid),
            (minimalModel.replacingOccurrences(of: "\"scaler\": null", with: "\"scaler\": {\"type\": \"robust\"}"), "scaler.type", .modelInvalid),
            (minimalModel.replacingOccurrences(of: "\"n_features\": 3", with: "\"n_features\": 4"), "n_features", .modelInvalid),
            (minimalModel.replacingOccurrences(of: "\"classes\": [0, 1]", with: "\"classes\": [0, 1, 2]"), "classes", .modelInvalid),
            (minimalModel.replacingOccurrences(of: "\"intercept\": 0.25", with: "\"intercept\": \"x\""), "classifier.intercept", .modelInvalid),
            (minimalModel.replacingOccurrences(of: "\"metadata\"", with: "\"extra\": 1, \"metadata\""), "unknown member \"extra\"", .modelInvalid),
        ]
        for (text, needle, status) in cases {
            do {
                _ = try Model.parse(Array(text.utf8))
                Issue.record("accepted: \(needle)")
            } catch let e {
                #expect(e.status == status, "\(needle): \(e.message)")
                #expect(e.message.contains(needle), "\(needle) not in: \(e.message)")
            }
        }
    }

    @Test func libsvmPairwiseCouplingIsNotThePlainSigmoid() {
        // For k = 2 libsvm's iteration stops at a loose tolerance: p differs from r01.
        let (p0, p1) = ProbabilityModel.coupleTwoClasses(0.9)
        #expect(abs(p0 + p1 - 1) < 1e-12)
        #expect(abs(p0 - 0.9) < 5e-3)
    }

    @Test func interpIsNumpys() {
        let x: [Double] = [0, 1, 2, 4]
        let y: [Double] = [0, 0.5, 0.5, 1]
        #expect(ProbabilityModel.interp(1, x, y) == 0.5)
        #expect(ProbabilityModel.interp(3, x, y) == 0.75)
        #expect(ProbabilityModel.interp(4, x, y) == 1)
        #expect(ProbabilityModel.interp(0.25, x, y) == 0.125)
    }
}

@Suite struct LimitsAndDecoderTests {
    @Test func limitsNameWhatWasSeen() {
        var l = Limits()
        l.maxWidth = 100
        do {
            try l.check(width: 101, height: 5)
            Issue.record("not limited")
        } catch let e {
            #expect(e.status == .limitDimension && e.message.contains("101x5"))
        }
        l = Limits()
        l.maxPixels = 50
        #expect(throws: SFError.self) { try l.check(width: 10, height: 6) }
    }

    @Test func decoderRejectsGarbage() {
        for (bytes, status) in [([UInt8](), SFStatus.emptyInput), ([0xFF, 0xD8, 0xFF], .truncated),
                                (Array("GIF89a......".utf8), .unsupported), ([1, 2, 3, 4, 5], .unknownFormat)] {
            do {
                _ = try ImageDecoder.decode(bytes)
                Issue.record("decoded \(bytes)")
            } catch let e {
                #expect(e.status == status, "\(bytes): \(e.status) \(e.message)")
            }
        }
    }

    @Test func pixelBuffersUseCvtColorArithmetic() throws {
        let rgb: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        let img = try rgb.withUnsafeBytes { raw in
            try GrayImage(pixels: raw, width: 2, height: 2, stride: 6, format: .rgb8)
        }
        // (3735*B + 19235*G + 9798*R + 16384) >> 15
        let last: Int = (3735 * 30 + 19235 * 20 + 9798 * 10 + 16384) >> 15
        let want: [UInt8] = [76, 150, 29, UInt8(last)]
        #expect(img.pixels == want)
        #expect(throws: SFError.self) {
            try rgb.withUnsafeBytes { raw in try GrayImage(pixels: raw, width: 3, height: 2, stride: 6, format: .rgb8) }
        }
    }

    @Test func filesThatAreNotFiles() {
        #expect(throws: SFError.self) { try ImageDecoder.decodeFile("/") }
        #expect(throws: SFError.self) { try ImageDecoder.decodeFile("/nonexistent/x.jpg") }
    }
}

@Suite struct ConcurrencyTests {
    @Test func parallelForEachVisitsEveryIndexOnce() {
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 1000)
        hits.initialize(repeating: 0)
        defer { hits.deallocate() }
        nonisolated(unsafe) let h = hits
        Parallel.forEach(count: 1000, threads: 4) { i in h[i] += 1 }
        #expect(hits.allSatisfy { $0 == 1 })
    }

    @Test func threadsAgreeWithOneThread() throws {
        let sizes = [(31, 47), (64, 64), (100, 150), (128, 128), (129, 131), (200, 64)]
        let imgs = sizes.enumerated().map { testImage($1.0, $1.1, seed: UInt64($0)) }
        let serial = try imgs.map { try FeatureExtractor.features(of: $0, settings: .default, planning: .estimate) }
        let out = UnsafeMutableBufferPointer<[Double]>.allocate(capacity: 60)
        out.initialize(repeating: [])
        defer { out.deallocate() }
        nonisolated(unsafe) let o = out
        Parallel.forEach(count: 60, threads: 6) { i in
            o[i] = (try? FeatureExtractor.features(of: imgs[i % imgs.count], settings: .default, planning: .estimate)) ?? []
        }
        for i in 0..<60 { #expect(out[i] == serial[i % imgs.count]) }
    }

    @Test func cacheEvictsLeastRecentlyUsed() throws {
        final class V: Sendable { let n: Int; init(_ n: Int) { self.n = n } }
        let c = LRUCache<Int, V>(maxEntries: 2, maxCost: 100)
        _ = try c.value(for: 1) { () throws(SFError) in (V(1), 1) }
        _ = try c.value(for: 2) { () throws(SFError) in (V(2), 1) }
        _ = try c.value(for: 1) { () throws(SFError) in (V(-1), 1) }
        _ = try c.value(for: 3) { () throws(SFError) in (V(3), 1) }
        #expect(c.count == 2)
        #expect(try c.value(for: 1) { () throws(SFError) in (V(-1), 1) }.n == 1)
        #expect(try c.value(for: 2) { () throws(SFError) in (V(-2), 1) }.n == -2)
    }
}
