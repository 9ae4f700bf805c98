#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads whole regular files with a size limit. Refuses directories, FIFOs
/// and devices (which could block or never end) with a clear message.
public enum FileReader {
    /// A path for messages: the bytes as UTF-8, invalid sequences replaced.
    public static func displayPath(_ cPath: UnsafePointer<CChar>) -> String {
        String(decoding: UnsafeRawBufferPointer(start: cPath, count: strlen(cPath)), as: UTF8.self)
    }

    public static func read(_ path: String, maxBytes: UInt64, what: String, limitStatus: SFStatus) throws(SFError) -> [UInt8] {
        let r: Result<[UInt8], SFError> = path.withCString { p in
            Result { () throws(SFError) in try read(cPath: p, maxBytes: maxBytes, what: what, limitStatus: limitStatus) }
        }
        return try r.get()
    }

    public static func read(cPath: UnsafePointer<CChar>, maxBytes: UInt64, what: String, limitStatus: SFStatus) throws(SFError) -> [UInt8] {
        let fd = open(cPath, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            throw SFError(.io, "cannot open: \(errnoText())")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SFError(.io, "cannot stat: \(errnoText())") }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let name: String
            switch kind {
            case S_IFDIR: name = "a directory"
            case S_IFIFO: name = "a FIFO"
            case S_IFCHR: name = "a character device"
            case S_IFBLK: name = "a block device"
            case S_IFSOCK: name = "a socket"
            default: name = "not a regular file"
            }
            throw SFError(.io, "is \(name), not a regular file")
        }
        let size = UInt64(max(0, st.st_size))
        if maxBytes != 0 && size > maxBytes {
            throw SFError(limitStatus, "file is \(size) bytes, over the limit \(what) = \(maxBytes)")
        }
        guard size > 0 else { throw SFError(.emptyInput, "empty file (0 bytes)") }
        guard size <= UInt64(Int.max / 2) else { throw SFError(.io, "file too large (\(size) bytes)") }
        var buf = [UInt8](repeating: 0, count: Int(size))
        var got = 0
        let ok: Bool = buf.withUnsafeMutableBytes { raw in
            while got < raw.count {
                let n = Glibc.read(fd, raw.baseAddress! + got, raw.count - got)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                if n == 0 { break }
                got += n
            }
            return true
        }
        guard ok else { throw SFError(.io, "read failed: \(errnoText())") }
        if got < buf.count { buf.removeSubrange(got...) }   // file shrank while reading
        guard !buf.isEmpty else { throw SFError(.emptyInput, "empty file (0 bytes)") }
        return buf
    }

    static func errnoText() -> String {
        let e = errno
        if let s = strerror(e) { return String(cString: s) }
        return "errno \(e)"
    }
}
