import SpectralFakeCore

/// One line of `spectralfake score`: the file as given, and its assessment
/// or the error that stopped it.
struct ScoreRecord {
    let path: String
    let result: Result<Assessment, SFError>

    /// The JSON object (keys as in docs/cli.md; SourceFile first). Not for
    /// exiftool -json=: its plain keys land in other namespaces ("model"
    /// would be EXIF's camera Model); exiftoolJSON is.
    func json(model: LoadedModel) -> JSONValue {
        var o: [(String, JSONValue)] = [("SourceFile", .string(path))]
        switch result {
        case .success(let a):
            o.append(("verdict", .string(a.verdict.name)))
            o.append(("probability_fake", a.score.probabilityFake.map { .number($0) } ?? .null))
            o.append(("decision", .number(a.score.decision)))
            o.append(("model", model.json))
            o.append(("notes", .array(a.noteTexts.map { .string($0) })))
            o.append(("scope", ScoreRecord.scope(a)))
        case .failure(let e):
            o.append(("error", .object([("message", .string(e.message)), ("status", .string(e.status.name))])))
        }
        return .object(o)
    }

    /// The record as exiftool tags (bindings/exiftool/spectralfake.config),
    /// for `exiftool -json=`; nil for a file that could not be scored, so
    /// exiftool never writes half a record. A model without probabilities
    /// leaves ProbabilityFake out; Notes is always there (an empty list
    /// deletes the tag).
    func exiftoolJSON(model: LoadedModel) -> JSONValue? {
        guard case .success(let a) = result else { return nil }
        let ns = "XMP-spectralfake:"
        var o: [(String, JSONValue)] = [("SourceFile", .string(path))]
        o.append((ns + "Verdict", .string(a.verdict.name)))
        if let p = a.score.probabilityFake { o.append((ns + "ProbabilityFake", .number(p))) }
        o.append((ns + "Decision", .number(a.score.decision)))
        o.append((ns + "Model", .string(model.name)))
        if let v = model.version { o.append((ns + "ModelVersion", .string(v))) }
        o.append((ns + "LibraryVersion", .string(libraryVersion)))
        o.append((ns + "Notes", .array(a.noteTexts.map { .string($0) })))
        return .object(o)
    }

    static func scope(_ a: Assessment) -> JSONValue {
        let i = a.info
        return .object([
            ("width", jsonInt(a.width)), ("height", jsonInt(a.height)),
            ("format", .string(i.format == .none ? "pixels" : i.format.name)),
            ("jpeg_quality", i.jpegQuality.map { jsonInt($0) } ?? .null),
            ("jpeg_quality_exact", i.format == .jpeg ? .bool(i.jpegQualityExact) : .null),
            ("subsampling", i.subsampling.ratio.map { .string($0) } ?? .null),
            ("progressive", .bool(i.progressive)),
            ("grayscale", .bool(i.isGrayscale)),
        ])
    }

    static let csvHeader = ["SourceFile", "verdict", "probability_fake", "decision", "notes", "width", "height",
                            "format", "jpeg_quality", "subsampling", "progressive", "error_status", "error_message"]

    func csvFields() -> [String] {
        switch result {
        case .success(let a):
            return [path, a.verdict.name, a.score.probabilityFake.map { String($0) } ?? "", String(a.score.decision),
                    a.noteTexts.joined(separator: "; "), String(a.width), String(a.height),
                    a.info.format == .none ? "pixels" : a.info.format.name,
                    a.info.jpegQuality.map(String.init) ?? "", a.info.subsampling.ratio ?? "",
                    a.info.progressive ? "true" : "false", "", ""]
        case .failure(let e):
            return [path, "", "", "", "", "", "", "", "", "", "", e.status.name, e.message]
        }
    }

    /// One CSV line (RFC 4180 quoting).
    static func csvLine(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + f.replacingAll("\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",")
    }

    /// A row of the readable table.
    func tableLine(pWidth: Int) -> String {
        switch result {
        case .success(let a):
            let p = a.score.probabilityFake.map { String(fixed3: $0) } ?? "-"
            let notes = a.notes.map(\.name).joined(separator: ", ")
            return pad(a.verdict.name, 10) + pad(p, pWidth) + path + (notes.isEmpty ? "" : "  (\(notes))")
        case .failure(let e):
            return pad("error", 10) + pad("-", pWidth) + path + "  (\(e.status.name))"
        }
    }

    static func tableHeader(pWidth: Int) -> String {
        pad("VERDICT", 10) + pad("P(FAKE)", pWidth) + "FILE  (NOTES)"
    }
}

func pad(_ s: String, _ width: Int) -> String {
    let n = s.count
    return n >= width ? s + " " : s + String(repeating: " ", count: width - n)
}

extension String {
    func replacingAll(_ a: String, with b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound]
            out += b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// A probability with 3 decimals ("0.912").
    init(fixed3 v: Double) {
        let r = Int((v * 1000).rounded())
        let whole = r / 1000, frac = r % 1000
        self = "\(whole)." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + "\(frac)"
    }
}
