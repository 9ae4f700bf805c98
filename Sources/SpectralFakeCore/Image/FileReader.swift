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

    /// The bytes of a C path (without the NUL), as the file system has them.
    public static func pathBytes(_ cPath: UnsafePointer<CChar>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: cPath, count: strlen(cPath)))
    }

    /// Runs `body` on `path` as a NUL-terminated C string.
    public static func withCPath<R, E: Error>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        let c = UnsafeMutablePointer<CChar>.allocate(capacity: path.count + 1)
        defer { c.deallocate() }
        for (i, b) in path.enumerated() { c[i] = CChar(bitPattern: b) }
        c[path.count] = 0
        return try body(c)
    }

    public static func read(_ path: String, maxBytes: UInt64, what: String, limitStatus: SFStatus) throws(SFError) -> FileBytes {
        let r: Result<FileBytes, SFError> = path.withCString { p in
            Result { () throws(SFError) in try read(cPath: p, maxBytes: maxBytes, what: what, limitStatus: limitStatus) }
        }
        return try r.get()
    }

    /// The file's bytes, in a buffer allocated on the checked path.
    public static func read(cPath: UnsafePointer<CChar>, maxBytes: UInt64, what: String, limitStatus: SFStatus) throws(SFError) -> FileBytes {
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
        let buf = try HeapBuffer<UInt8>(count: Int(size), what: "reading a \(size)-byte file")
        var got = 0
        while got < buf.count {
            let n = Glibc.read(fd, buf.base + got, buf.count - got)
            if n < 0 {
                if errno == EINTR { continue }
                throw SFError(.io, "read failed: \(errnoText())")
            }
            if n == 0 { break }   // the file shrank while reading
            got += n
        }
        guard got > 0 else { throw SFError(.emptyInput, "empty file (0 bytes)") }
        return FileBytes(storage: buf, count: got)
    }

    static func errnoText() -> String {
        let e = errno
        if let s = strerror(e) { return String(cString: s) }
        return "errno \(e)"
    }
}

/// A file's bytes as read by FileReader (the first `count` of `storage`).
public struct FileBytes: @unchecked Sendable {
    let storage: HeapBuffer<UInt8>
    public let count: Int

    public var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: storage.base, count: count) }
    public var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(buffer) }

    /// Runs `body` on the bytes (kept alive for the call).
    public func withBytes<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        defer { withExtendedLifetime(storage) {} }
        return try body(raw)
    }
}
