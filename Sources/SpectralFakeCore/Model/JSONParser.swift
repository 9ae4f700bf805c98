#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The strict JSON reader behind JSONValue (see there for the rules).
public struct JSONParser {
    public static let maxDepth = 64
    /// The tree may take at most this many times the input's size (plus 1
    /// MiB) in memory: numbers are stored 8 bytes each, so real model files
    /// take about one to four times their size; a file of millions of tiny
    /// arrays or objects is refused instead (SF_ERR_LIMIT_MODEL_SIZE).
    public static let memoryFactor = 8

    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0
    private var budget: Int
    private let raw: Set<String>
    private var rawRanges: [String: Range<Int>] = [:]

    private init(_ bytes: UnsafeBufferPointer<UInt8>, raw: Set<String>) {
        self.bytes = bytes
        self.raw = raw
        budget = bytes.count * JSONParser.memoryFactor + (1 << 20)
    }

    public static func parse(_ bytes: [UInt8]) throws(SFError) -> JSONValue {
        let r: Result<(JSONValue, [String: Range<Int>]), SFError> = bytes.withUnsafeBufferPointer { b in
            Result { () throws(SFError) in try parse(buffer: b) }
        }
        return try r.get().0
    }

    /// Parses a JSON text. Members of the top-level object named in `raw`
    /// are validated but not built: their value in the tree is null and the
    /// byte range of their text is returned.
    public static func parse(buffer bytes: UnsafeBufferPointer<UInt8>, raw: Set<String> = []) throws(SFError)
        -> (JSONValue, [String: Range<Int>]) {
        var p = JSONParser(bytes, raw: raw)
        // a UTF-8 byte order mark is tolerated
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { p.pos = 3 }
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.pos != bytes.count {
            throw p.error("unexpected \(p.describeHere()) after the JSON value")
        }
        return (v, p.rawRanges)
    }

    private mutating func spend(_ n: Int) throws(SFError) {
        budget -= n
        if budget < 0 {
            throw SFError(.limitModelSize, "JSON error at byte \(pos): the structure would take more than \(JSONParser.memoryFactor) times the file's \(bytes.count) bytes in memory (millions of small arrays or objects); refused")
        }
    }

    private func error(_ what: String) -> SFError {
        SFError(.modelInvalid, "JSON error at byte \(pos): \(what)")
    }

