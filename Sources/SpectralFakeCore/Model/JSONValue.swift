/// A strict JSON (RFC 8259) reader for model files, without Foundation.
///
/// - Numbers are parsed with a correctly rounded conversion, so every double
///   written with shortest round-trip digits (Python's json, Swift's
///   description) comes back bit for bit. Numbers that overflow a double are
///   an error; NaN and Infinity are not JSON and are rejected.
/// - Duplicate keys, trailing commas, control characters in strings, invalid
///   UTF-8 and lone surrogates are errors.
/// - Nesting is limited to `maxDepth`.
/// Every error names the byte offset and what was found.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number; `isInteger` records that it was written without a fraction
    /// or an exponent ("1", not "1.0"), which equality ignores.
    case number(Double, isInteger: Bool = false)
    case string(String)
    case array([JSONValue])
    /// An array of numbers only, stored compactly (8 bytes a number); the
    /// parser makes one for every non-empty array of numbers. Equal to the
    /// same numbers as an `.array`.
    case numbers([Double], integers: Bool)
    /// Members in file order.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x, _), .number(y, _)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.numbers(x, _), .numbers(y, _)): return x == y
        case let (.numbers(x, _), .array(y)), let (.array(y), .numbers(x, _)):
            return x.count == y.count && zip(x, y).allSatisfy { if case .number(let v, _) = $1 { return v == $0 } else { return false } }
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array, .numbers: return "an array"
        case .object: return "an object"
        }
    }
}

extension JSONValue {
    /// The value as JSON text: members in their order, numbers in shortest
    /// round-trip form (integers written as integers stay integers), strings
    /// as UTF-8 with the escapes JSON requires.
    public var jsonText: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case let .number(d, isInteger):
            if isInteger, let i = Int64(exactly: d) { out += String(i) } else { out += d.description }
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += ", " }
                v.write(to: &out)
            }
            out += "]"
        case let .numbers(items, integers):
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += ", " }
                if integers, let n = Int64(exactly: v) { out += String(n) } else { out += v.description }
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out += ", " }
                JSONValue.writeString(k, to: &out)
                out += ": "
                v.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
