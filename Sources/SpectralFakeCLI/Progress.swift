#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error, drawn only when standard
/// error is a terminal: count (of the total when known), images per second
/// and the time left. Redrawn at most ten times a second.
final class Progress {
    private let enabled: Bool
    private let total: Int?
    private let start = Progress.now()
    private var lastDraw = 0.0
    private(set) var done = 0
    private let label: String

    init(total: Int?, label: String = "images", enabled: Bool = Output.stderrIsTerminal) {
        self.total = total
        self.enabled = enabled
        self.label = label
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    func step() {
        done += 1
        guard enabled else { return }
        let t = Progress.now()
        if t - lastDraw < 0.1 && done != total { return }
        lastDraw = t
        draw(t)
    }

    private func draw(_ t: Double) {
        let elapsed = max(t - start, 1e-9)
        let rate = Double(done) / elapsed
        var s = "\r"
        if let total, total > 0 {
            let width = 24
            let filled = min(width, done * width / total)
            s += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
            s += "\(done)/\(total) \(label)"
            if rate > 0 && done < total {
                let left = Int((Double(total - done) / rate).rounded())
                s += String(format3: rate) + "  ETA \(left / 60):" + (left % 60 < 10 ? "0" : "") + "\(left % 60)"
            } else {
                s += String(format3: rate)
            }
        } else {
            s += "\(done) \(label)" + String(format3: rate)
        }
        s += "\u{1B}[K"
        Output.errRaw(s)
    }

    /// Clears the bar (call before printing anything else to standard error).
    func finish() {
        guard enabled, done > 0 || total != nil else { return }
        Output.errRaw("\r\u{1B}[K")
    }
}

private extension String {
    init(format3 rate: Double) {
        let r = (rate * 10).rounded() / 10
        self = "  \(r) \(r == 1 ? "image" : "images")/s"
    }
}