    private func describeHere() -> String {
        guard pos < bytes.count else { return "end of data" }
        let b = bytes[pos]
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16))"
    }

    private mutating func skipSpace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(SFError) -> JSONValue {
        guard depth < JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth) levels") }
        guard pos < bytes.count else { throw error("data ends where a value was expected (truncated file?)") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let (v, isInteger) = try number()
            return .number(v, isInteger: isInteger)
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw error("NaN and Infinity are not valid JSON numbers (model values must be finite)")
        default:
            throw error("unexpected \(describeHere()) where a value was expected")
        }
    }

    private mutating func literal(_ word: StaticString) throws(SFError) {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count - pos >= w.count, UnsafeBufferPointer(rebasing: bytes[pos..<(pos + w.count)]).elementsEqual(w) else {
            throw error("invalid literal (expected \(word))")
        }
        pos += w.count
    }

    /// Walks an object from its '{': member names (no duplicates), ':' and
    /// the separators. `member(&self, key)` is called with pos at each
    /// value and must consume it; `cost` (plus the name's bytes) is spent
    /// per member first.
    private mutating func walkObject(cost: Int, _ member: (inout JSONParser, String) throws(SFError) -> Void)
        throws(SFError) {
        pos += 1
        var seen = Set<String>()
        skipSpace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return
        }
        while true {
            skipSpace()
            guard pos < bytes.count else { throw error("data ends inside an object (truncated file?)") }
            guard bytes[pos] == UInt8(ascii: "\"") else { throw error("expected a member name, found \(describeHere())") }
            let key = try string()
            guard !seen.contains(key) else { throw error("duplicate member \"\(key)\"") }
            seen.insert(key)
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                throw error("expected ':' after \"\(key)\", found \(describeHere())")
            }
            pos += 1
            skipSpace()
            try spend(cost + key.utf8.count)
            try member(&self, key)
            skipSpace()
            guard pos < bytes.count else { throw error("data ends inside an object (truncated file?)") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return }
            throw error("expected ',' or '}' in an object, found \(describeHere())")
        }
    }

    /// Walks an array from its '[' and the separators; `element(&self)` is
    /// called with pos at each element and must consume it.
    private mutating func walkArray(_ element: (inout JSONParser) throws(SFError) -> Void) throws(SFError) {
        pos += 1
        skipSpace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            return
        }
        while true {
            skipSpace()
            try element(&self)
            skipSpace()
            guard pos < bytes.count else { throw error("data ends inside an array (truncated file?)") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return }
            throw error("expected ',' or ']' in an array, found \(describeHere())")
        }
    }

    private mutating func object(depth: Int) throws(SFError) -> JSONValue {
        var members: [(String, JSONValue)] = []
        try walkObject(cost: 48) { (p, key) throws(SFError) in
            if depth == 0 && p.raw.contains(key) {   // kept as text: validated, not built
                let start = p.pos
                try p.skip(depth: depth + 1)
                p.rawRanges[key] = start..<p.pos
                try members.checkedAppend((key, .null), "a JSON object")
            } else {
                try members.checkedAppend((key, try p.value(depth: depth + 1)), "a JSON object")
            }
        }
        return .object(members)
    }

    private mutating func array(depth: Int) throws(SFError) -> JSONValue {
        try spend(32)
        var items: [JSONValue] = []
        var nums: [Double] = []
        var allNumbers = true, allIntegers = true
        var integerFlags: [Bool] = []   // per number, kept while the array is all numbers
        try walkArray { (p) throws(SFError) in
            guard depth + 1 < JSONParser.maxDepth else { throw p.error("nesting deeper than \(JSONParser.maxDepth) levels") }
            if allNumbers, p.pos < p.bytes.count,
               p.bytes[p.pos] == UInt8(ascii: "-") || (p.bytes[p.pos] >= UInt8(ascii: "0") && p.bytes[p.pos] <= UInt8(ascii: "9")) {
                try p.spend(8)
                let (v, integer) = try p.number()
                try nums.checkedAppend(v, "a JSON array")
                try integerFlags.checkedAppend(integer, "a JSON array")
                allIntegers = allIntegers && integer
            } else {
                if allNumbers {
                    allNumbers = false
                    try p.spend(24 * nums.count)
                    items = zip(nums, integerFlags).map { .number($0, isInteger: $1) }
                    integerFlags = []
                    nums = []
                }
                try p.spend(24)
                try items.checkedAppend(try p.value(depth: depth + 1), "a JSON array")
            }
        }
        return allNumbers && !nums.isEmpty ? .numbers(nums, integers: allIntegers) : .array(items)
    }

    /// Validates one value with the rules of value() without building it.
    private mutating func skip(depth: Int) throws(SFError) {
        guard depth < JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth) levels") }
        guard pos < bytes.count else { throw error("data ends where a value was expected (truncated file?)") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            try walkObject(cost: 16) { (p, _) throws(SFError) in try p.skip(depth: depth + 1) }
        case UInt8(ascii: "["):
            try walkArray { (p) throws(SFError) in try p.skip(depth: depth + 1) }
        default:
            _ = try value(depth: depth)  // scalars: strings, numbers and literals are small
        }
    }

    private mutating func hex4() throws(SFError) -> UInt32 {
        guard bytes.count - pos >= 4 else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    private mutating func string() throws(SFError) -> String {
        pos += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw error("data ends inside a string (truncated file?)") }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                break
            }
            if c < 0x20 { throw error("control character 0x\(String(c, radix: 16)) inside a string") }
            if c != UInt8(ascii: "\\") {
                try out.checkedAppend(c, "a JSON string")
                pos += 1
                continue
            }
            pos += 1
            guard pos < bytes.count else { throw error("data ends inside an escape") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard bytes.count - pos >= 2, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                        throw error("lone high surrogate in a \\u escape")
                    }
                    pos += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw error("invalid low surrogate in a \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw error("lone low surrogate in a \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
        try ensureAllocatable(out.count, "a JSON string")
        guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in a string") }
        return s
    }

    private mutating func number() throws(SFError) -> (Double, isInteger: Bool) {
        let start = pos
        var isInteger = true
        func digits() -> Int {
            let s = pos
            while pos < bytes.count && bytes[pos] >= UInt8(ascii: "0") && bytes[pos] <= UInt8(ascii: "9") { pos += 1 }
            return pos - s
        }
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < bytes.count else { throw error("data ends inside a number") }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count && bytes[pos] >= UInt8(ascii: "0") && bytes[pos] <= UInt8(ascii: "9") {
                throw error("numbers must not have leading zeros")
            }
        } else if digits() == 0 {
            throw error("invalid number")
        }
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            isInteger = false
            guard digits() > 0 else { throw error("invalid number: no digits after '.'") }
        }
        if pos < bytes.count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
            pos += 1
            isInteger = false
            if pos < bytes.count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
            guard digits() > 0 else { throw error("invalid number: no digits in the exponent") }
        }
        let n = pos - start
        let v: Double? = n < 120 ? withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
            for i in 0..<n { buf[i] = CChar(bitPattern: bytes[start + i]) }
            buf[n] = 0
            return strtod(buf.baseAddress!, nil)
        } : Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self))
        guard let v else { throw error("invalid number \(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self))") }
        guard v.isFinite else {
            throw error("number \(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)) does not fit in a double")
        }
        return (v, isInteger)
    }
}
