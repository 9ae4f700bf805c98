import CFFTW
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// FFTW planning, serialised, and FFTW wisdom kept between processes.
///
/// MEASURE plans cost 0.1-0.4 s per image size and differ from process to
/// process; wisdom (FFTW's record of the plans it measured) makes them
/// cheap and the same everywhere. The library keeps it in a per-user cache
/// file, `$XDG_CACHE_HOME/spectralfake/fftw-wisdom-<FFTW version>-<CPU>`
/// (`~/.cache/...` without XDG_CACHE_HOME), read when a MEASURE plan is
/// wanted and rewritten atomically (merged with what the file holds then,
/// written to a fresh temporary file renamed over the old one) when a new
/// size has been measured. A missing, stale or corrupt file is ignored, and
/// so is anything that is not a regular file of at most 16 MiB (it is read
/// without blocking, outside the planner lock). `SPECTRALFAKE_FFT_WISDOM`
/// names another file (made absolute against the working directory), or
/// turns the cache off (`off`, `0`, `no`, `none`, `false` or empty);
/// `sf_fft_wisdom_set` does the same at run time. Paths are bytes, as the
/// file system has them.
///
/// ESTIMATE plans never see wisdom (FFTW would otherwise use measured
/// wisdom for them too): wisdom is imported only around the making of
/// MEASURE plans and forgotten right after, under the one planner lock, so
/// `fft_planning = "estimate"` stays bit-reproducible.
public enum FFTWisdom {
    public static let environmentVariable = "SPECTRALFAKE_FFT_WISDOM"
    /// Larger wisdom files are ignored (real ones are a few KiB).
    static let maxFileBytes = 16 << 20

    struct State {
        var configured = false
        var path: [UInt8]? = nil   // absolute, without NUL
    }

    /// Every call into FFTW's planner (making and destroying plans, wisdom)
    /// holds this lock; it is recursive, as a plan may be destroyed while
    /// plans are being made. No file is read or written under it.
    private static let planner = Locked<State>(State(), recursive: true)

    /// Runs `body` holding the planner lock (fftw_plan_* and
    /// fftw_destroy_plan outside FFTPlans).
    static func withPlannerLock<R>(_ body: () -> R) -> R {
        planner.withLock { _ in body() }
    }

    /// The wisdom file in use, as bytes (nil: no persistence).
    public static var path: [UInt8]? {
        planner.withLock { s in
            configure(&s)
            return s.path
        }
    }

    /// Sets the wisdom file: nil turns persistence off, empty restores the
    /// default (environment variable, then the per-user cache file); a
    /// relative path is taken against the working directory now.
    public static func set(path: [UInt8]?) {
        let resolved: [UInt8]? = path.map { $0.isEmpty ? defaultPath() : absolute($0) } ?? nil
        planner.withLock { s in
            s.configured = true
            s.path = resolved
        }
    }

    private static func configure(_ s: inout State) {
        guard !s.configured else { return }
        s.configured = true
        s.path = defaultPath()
    }

    /// The environment's choice, else the per-user cache file.
    static func defaultPath() -> [UInt8]? {
        if let v = getenv(environmentVariable) {
            let bytes = FileReader.pathBytes(v)
            let t = String(decoding: bytes, as: UTF8.self).trimmingSpaces
            if t.isEmpty || ["off", "0", "no", "none", "false"].contains(t.lowercased()) { return nil }
            return absolute(bytes)
        }
        let base: String
        if let x = getenv("XDG_CACHE_HOME").map({ String(cString: $0) }), x.hasPrefix("/") {
            base = x
        } else if let h = getenv("HOME").map({ String(cString: $0) }), h.hasPrefix("/") {
            base = h + "/.cache"
        } else {
            return nil
        }
        let version = String(cString: sf_fftw_version()).replacingSpaces
        return Array("\(base)/spectralfake/fftw-wisdom-\(version)-\(cpuTag())".utf8)
    }

