// ExportedAPI.swift - the sf_* functions of include/spectralfake.h for
// settings, contexts, images and features. Each function converts and
// checks its arguments, calls SpectralFakeCore, and reports a status; the
// contracts are documented in the header. Model functions: ExportedModelAPI.swift.
import CSpectralFakeABI
import SpectralFakeCore

// MARK: - settings and limits

@c(sf_settings_init)
public func sf_settings_init(_ settings: UnsafeMutablePointer<sf_settings>?, _ structSize: Int,
                             _ preset: Int32, _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        guard let settings else { throw SFError(.invalidArgument, "settings is NULL") }
        guard structSize >= settingsV1Size else {
            throw SFError(.invalidArgument, "struct_size \(structSize) is smaller than sf_settings v1 (\(settingsV1Size) bytes)")
        }
        guard let p = presetFromC(preset) else {
            throw SFError(.invalidArgument, "preset \(preset) is not an sf_preset (0 ... 3)")
        }
        // struct_size is written first so that writeSettings sees it.
        UnsafeMutableRawPointer(settings).storeBytes(of: structSize, as: Int.self)
        try writeSettings(FeatureSettings(preset: p), settings)
    }
}

@c(sf_preset_from_name)
public func sf_preset_from_name(_ name: UnsafePointer<CChar>?, _ preset: UnsafeMutablePointer<Int32>?,
                                _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        guard let name, let preset else { throw SFError(.invalidArgument, "name and preset must not be NULL") }
        let s = String(cString: name)
        guard let p = FeatureSettings.Preset(rawValue: s) else {
            let known = FeatureSettings.Preset.allCases.map(\.rawValue).joined(separator: ", ")
            throw SFError(.invalidArgument, "unknown preset '\(s)' (known: \(known))")
        }
        preset.pointee = presetToC(p)
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
        let d = Limits.default
        var l = sf_limits()
        l.struct_size = structSize
        l.max_pixels = d.maxPixels
        l.max_width = d.maxWidth
        l.max_height = d.maxHeight
        l.max_jpeg_scans = d.maxJPEGScans
        l.fft_planning = d.fftPlanning.rawValue
        l.max_input_bytes = d.maxInputBytes
        l.max_model_bytes = d.maxModelBytes
        limits.pointee = l
    }
}

// MARK: - context

@c(sf_context_new)
public func sf_context_new(_ settings: UnsafePointer<sf_settings>?, _ limits: UnsafePointer<sf_limits>?,
                           _ out: UnsafeMutablePointer<OpaquePointer?>?,
                           _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    produceHandle(out, err) { () throws(SFError) in
        let s = try settings.map { (p) throws(SFError) in try readSettings(p) } ?? .default
        return ContextBox(settings: s, limits: try readLimits(limits))
    }
}

@c(sf_context_free)
public func sf_context_free(_ ctx: OpaquePointer?) {
    Handles.free(ctx)
}

@c(sf_context_settings)
public func sf_context_settings(_ ctx: OpaquePointer?, _ settings: UnsafeMutablePointer<sf_settings>?,
                                _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireContext(ctx)
        guard let settings else { throw SFError(.invalidArgument, "settings is NULL") }
        try writeSettings(box.settings, settings)
    }
}

@c(sf_context_feature_count)
public func sf_context_feature_count(_ ctx: OpaquePointer?, _ width: UInt32, _ height: UInt32,
                                     _ count: UnsafeMutablePointer<Int>?,
                                     _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireContext(ctx)
        guard let count else { throw SFError(.invalidArgument, "count is NULL") }
        count.pointee = box.settings.featureCount(width: Int(width), height: Int(height))
    }
}

// MARK: - images

@c(sf_image_decode_file)
public func sf_image_decode_file(_ ctx: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    produceHandle(out, err) { () throws(SFError) in
        guard let path else { throw SFError(.invalidArgument, "path is NULL") }
        let (img, info) = try ImageDecoder.decodeFile(cPath: path, limits: try contextOrDefault(ctx).limits)
        return ImageBox(image: img, info: info)
    }
}

@c(sf_image_decode_memory)
public func sf_image_decode_memory(_ ctx: OpaquePointer?, _ data: UnsafeRawPointer?, _ size: Int,
                                   _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                   _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    produceHandle(out, err) { () throws(SFError) in
        let (img, info) = try decodeMemory(data, size, try contextOrDefault(ctx).limits)
        return ImageBox(image: img, info: info)
    }
}

@c(sf_image_from_pixels)
public func sf_image_from_pixels(_ ctx: OpaquePointer?, _ pixels: UnsafeRawPointer?, _ size: Int,
                                 _ width: UInt32, _ height: UInt32, _ stride: Int, _ format: Int32,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    produceHandle(out, err) { () throws(SFError) in
        let img = try imageFromPixels(pixels, size, width, height, stride, format, try contextOrDefault(ctx).limits)
        return ImageBox(image: img, info: DecodeInfo(format: .unknown, orientation: 1, warnings: 0))
    }
}

@c(sf_image_free)
public func sf_image_free(_ image: OpaquePointer?) {
    Handles.free(image)
}

@c(sf_image_width)
public func sf_image_width(_ image: OpaquePointer?) -> UInt32 {
    Handles.get(image, ImageBox.self).map { UInt32($0.image.width) } ?? 0
}

@c(sf_image_height)
public func sf_image_height(_ image: OpaquePointer?) -> UInt32 {
    Handles.get(image, ImageBox.self).map { UInt32($0.image.height) } ?? 0
}

