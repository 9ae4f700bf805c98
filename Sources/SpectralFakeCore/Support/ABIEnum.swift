/// An enum of the C ABI. Its raw value is the value of the C constant
/// (include/spectralfake.h) and `name` is the name the header documents for
/// it: the lowercase spelling used in model files, on the command line and
/// by the sf_*_name / sf_*_from_name functions ("center-third" for
/// SF_CROP_CENTER_THIRD). Every name is written here once; the C header,
/// the exported functions and Python's constants are checked against these
/// enums by Tests/python/test_enums.py.
public protocol ABIEnum: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == Int32 {
    /// The lowercase name of the value.
    var name: String { get }
    /// The C type, for messages ("sf_crop").
    static var cType: String { get }
}

extension ABIEnum {
    /// The value with this name, or nil.
    public static func named(_ name: String) -> Self? {
        allCases.first { $0.name == name }
    }

    /// The names of all values, comma-separated (for messages).
    public static var knownNames: String {
        allCases.map(\.name).joined(separator: ", ")
    }

    /// The value with this name, or an SF_ERR_INVALID_ARGUMENT error naming
    /// what is allowed.
    public static func parse(_ name: String, what: String? = nil) throws(SFError) -> Self {
        guard let v = named(name) else {
            throw SFError(.invalidArgument, "unknown \(what ?? cType) '\(name)' (known: \(knownNames))")
        }
        return v
    }

    /// The value of a C constant, or an SF_ERR_INVALID_ARGUMENT error.
    public static func fromC(_ raw: Int32, field: String) throws(SFError) -> Self {
        guard let v = Self(rawValue: raw) else {
            throw SFError(.invalidArgument, "\(field) = \(raw) is not an \(cType)")
        }
        return v
    }
}
