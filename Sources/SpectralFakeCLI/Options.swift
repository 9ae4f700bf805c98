import ArgumentParser
import SpectralFakeCore

/// --preset and the feature overrides, as in the C API's sf_settings.
struct FeatureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Feature preset: \(FeatureSettings.Preset.knownNames).", valueName: "name"))
    var preset = "celeba"
    @Option(name: .customLong("n"), help: ArgumentHelp("Override: number of interpolated points.", valueName: "N"))
    var n: Int?
    @Option(help: ArgumentHelp("Override: epsilon added to each DFT coefficient before the log.", valueName: "eps"))
    var epsilon: Double?
    @Option(help: ArgumentHelp("Override: centre of the azimuthal average (\(RadialCenter.knownNames)).", valueName: "name"))
    var center: String?
    @Option(help: ArgumentHelp("Override: normalisation (\(FeatureSettings.Normalize.knownNames)).", valueName: "name"))
    var normalize: String?
    @Option(help: ArgumentHelp("Override: crop (\(FeatureSettings.Crop.knownNames)).", valueName: "name"))
    var crop: String?
    @Option(help: ArgumentHelp("Override: cubic interpolation (on, off).", valueName: "on|off"))
    var interpolate: String?

    func settings() throws -> FeatureSettings {
        do throws(SFError) {
            var s = FeatureSettings(preset: try FeatureSettings.Preset.parse(preset, what: "preset"))
            if let n { s.n = n }
            if let epsilon { s.epsilon = epsilon }
            if let center { s.center = try RadialCenter.parse(center, what: "center") }
            if let normalize { s.normalize = try FeatureSettings.Normalize.parse(normalize, what: "normalize") }
            if let crop { s.crop = try FeatureSettings.Crop.parse(crop, what: "crop") }
            if let interpolate {
                guard interpolate == "on" || interpolate == "off" else {
                    throw SFError(.invalidArgument, "--interpolate takes on or off, not '\(interpolate)'")
                }
                s.interpolate = interpolate == "on"
            }
            try s.validate()
            return s
        } catch let e {
            throw ValidationError(e.message)
        }
    }
}

/// --threads and --fft-planning.
struct RunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Native threads (default: one per CPU).", valueName: "N"))
    var threads: Int?
    @Option(help: ArgumentHelp("FFT plans: auto, estimate (bit-reproducible), measure.", valueName: "policy"))
    var fftPlanning = "auto"

    func validate() throws {
        if let threads, threads < 1 || threads > 4096 { throw ValidationError("--threads must be 1 ... 4096, not \(threads)") }
        guard FFTPlanning.named(fftPlanning) != nil else {
            throw ValidationError("--fft-planning takes \(FFTPlanning.knownNames), not '\(fftPlanning)'")
        }
    }

    var threadCount: Int { threads ?? Parallel.processorCount }

    var limits: Limits {
        var l = Limits()
        l.fftPlanning = FFTPlanning.named(fftPlanning) ?? .auto
        return l
    }
}

/// --model, defaulting to the built-in model.
struct ModelOption: ParsableArguments {
    @Option(help: ArgumentHelp("Model file (default: the built-in model).", valueName: "file"))
    var model: String?

    func load() throws -> LoadedModel { try loadModel(model) }
}

/// A model file, or the built-in model for nil; a model that cannot be
/// loaded is a usage error (exit 2) with the library's message.
func loadModel(_ path: String?) throws -> LoadedModel {
    do {
        if let path { return LoadedModel(model: try Model.load(path: path), path: path) }
        return LoadedModel(model: try Model.builtInModel(), path: nil)
    } catch let e {
        Output.error("\(e.message) [\(e.status.name)]")
        throw ExitCode(2)
    }
}

/// A model and what to call it in records.
struct LoadedModel {
    let model: Model
    let path: String?

    func meta(_ key: String) -> String? {
        guard case .object(let m)? = model.metadata, let v = m.first(where: { $0.0 == key })?.1 else { return nil }
        switch v {
        case .string(let s): return s
        case let .number(d, isInt): return isInt ? String(Int64(d)) : String(d)
        default: return nil
        }
    }

    /// The model's name: its metadata "name", else the file name.
    var name: String {
        if let n = meta("name") { return n }
        guard let path else { return "built-in" }
        var base = String(path.split(separator: "/").last ?? Substring(path))
        if base.hasSuffix(".json") { base.removeLast(5) }
        return base
    }

    /// Its version: metadata "version", else when it was made.
    var version: String? { meta("version") ?? meta("trained_at") ?? meta("exported_at") }

    var json: JSONValue {
        .object([("name", .string(name)), ("version", version.map { .string($0) } ?? .null)])
    }
}
