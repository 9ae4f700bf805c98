// ExportedSettingsAPI.swift - sf_settings_init, sf_limits_init and the
// name functions of every enum of include/spectralfake.h. The names are the
// core enums' own (SpectralFakeCore ABIEnum); this file only converts.
import CSpectralFakeABI
import SpectralFakeCore

@c(sf_settings_init)
public func sf_settings_init(_ settings: UnsafeMutablePointer<sf_settings>?, _ structSize: Int,
                             _ preset: Int32, _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        guard let settings else { throw SFError(.invalidArgument, "settings is NULL") }
        guard structSize >= settingsV1Size else {
            throw SFError(.invalidArgument, "struct_size \(structSize) is smaller than sf_settings v1 (\(settingsV1Size) bytes)")
        }
        guard let p = FeatureSettings.Preset(rawValue: preset) else {
            throw SFError(.invalidArgument, "preset \(preset) is not an sf_preset (0 ... \(FeatureSettings.Preset.allCases.count - 1))")
        }
        // struct_size is written first so that writeSettings sees it.
        UnsafeMutableRawPointer(settings).storeBytes(of: structSize, as: Int.self)
        try writeSettings(FeatureSettings(preset: p), settings)
    }
}

@c(sf_limits_init)
public func sf_limits_init(_ limits: UnsafeMutablePointer<sf_limits>?, _ structSize: Int,
                           _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        guard let limits else { throw SFError(.invalidArgument, "limits is NULL") }
        guard structSize >= limitsV1Size else {
            throw SFError(.invalidArgument, "struct_size \(structSize) is smaller than sf_limits v1 (\(limitsV1Size) bytes)")
        }
        storeStruct(cLimits(.default, structSize: structSize), to: limits, size: structSize)
    }
}

// MARK: - enum names

/// NUL-terminated copies of names handed out as static strings: made once
/// per name, never freed.
enum StaticCStrings {
    private static let table = Locked<[String: UnsafePointer<CChar>]>([:])

    static func intern(_ s: String) -> UnsafePointer<CChar> {
        table.withLock { t in
            if let p = t[s] { return p }
            let bytes = Array(s.utf8CString)
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
            p.initialize(from: bytes, count: bytes.count)
            t[s] = UnsafePointer(p)
            return UnsafePointer(p)
        }
    }
}

/// sf_X_name: the name of a value, NULL for a value the enum does not have.
func cName<E: ABIEnum>(_ type: E.Type, _ raw: Int32) -> UnsafePointer<CChar>? {
    E(rawValue: raw).map { StaticCStrings.intern($0.name) }
}

/// sf_X_from_name: the value of a name into *value.
func cFromName<E: ABIEnum>(_ type: E.Type, _ name: UnsafePointer<CChar>?, _ value: UnsafeMutablePointer<Int32>?,
                           _ err: UnsafeMutablePointer<sf_error>?, what: String) -> sf_status {
    guarded(err) { () throws(SFError) in
        guard let name, let value else { throw SFError(.invalidArgument, "name and \(what) must not be NULL") }
        value.pointee = try E.parse(String(cString: name), what: what).rawValue
    }
}

@c(sf_trim_caches)
public func sf_trim_caches() {
    Caches.trim()
}

@c(sf_fft_wisdom_set)
public func sf_fft_wisdom_set(_ path: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        FFTWisdom.set(path: path.map(FileReader.pathBytes))
    }
}

@c(sf_fft_wisdom_path)
public func sf_fft_wisdom_path(_ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
                               _ length: UnsafeMutablePointer<Int>?,
                               _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        try deliver(bytes: FFTWisdom.path ?? [], buffer, capacity, length, what: "the wisdom file's path")
    }
}

@c(sf_status_name)
public func sf_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    cName(SFStatus.self, status) ?? StaticCStrings.intern("SF_ERR_UNKNOWN_STATUS")
}

@c(sf_status_summary)
public func sf_status_summary(_ status: Int32) -> UnsafePointer<CChar> {
    StaticCStrings.intern(SFStatus(rawValue: status)?.summary ?? "unknown status")
}

@c(sf_status_from_name)
public func sf_status_from_name(_ name: UnsafePointer<CChar>?, _ status: UnsafeMutablePointer<Int32>?,
                                _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(SFStatus.self, name, status, err, what: "status")
}

@c(sf_preset_name)
public func sf_preset_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(FeatureSettings.Preset.self, v) }

@c(sf_preset_from_name)
public func sf_preset_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                                _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(FeatureSettings.Preset.self, name, v, err, what: "preset")
}

@c(sf_center_name)
public func sf_center_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(RadialCenter.self, v) }

@c(sf_center_from_name)
public func sf_center_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                                _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(RadialCenter.self, name, v, err, what: "center")
}

@c(sf_normalize_name)
public func sf_normalize_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(FeatureSettings.Normalize.self, v) }

@c(sf_normalize_from_name)
public func sf_normalize_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                                   _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(FeatureSettings.Normalize.self, name, v, err, what: "normalize")
}

@c(sf_crop_name)
public func sf_crop_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(FeatureSettings.Crop.self, v) }

@c(sf_crop_from_name)
public func sf_crop_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                              _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(FeatureSettings.Crop.self, name, v, err, what: "crop")
}

@c(sf_fft_planning_name)
public func sf_fft_planning_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(FFTPlanning.self, v) }

@c(sf_fft_planning_from_name)
public func sf_fft_planning_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                                      _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(FFTPlanning.self, name, v, err, what: "fft_planning")
}

@c(sf_pixel_format_name)
public func sf_pixel_format_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(PixelFormat.self, v) }

@c(sf_pixel_format_from_name)
public func sf_pixel_format_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                                      _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(PixelFormat.self, name, v, err, what: "pixel format")
}

@c(sf_label_name)
public func sf_label_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(PredictedLabel.self, v) }

@c(sf_label_from_name)
public func sf_label_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                               _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(PredictedLabel.self, name, v, err, what: "label")
}

@c(sf_value_kind_name)
public func sf_value_kind_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(ValueKind.self, v) }

@c(sf_value_kind_from_name)
public func sf_value_kind_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                                    _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(ValueKind.self, name, v, err, what: "value kind")
}

@c(sf_verdict_name)
public func sf_verdict_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(Verdict.self, v) }

@c(sf_verdict_from_name)
public func sf_verdict_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(Verdict.self, name, v, err, what: "verdict")
}

@c(sf_note_name)
public func sf_note_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(ScopeNote.self, v) }

@c(sf_note_from_name)
public func sf_note_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                              _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(ScopeNote.self, name, v, err, what: "note")
}

@c(sf_note_summary)
public func sf_note_summary(_ v: Int32) -> UnsafePointer<CChar>? {
    ScopeNote(rawValue: v).map { StaticCStrings.intern($0.summary) }
}

@c(sf_image_format_name)
public func sf_image_format_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(ImageFormat.self, v) }

@c(sf_image_format_from_name)
public func sf_image_format_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                                      _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(ImageFormat.self, name, v, err, what: "image format")
}

@c(sf_subsampling_name)
public func sf_subsampling_name(_ v: Int32) -> UnsafePointer<CChar>? { cName(Subsampling.self, v) }

@c(sf_subsampling_from_name)
public func sf_subsampling_from_name(_ name: UnsafePointer<CChar>?, _ v: UnsafeMutablePointer<Int32>?,
                                     _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    cFromName(Subsampling.self, name, v, err, what: "subsampling")
}
