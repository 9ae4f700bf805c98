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
/// wanted and rewritten atomically (a new file renamed over the old one)
/// when a new size has been measured. A missing, stale or corrupt file is
/// ignored. `SPECTRALFAKE_FFT_WISDOM` names another file, or turns the
/// cache off with `off`; `sf_fft_wisdom_set` does the same at run time.
///
/// ESTIMATE plans never see wisdom (FFTW would otherwise use measured
/// wisdom for them too): wisdom is imported only around the making of
/// MEASURE plans and forgotten right after, under the one planner lock, so
/// `fft_planning = "estimate"` stays bit-reproducible.
public enum FFTWisdom {
    public static let environmentVariable = "SPECTRALFAKE_FFT_WISDOM"

    struct State {
        var configured = false
        var path: String? = nil
    }

    /// Every call into FFTW's planner (making and destroying plans, wisdom)
    /// holds this lock; it is recursive, as a plan may be destroyed while
    /// plans are being made.
    private static let planner = RecursiveLocked<State>(State())

    /// Runs `body` holding the planner lock (fftw_plan_* and
    /// fftw_destroy_plan outside FFTPlans).
    static func withPlannerLock<R>(_ body: () -> R) -> R {
        planner.withLock { _ in body() }
    }

    /// The wisdom file in use (nil: no persistence).
    public static var path: String? {
        planner.withLock { s in
            configure(&s)
            return s.path
        }
    }

    /// Sets the wisdom file: nil turns persistence off, "" restores the
    /// default (environment variable, then the per-user cache file).
    public static func set(path: String?) {
        planner.withLock { s in
            s.configured = true
            if let p = path, p.isEmpty {
                s.path = defaultPath()
            } else {
                s.path = path
            }
        }
    }

    private static func configure(_ s: inout State) {
        guard !s.configured else { return }
        s.configured = true
        s.path = defaultPath()
    }

    /// The environment's choice, else the per-user cache file.
    static func defaultPath() -> String? {
        if let v = getenv(environmentVariable).map({ String(cString: $0) }) {
            let t = v.trimmingSpaces
            if t.isEmpty || ["off", "0", "no", "none", "false"].contains(t.lowercased()) { return nil }
            return t
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
        return "\(base)/spectralfake/fftw-wisdom-\(version)-\(cpuTag())"
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
        let file: String
        let text: String
    }

    /// Makes plans under the planner lock. MEASURE plans: the wisdom file is
    /// imported first (a measured size then costs only a lookup) and
    /// forgotten after; when the wisdom grew, `pending` holds it for `save`.
    /// `wisdomOnly`: only from wisdom (nil when it does not hold this size).
    static func makePlans(width: Int, height: Int, flags: UInt32,
                          wisdomOnly: Bool = false) -> (plans: FFTPlans?, pending: Pending?) {
        planner.withLock { s in
            configure(&s)
            let measuring = flags & UInt32(FFTW_ESTIMATE) == 0
            guard measuring else { return (FFTPlans(width: width, height: height, flags: flags), nil) }
            let file = s.path
            var before: String? = nil
            if let file {
                _ = fftw_import_wisdom_from_filename(file)   // 0: missing, stale or corrupt: ignored
                before = exportWisdom()
            }
            defer { fftw_forget_wisdom() }
            let plans = FFTPlans(width: width, height: height,
                                 flags: wisdomOnly ? flags | UInt32(FFTW_WISDOM_ONLY) : flags)
            guard let file, plans != nil, !wisdomOnly, let after = exportWisdom(), after != before else {
                return (plans, nil)
            }
            return (plans, Pending(file: file, text: after))
        }
    }

    /// Writes pending wisdom to its file (atomically), unless the file was
    /// changed or turned off meanwhile.
    static func save(_ pending: Pending) {
        planner.withLock { s in
            guard s.path == pending.file else { return }
            save(pending.text, to: pending.file)
        }
    }

    private static func exportWisdom() -> String? {
        guard let p = fftw_export_wisdom_to_string() else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Writes `text` to `file` atomically: a temporary file in the same
    /// folder, then rename. Failures are silent (the cache is an optimisation).
    private static func save(_ text: String, to file: String) {
        guard let slash = file.lastIndex(of: "/") else { return }
        let dir = String(file[..<slash])
        if !dir.isEmpty { makeDirectories(dir) }
        let tmp = "\(file).tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        var ok = true
        var bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n <= 0 { ok = false; break }
            off += n
        }
        ok = fsync(fd) == 0 && ok
        close(fd)
        if !ok || rename(tmp, file) != 0 { unlink(tmp) }
        bytes.removeAll()
    }

    private static func makeDirectories(_ dir: String) {
        var path = ""
        for part in dir.split(separator: "/", omittingEmptySubsequences: true) {
            path += "/" + part
            mkdir(path, 0o755)   // EEXIST and the like: the open that follows tells
        }
    }
}

/// A value protected by a recursive pthread mutex.
final class RecursiveLocked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attr)
        pthread_mutexattr_destroy(&attr)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&value)
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
