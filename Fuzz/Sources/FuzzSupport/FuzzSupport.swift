// FuzzSupport.swift - what the three harnesses share: the libFuzzer driver
// entry point, the checks that trap on a finding, and small helpers around
// the C-ABI structs.
import CSpectralFakeABI
import SpectralFake
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer). A harness's
/// main.swift calls it with its test function; it parses the command line
/// (corpus directories, -max_total_time, ...) and never returns to Swift
/// except through exit.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The cost check (issue 13): one input that takes longer than this is a
/// finding, like a crash (SF_FUZZ_MAX_MS, default 3000 ms, instrumented
/// code included). Memory is bounded by libFuzzer itself: -rss_limit_mb
/// and -malloc_limit_mb in the Makefile.
let maxMilliseconds: Double = {
    if let v = getenv("SF_FUZZ_MAX_MS"), let ms = Double(String(cString: v)), ms > 0 { return ms }
    return 3000
}()

nonisolated(unsafe) private var harness: (@convention(c) (UnsafePointer<UInt8>?, Int) -> Int32)? = nil

private func nowMilliseconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
}

private func timedOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let t0 = nowMilliseconds()
    let rc = harness!(data, size)
    let ms = nowMilliseconds() - t0
    if ms > maxMilliseconds {
        fuzzFail("cost: one input of \(size) bytes took \(Int(ms)) ms (more than SF_FUZZ_MAX_MS = \(Int(maxMilliseconds)))")
    }
    return rc
}

/// Runs libFuzzer with `testOne` as LLVMFuzzerTestOneInput (under the
/// cost check) and exits with its status.
public func runFuzzer(_ testOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv = Optional(CommandLine.unsafeArgv)
    harness = testOne
    let rc = LLVMFuzzerRunDriver(&argc, &argv) { timedOne($0, $1) }
    exit(rc)
}

/// A finding: print what was violated and trap, so that libFuzzer records
/// the input as a crash.
public func fuzzFail(_ what: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    let text = Array("FUZZ CHECK FAILED (\(file):\(line)): \(what)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    fatalError("fuzz check failed: \(what)", file: file, line: line)
}

/// Traps with `what` unless `condition` holds.
@inline(__always)
public func fuzzCheck(_ condition: Bool, _ what: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fuzzFail(what(), file: file, line: line) }
}

/// The NUL-terminated message of an sf_error as a String.
public func message(_ err: inout sf_error) -> String {
    withUnsafeBytes(of: &err.message) { raw in
        let bytes = raw.bindMemory(to: UInt8.self)
        let n = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<n]), as: UTF8.self)
    }
}

/// True when the message buffer has a NUL (it must always be terminated).
public func messageIsTerminated(_ err: inout sf_error) -> Bool {
    withUnsafeBytes(of: &err.message) { $0.contains(0) }
}

public func statusName(_ s: sf_status) -> String {
    String(cString: sf_status_name(Int32(bitPattern: s.rawValue)))
}

/// Checks the error-reporting contract of a failed call: a non-OK status,
/// err.status equal to it, and a non-empty, NUL-terminated message.
public func checkFailureReport(_ st: sf_status, _ err: inout sf_error, _ call: String,
                               file: StaticString = #fileID, line: UInt = #line) {
    fuzzCheck(st != SF_OK, "\(call): checkFailureReport called for SF_OK", file: file, line: line)
    fuzzCheck(err.status == Int32(bitPattern: st.rawValue),
              "\(call) returned \(statusName(st)) but err.status is \(err.status)", file: file, line: line)
    fuzzCheck(messageIsTerminated(&err), "\(call): error message is not NUL-terminated", file: file, line: line)
    let m = message(&err)
    fuzzCheck(!m.isEmpty, "\(call) returned \(statusName(st)) with an empty message", file: file, line: line)
    fuzzCheck(st != SF_ERR_INTERNAL, "\(call) returned SF_ERR_INTERNAL: \(m)", file: file, line: line)
}

/// Checks the success contract: err.status SF_OK and an empty message.
public func checkSuccessReport(_ err: inout sf_error, _ call: String,
                               file: StaticString = #fileID, line: UInt = #line) {
    fuzzCheck(err.status == 0, "\(call) returned SF_OK but err.status is \(err.status)", file: file, line: line)
    fuzzCheck(message(&err).isEmpty, "\(call) returned SF_OK with a message: \(message(&err))", file: file, line: line)
}

/// sf_limits with the small bounds the harnesses use, so that libFuzzer
/// spends its time on parsing rather than on huge allocations.
public func fuzzLimits(maxPixels: UInt64, maxSide: UInt32 = 32768, maxScans: UInt32 = 50,
                       maxInputBytes: UInt64 = 1 << 20) -> sf_limits {
    var l = sf_limits()
    var err = sf_error()
    let st = sf_limits_init(&l, MemoryLayout<sf_limits>.size, &err)
    fuzzCheck(st == SF_OK, "sf_limits_init failed: \(message(&err))")
    l.max_pixels = maxPixels
    l.max_width = maxSide
    l.max_height = maxSide
    l.max_jpeg_scans = maxScans
    l.max_input_bytes = maxInputBytes
    // ESTIMATE plans: no MEASURE pause when a size recurs, reproducible runs.
    l.fft_planning = Int32(SF_FFT_PLANNING_ESTIMATE.rawValue)
    return l
}

/// A context for `preset` with `limits` (and optionally the DC centre).
public func makeContext(preset: Int32, limits: sf_limits, dcCenter: Bool = false) -> OpaquePointer {
    var s = sf_settings()
    var err = sf_error()
    var st = sf_settings_init(&s, MemoryLayout<sf_settings>.size, preset, &err)
    fuzzCheck(st == SF_OK, "sf_settings_init(\(preset)) failed: \(message(&err))")
    if dcCenter { s.center = Int32(SF_CENTER_DC.rawValue) }
    var l = limits
    var ctx: OpaquePointer? = nil
    st = sf_context_new(&s, &l, &ctx, &err)
    fuzzCheck(st == SF_OK && ctx != nil, "sf_context_new failed: \(message(&err))")
    return ctx!
}

/// Keeps a value alive and observable so the optimiser cannot drop a read.
@inline(never)
public func blackHole<T>(_ x: T) {
    withExtendedLifetime(x) {}
}