@c(sf_image_pixels)
public func sf_image_pixels(_ image: OpaquePointer?) -> UnsafePointer<UInt8>? {
    guard let box = Handles.get(image, ImageBox.self) else { return nil }
    // The array is immutable and owned by the box, which lives until sf_image_free.
    return box.image.pixels.withUnsafeBufferPointer { $0.baseAddress }
}

@c(sf_image_warnings)
public func sf_image_warnings(_ image: OpaquePointer?) -> UInt32 {
    Handles.get(image, ImageBox.self).map { UInt32(clamping: $0.info.warnings) } ?? 0
}

func decodeMemory(_ data: UnsafeRawPointer?, _ size: Int, _ limits: Limits) throws(SFError) -> (GrayImage, DecodeInfo) {
    guard size >= 0 else { throw SFError(.invalidArgument, "size \(size) is negative") }
    guard size > 0 else { throw SFError(.emptyInput, "empty input (0 bytes)") }
    guard let data else { throw SFError(.invalidArgument, "data is NULL") }
    return try ImageDecoder.decode(UnsafeRawBufferPointer(start: data, count: size), limits: limits)
}

// MARK: - features

@c(sf_features_file)
public func sf_features_file(_ ctx: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                             _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
                             _ count: UnsafeMutablePointer<Int>?,
                             _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireContext(ctx)
        guard let path else { throw SFError(.invalidArgument, "path is NULL") }
        let v = try fileFeatures(path, box)
        try deliver(v, out, capacity, count)
    }
}

@c(sf_features_memory)
public func sf_features_memory(_ ctx: OpaquePointer?, _ data: UnsafeRawPointer?, _ size: Int,
                               _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
                               _ count: UnsafeMutablePointer<Int>?,
                               _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireContext(ctx)
        let (img, _) = try decodeMemory(data, size, box.limits)
        try deliver(try FeatureExtractor.features(of: img, settings: box.settings, planning: box.limits.fftPlanning), out, capacity, count)
    }
}

@c(sf_features_pixels)
public func sf_features_pixels(_ ctx: OpaquePointer?, _ pixels: UnsafeRawPointer?, _ size: Int,
                               _ width: UInt32, _ height: UInt32, _ stride: Int, _ format: Int32,
                               _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
                               _ count: UnsafeMutablePointer<Int>?,
                               _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireContext(ctx)
        let img = try imageFromPixels(pixels, size, width, height, stride, format, box.limits)
        try deliver(try FeatureExtractor.features(of: img, settings: box.settings, planning: box.limits.fftPlanning), out, capacity, count)
    }
}

@c(sf_features_image)
public func sf_features_image(_ ctx: OpaquePointer?, _ image: OpaquePointer?,
                              _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
                              _ count: UnsafeMutablePointer<Int>?,
                              _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireContext(ctx)
        let img = try requireImage(image)
        try deliver(try FeatureExtractor.features(of: img.image, settings: box.settings, planning: box.limits.fftPlanning), out, capacity, count)
    }
}

func fileFeatures(_ path: UnsafePointer<CChar>, _ box: ContextBox) throws(SFError) -> [Double] {
    let (img, _) = try ImageDecoder.decodeFile(cPath: path, limits: box.limits)
    do {
        return try FeatureExtractor.features(of: img, settings: box.settings, planning: box.limits.fftPlanning)
    } catch let e {
        throw e.prefixed(FileReader.displayPath(path))
    }
}

@c(sf_features_batch)
public func sf_features_batch(_ ctx: OpaquePointer?, _ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int,
                              _ threads: UInt32, _ out: UnsafeMutablePointer<Double>?, _ rowCapacity: Int,
                              _ rowCounts: UnsafeMutablePointer<Int>?, _ itemErrors: UnsafeMutablePointer<sf_error>?,
                              _ failed: UnsafeMutablePointer<Int>?,
                              _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    failed?.pointee = 0
    return guarded(err) { () throws(SFError) in
        let box = try requireContext(ctx)
        guard count >= 0, rowCapacity >= 0 else { throw SFError(.invalidArgument, "count and row_capacity must be >= 0") }
        guard count == 0 || paths != nil else { throw SFError(.invalidArgument, "paths is NULL") }
        guard count == 0 || rowCapacity == 0 || out != nil else { throw SFError(.invalidArgument, "out is NULL") }
        let (_, overflow) = count.multipliedReportingOverflow(by: rowCapacity)
        guard !overflow else { throw SFError(.invalidArgument, "count * row_capacity overflows") }
        nonisolated(unsafe) let outP = out
        nonisolated(unsafe) let countsP = rowCounts
        try runBatch(paths: paths, count: count, threads: threads, itemErrors: itemErrors, failed: failed) { (i, path) throws(SFError) in
            let row = outP.map { $0 + i * rowCapacity }
            do throws(SFError) {
                let v = try fileFeatures(path, box)
                countsP?[i] = v.count
                guard v.count <= rowCapacity, let row else {
                    throw SFError(.bufferTooSmall, "\(FileReader.displayPath(path)): \(v.count) features do not fit in a row of \(rowCapacity)")
                }
                for (k, x) in v.enumerated() { row[k] = x }
                for k in v.count..<rowCapacity { row[k] = 0 }
            } catch let e {
                // a failed row is zeros; its count is the needed one for a too-small row
                if let row { for k in 0..<rowCapacity { row[k] = 0 } }
                if e.status != .bufferTooSmall { countsP?[i] = 0 }
                throw e
            }
        }
    }
}