    /// `p` against the working directory when relative (nil: no directory).
    static func absolute(_ p: [UInt8]) -> [UInt8]? {
        if p.first == UInt8(ascii: "/") { return p }
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return nil }
        let cwd = buf.withUnsafeBufferPointer { FileReader.pathBytes($0.baseAddress!) }
        return cwd + (cwd.last == UInt8(ascii: "/") ? [] : [UInt8(ascii: "/")]) + p
    }

    /// A short tag of the CPU model (wisdom measured on another CPU is
    /// valid but not tuned for this one: it gets its own file).
    static func cpuTag() -> String {
        var model = "unknown"
        if let f = fopen("/proc/cpuinfo", "r") {
            defer { fclose(f) }
            var line = [CChar](repeating: 0, count: 512)
            while fgets(&line, Int32(line.count), f) != nil {
                let s = line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                if s.hasPrefix("model name"), let colon = s.firstIndex(of: ":") {
                    model = String(s[s.index(after: colon)...]).trimmingSpaces
                    break
                }
            }
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325   // FNV-1a
        for b in model.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// New wisdom to write to the file (after the plans were checked).
    struct Pending: Sendable {
        let file: [UInt8]
        let text: String
    }

    /// Makes plans under the planner lock. MEASURE plans: the wisdom file
    /// (read before, outside the lock) is imported first (a measured size
    /// then costs only a lookup) and forgotten after; when the wisdom grew,
    /// `pending` holds it for `save`. `wisdomOnly`: only from wisdom (nil
    /// when it does not hold this size).
    static func makePlans(width: Int, height: Int, flags: UInt32,
                          wisdomOnly: Bool = false) -> (plans: FFTPlans?, pending: Pending?) {
        let measuring = flags & UInt32(FFTW_ESTIMATE) == 0
        guard measuring else {
            return planner.withLock { _ in (FFTPlans(width: width, height: height, flags: flags), nil) }
        }
        let file = path
        let text = file.flatMap(readFile)
        return planner.withLock { _ in
            if let text { _ = fftw_import_wisdom_from_string(text) }   // 0: stale or corrupt: ignored
            defer { fftw_forget_wisdom() }
            let before = file == nil || wisdomOnly ? nil : exportWisdom()   // a lookup saves nothing
            let plans = FFTPlans(width: width, height: height,
                                 flags: wisdomOnly ? flags | UInt32(FFTW_WISDOM_ONLY) : flags)
            guard let file, plans != nil, !wisdomOnly, let after = exportWisdom(), after != before else {
                return (plans, nil)
            }
            return (plans, Pending(file: file, text: after))
        }
    }

    /// Writes pending wisdom to its file, merged with what the file holds
    /// now (another process may have added sizes), unless the wisdom file was
    /// changed or turned off meanwhile. Failures are silent (a cache).
    static func save(_ pending: Pending) {
        guard path == pending.file else { return }
        // one read-merge-write at a time in this process (two threads
        // measuring different sizes would otherwise drop each other's)
        saving.withLock { _ in
            let current = readFile(pending.file)
            let merged: String? = planner.withLock { _ in
                defer { fftw_forget_wisdom() }
                if let current { _ = fftw_import_wisdom_from_string(current) }
                guard fftw_import_wisdom_from_string(pending.text) != 0 else { return nil }
                return exportWisdom()
            }
            if let merged { writeAtomically(merged, to: pending.file) }
        }
    }

    /// Serialises saves (file I/O stays outside the planner lock).
    private static let saving = Locked<Void>(())

    private static func exportWisdom() -> String? {
        guard let p = fftw_export_wisdom_to_string() else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The text of a regular file of at most maxFileBytes (FileReader: read
    /// without blocking; a FIFO or a device is ignored, not waited for).
    static func readFile(_ path: [UInt8]) -> String? {
        let bytes = try? FileReader.withCPath(path) { (p) throws(SFError) in
            try FileReader.read(cPath: p, maxBytes: UInt64(maxFileBytes), what: "the wisdom file's size", limitStatus: .io)
        }
        return bytes.map { String(decoding: $0.buffer, as: UTF8.self) }
    }

    /// Writes `text` to `file` atomically: a fresh temporary file (mkstemp)
    /// in the same folder, synced, then renamed over the old one.
    private static func writeAtomically(_ text: String, to file: [UInt8]) {
        guard let slash = file.lastIndex(of: UInt8(ascii: "/")) else { return }
        makeDirectories(Array(file[..<slash]))
        var template = (file + Array(".tmp.XXXXXX".utf8) + [0]).map { CChar(bitPattern: $0) }
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return }
        _ = fchmod(fd, 0o644)
        var ok = true
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n <= 0 { ok = false; break }
            off += n
        }
        ok = fsync(fd) == 0 && ok
        close(fd)
        if !ok || FileReader.withCPath(file, { rename(template, $0) }) != 0 { unlink(template) }
    }

    /// mkdir -p of an absolute folder (errors: the write that follows tells).
    private static func makeDirectories(_ dir: [UInt8]) {
        var path: [UInt8] = []
        for part in dir.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            path += [UInt8(ascii: "/")] + part
            _ = FileReader.withCPath(path) { mkdir($0, 0o755) }
        }
    }
}

extension String {
    var trimmingSpaces: String {
        let u = unicodeScalars
        guard let a = u.firstIndex(where: { !$0.properties.isWhitespace }),
              let b = u.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(u[a...b])
    }

    var replacingSpaces: String {
        String(unicodeScalars.map { $0.properties.isWhitespace || $0 == "/" ? "_" : Character($0) })
    }
}
