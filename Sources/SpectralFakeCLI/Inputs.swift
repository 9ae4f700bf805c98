#if canImport(Glibc)
import Glibc
#endif
import SpectralFakeCore

/// The images named on the command line: files as given, folders searched
/// recursively (in name order, hidden entries and symbolic links to folders
/// skipped) for JPEG and PNG files, recognised by their first bytes or by a
/// .jpg/.jpeg/.jpe/.jfif/.png name; `-` reads one path per line from
/// standard input. Files in folders that are neither are skipped and counted.
struct Inputs {
    private(set) var skipped = 0
    private(set) var skippedKinds: [String: Int] = [:]

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif", "png"]

    /// Every input path, in order (stdin is read to its end).
    mutating func collect(_ args: [String]) -> [String] {
        var out: [String] = []
        forEach(args) { out.append($0) }
        return out
    }

    /// Calls `body` with each input path in order, reading standard input
    /// lazily when an argument is "-".
    mutating func forEach(_ args: [String], _ body: (String) -> Void) {
        for a in args {
            if a == "-" {
                while let line = readLine(strippingNewline: true) {
                    if !line.isEmpty { body(line) }
                }
            } else if Self.isDirectory(a) {
                walk(a, body)
            } else {
                body(a)
            }
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    private mutating func walk(_ dir: String, _ body: (String) -> Void) {
        guard let d = opendir(dir) else { body(dir); return }  // unreadable: an error record for it
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(d)
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for name in names {
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let kind = st.st_mode & S_IFMT
            if kind == S_IFDIR {
                walk(path, body)
            } else if kind == S_IFLNK {
                // a link to a file is followed; a link to a folder is not (no loops)
                if Self.isDirectory(path) { continue }
                if Self.looksLikeImage(path) { body(path) } else { count(path) }
            } else if kind == S_IFREG {
                if Self.looksLikeImage(path) { body(path) } else { count(path) }
            }
        }
    }

    private mutating func count(_ path: String) {
        skipped += 1
        let ext = path.split(separator: "/").last.flatMap { n in n.contains(".") ? n.split(separator: ".").last : nil }
        skippedKinds[ext.map { "." + $0.lowercased() } ?? "(no extension)", default: 0] += 1
    }

    /// A JPEG or PNG by content, or by name.
    static func looksLikeImage(_ path: String) -> Bool {
        if let ext = path.split(separator: "/").last?.split(separator: ".").last, path.split(separator: "/").last!.contains("."),
           imageExtensions.contains(ext.lowercased()) {
            return true
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 8)
        let n = read(fd, &head, 8)
        if n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF { return true }
        return n == 8 && head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    }

    /// "skipped 3 files that are not JPEG or PNG (.txt: 2, .gif: 1)", or nil.
    var skippedSummary: String? {
        guard skipped > 0 else { return nil }
        let kinds = skippedKinds.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        return "skipped \(skipped) file\(skipped == 1 ? "" : "s") that \(skipped == 1 ? "is" : "are") not JPEG or PNG (\(kinds))"
    }
}
