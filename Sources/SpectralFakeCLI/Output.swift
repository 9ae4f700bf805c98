#if canImport(Glibc)
import Glibc
#endif
import SpectralFakeCore

/// Standard output and error without Foundation: buffered writes, and
/// whether a stream is a terminal.
enum Output {
    /// Standard output's buffer (written by the one thread that holds the
    /// output order: the main thread or the OrderedPool's emitter).
    nonisolated(unsafe) private static var buffer: [UInt8] = []

    static func out(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    static func line(_ s: String) { out(s + "\n") }

    static func flush() {
        writeAll(1, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes every byte (retrying short writes); a closed pipe ends quietly.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var done = 0
        bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                done += n
            }
        }
    }

    static func err(_ s: String) {
        writeAll(2, Array((s + "\n").utf8))
    }

    /// Text to standard error without a newline (the progress bar).
    static func errRaw(_ s: String) { writeAll(2, Array(s.utf8)) }

    /// "spectralfake: <message>" on standard error.
    static func error(_ s: String) { err("spectralfake: \(s)") }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Writes `text` to a file (atomically: a temporary file, then rename).
    static func write(_ text: String, to path: String) throws(SFError) {
        var bytes = Array(text.utf8)
        try write(bytes: &bytes, to: path)
    }

    static func write(bytes: inout [UInt8], to path: String) throws(SFError) {
        let tmp = path + ".tmp"
        guard let f = fopen(tmp, "wb") else {
            throw SFError(.io, "\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        let closed = fclose(f) == 0
        guard n == bytes.count, closed, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw SFError(.io, "\(path): cannot write: \(String(cString: strerror(errno)))")
        }
    }
}

/// Numbers as JSON prints them: integers without a fraction, others in
/// shortest round-trip form.
func jsonNumber(_ v: Double) -> JSONValue { .number(v) }
func jsonInt(_ v: Int) -> JSONValue { .number(Double(v), isInteger: true) }
