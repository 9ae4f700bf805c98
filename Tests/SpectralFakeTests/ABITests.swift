import CSpectralFakeABI
import Testing
@testable import SpectralFake
@testable import SpectralFakeCore

/// The exported functions called directly (the .so and its export list are
/// exercised by the Python and C tests).
@Suite struct ABITests {
    @Test func statusAndVersionStrings() {
        #expect(String(cString: sf_status_name(7)) == "SF_ERR_TRUNCATED")
        #expect(String(cString: sf_status_name(12345)) == "SF_ERR_UNKNOWN_STATUS")
        #expect(sf_version_number() == UInt32(SF_VERSION_MAJOR * 10000 + SF_VERSION_MINOR * 100 + SF_VERSION_PATCH))
        // every Swift status has a name in the C table
        for s in SFStatus.allCases { #expect(String(cString: sf_status_name(s.rawValue)) != "SF_ERR_UNKNOWN_STATUS") }
    }

    @Test func misuseReturnsErrors() {
        var err = sf_error()
        #expect(sf_context_new(nil, nil, nil, &err) == SF_ERR_INVALID_ARGUMENT)
        var s = sf_settings()
        #expect(sf_settings_init(&s, 8, 0, &err) == SF_ERR_INVALID_ARGUMENT)
        #expect(sf_settings_init(&s, MemoryLayout<sf_settings>.size, 9, &err) == SF_ERR_INVALID_ARGUMENT)
        #expect(sf_settings_init(&s, MemoryLayout<sf_settings>.size, 0, &err) == SF_OK)
        s.normalize = 7
        var ctx: OpaquePointer? = nil
        #expect(sf_context_new(&s, nil, &ctx, &err) == SF_ERR_INVALID_ARGUMENT)
        #expect(ctx == nil)
        let msg = withUnsafeBytes(of: &err.message) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        #expect(msg.contains("normalize"))
    }

    @Test func handlesAreCheckedAndDoubleFreeIsHarmless() {
        var err = sf_error()
        var ctx: OpaquePointer? = nil
        #expect(sf_context_new(nil, nil, &ctx, &err) == SF_OK)
        var n = 0
        #expect(sf_context_feature_count(ctx, 128, 128, &n, &err) == SF_OK && n == 80)
        sf_context_free(ctx)
        sf_context_free(ctx)
        #expect(sf_context_feature_count(ctx, 128, 128, &n, &err) == SF_ERR_INVALID_ARGUMENT)
        // a context passed where an image is expected
        var ctx2: OpaquePointer? = nil
        _ = sf_context_new(nil, nil, &ctx2, &err)
        #expect(sf_image_width(ctx2) == 0)
        sf_context_free(ctx2)
    }

    @Test func bufferProtocol() throws {
        var err = sf_error()
        var ctx: OpaquePointer? = nil
        _ = sf_context_new(nil, nil, &ctx, &err)
        defer { sf_context_free(ctx) }
        let img = testImage(64, 64)
        var count = 0
        let st = img.pixels.withUnsafeBytes { raw in
            sf_features_pixels(ctx, raw.baseAddress, raw.count, 64, 64, 64, 0, nil, 0, &count, &err)
        }
        #expect(st == SF_ERR_BUFFER_TOO_SMALL && count == 80)
        var out = [Double](repeating: .nan, count: 80)
        let st2 = img.pixels.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { o in
                sf_features_pixels(ctx, raw.baseAddress, raw.count, 64, 64, 64, 0, o.baseAddress, 80, &count, &err)
            }
        }
        #expect(st2 == SF_OK && out.allSatisfy { $0.isFinite })
        // a size that does not cover the rows
        let st3 = img.pixels.withUnsafeBytes { raw in
            sf_features_pixels(ctx, raw.baseAddress, 100, 64, 64, 64, 0, nil, 0, &count, &err)
        }
        #expect(st3 == SF_ERR_BUFFER_TOO_SMALL)
    }

    @Test func longMessagesAreTruncatedOnACharacterBoundary() {
        var err = sf_error()
        _ = report(&err, .corrupt, String(repeating: "é", count: 600))
        let s = withUnsafeBytes(of: &err.message) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        #expect(s.utf8.count <= 511 && s.allSatisfy { $0 == "é" })
    }
}
