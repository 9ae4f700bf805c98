// ExportedFeatureAPI.swift - the sf_context_*, sf_image_* and sf_features_*
// functions of include/spectralfake.h. Each converts and checks its
// arguments, then calls SpectralFakeCore's Pipeline; the contracts are
// documented in the header.
import CSpectralFakeABI
import SpectralFakeCore

// MARK: - context

@c(sf_context_new)
public func sf_context_new(_ settings: UnsafePointer<sf_settings>?, _ limits: UnsafePointer<sf_limits>?,
                           _ out: UnsafeMutablePointer<OpaquePointer?>?,
                           _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    produceHandle(out, err) { () throws(SFError) in
        let s = try settings.map { (p) throws(SFError) in try readSettings(p) } ?? .default
        return ContextBox(Pipeline(settings: s, limits: try readLimits(limits)))
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
        try writeSettings(box.pipeline.settings, settings)
    }
}

@c(sf_context_feature_count)
public func sf_context_feature_count(_ ctx: OpaquePointer?, _ width: UInt32, _ height: UInt32,
                                     _ count: UnsafeMutablePointer<Int>?,
                                     _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireContext(ctx)
        guard let count else { throw SFError(.invalidArgument, "count is NULL") }
        count.pointee = box.pipeline.featureCount(width: Int(width), height: Int(height))
    }
}

// MARK: - images

func imageHandle(_ ctx: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                 _ err: UnsafeMutablePointer<sf_error>?, _ source: () throws(SFError) -> ImageSource) -> sf_status {
    produceHandle(out, err) { () throws(SFError) in
        let pipeline = try contextOrDefault(ctx).pipeline
        let (img, info) = try pipeline.image(try source())
        return ImageBox(image: img, info: info)
    }
}

@c(sf_image_decode_file)
public func sf_image_decode_file(_ ctx: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    imageHandle(ctx, out, err) { () throws(SFError) in try pathSource(path) }
}

@c(sf_image_decode_memory)
public func sf_image_decode_memory(_ ctx: OpaquePointer?, _ data: UnsafeRawPointer?, _ size: Int,
                                   _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                   _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    imageHandle(ctx, out, err) { () throws(SFError) in try encodedSource(data, size) }
}

@c(sf_image_from_pixels)
public func sf_image_from_pixels(_ ctx: OpaquePointer?, _ pixels: UnsafeRawPointer?, _ size: Int,
                                 _ width: UInt32, _ height: UInt32, _ stride: Int, _ format: Int32,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    imageHandle(ctx, out, err) { () throws(SFError) in try pixelSource(pixels, size, width, height, stride, format) }
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
    // The buffer is immutable and owned by the box, which lives until sf_image_free.
    return UnsafePointer(box.image.storage.base)
}

@c(sf_image_warnings)
public func sf_image_warnings(_ image: OpaquePointer?) -> UInt32 {
    Handles.get(image, ImageBox.self).map { UInt32(clamping: $0.info.warnings) } ?? 0
}

@c(sf_image_get_info)
public func sf_image_get_info(_ image: OpaquePointer?, _ info: UnsafeMutablePointer<sf_image_info>?,
                              _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireImage(image)
        guard let info else { throw SFError(.invalidArgument, "info is NULL") }
        try writeImageInfo(box, info)
    }
}

@c(sf_image_upscale_score)
public func sf_image_upscale_score(_ image: OpaquePointer?, _ score: UnsafeMutablePointer<Double>?,
                                   _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireImage(image)
        guard let score else { throw SFError(.invalidArgument, "score is NULL") }
        score.pointee = UpscaleTest.score(box.image) ?? 0
    }
}

// MARK: - features

func featuresCall(_ ctx: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
                  _ count: UnsafeMutablePointer<Int>?, _ err: UnsafeMutablePointer<sf_error>?,
                  _ source: () throws(SFError) -> ImageSource) -> sf_status {
    guarded(err) { () throws(SFError) in
        let pipeline = try requireContext(ctx).pipeline
        try deliver(try pipeline.features(try source()), out, capacity, count)
    }
}

@c(sf_features_file)
public func sf_features_file(_ ctx: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                             _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
                             _ count: UnsafeMutablePointer<Int>?,
                             _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    featuresCall(ctx, out, capacity, count, err) { () throws(SFError) in try pathSource(path) }
}

@c(sf_features_memory)
public func sf_features_memory(_ ctx: OpaquePointer?, _ data: UnsafeRawPointer?, _ size: Int,
                               _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
                               _ count: UnsafeMutablePointer<Int>?,
                               _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    featuresCall(ctx, out, capacity, count, err) { () throws(SFError) in try encodedSource(data, size) }
}

@c(sf_features_pixels)
public func sf_features_pixels(_ ctx: OpaquePointer?, _ pixels: UnsafeRawPointer?, _ size: Int,
                               _ width: UInt32, _ height: UInt32, _ stride: Int, _ format: Int32,
                               _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
                               _ count: UnsafeMutablePointer<Int>?,
                               _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    featuresCall(ctx, out, capacity, count, err) { () throws(SFError) in
        try pixelSource(pixels, size, width, height, stride, format)
    }
}

@c(sf_features_image)
public func sf_features_image(_ ctx: OpaquePointer?, _ image: OpaquePointer?,
                              _ out: UnsafeMutablePointer<Double>?, _ capacity: Int,
                              _ count: UnsafeMutablePointer<Int>?,
                              _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    featuresCall(ctx, out, capacity, count, err) { () throws(SFError) in .image(try requireImage(image).image) }
}

@c(sf_features_batch)
public func sf_features_batch(_ ctx: OpaquePointer?, _ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int,
                              _ threads: UInt32, _ out: UnsafeMutablePointer<Double>?, _ rowCapacity: Int,
                              _ rowCounts: UnsafeMutablePointer<Int>?, _ itemErrors: UnsafeMutablePointer<sf_error>?,
                              _ failed: UnsafeMutablePointer<Int>?,
                              _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    nonisolated(unsafe) let pathsP = paths
    return featuresBatchCall(ctx, count, threads, out, rowCapacity, rowCounts, itemErrors, failed, err,
                             itemsNull: count > 0 && paths == nil ? "paths" : nil,
                             source: { (i) throws(SFError) in
                                 guard let path = pathsP?[i] else { throw SFError(.invalidArgument, "paths[\(i)] is NULL") }
                                 return .file(path)
                             }, name: { i in FileReader.displayPath(pathsP![i]!) + ": " })
}

@c(sf_features_batch_memory)
public func sf_features_batch_memory(_ ctx: OpaquePointer?, _ data: UnsafePointer<UnsafeRawPointer?>?,
                                     _ sizes: UnsafePointer<Int>?, _ count: Int, _ threads: UInt32,
                                     _ out: UnsafeMutablePointer<Double>?, _ rowCapacity: Int,
                                     _ rowCounts: UnsafeMutablePointer<Int>?,
                                     _ itemErrors: UnsafeMutablePointer<sf_error>?, _ failed: UnsafeMutablePointer<Int>?,
                                     _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    nonisolated(unsafe) let dataP = data
    nonisolated(unsafe) let sizesP = sizes
    return featuresBatchCall(ctx, count, threads, out, rowCapacity, rowCounts, itemErrors, failed, err,
                             itemsNull: count > 0 && data == nil ? "data" : count > 0 && sizes == nil ? "sizes" : nil,
                             source: { (i) throws(SFError) in try encodedSource(dataP![i], sizesP![i]) },
                             name: { i in "item \(i): " })
}

/// The body of the feature batch calls: arguments checked, rows zeroed for
/// failed items, features delivered into row i of `out`. `source(i)` gives
/// item i; `name(i)` prefixes a too-small-row message.
private func featuresBatchCall(_ ctx: OpaquePointer?, _ count: Int, _ threads: UInt32,
                               _ out: UnsafeMutablePointer<Double>?, _ rowCapacity: Int,
                               _ rowCounts: UnsafeMutablePointer<Int>?, _ itemErrors: UnsafeMutablePointer<sf_error>?,
                               _ failed: UnsafeMutablePointer<Int>?, _ err: UnsafeMutablePointer<sf_error>?,
                               itemsNull: String?, source: (Int) throws(SFError) -> ImageSource,
                               name: (Int) -> String) -> sf_status {
    failed?.pointee = 0
    return guarded(err) { () throws(SFError) in
        let pipeline = try requireContext(ctx).pipeline
        guard count >= 0, rowCapacity >= 0 else { throw SFError(.invalidArgument, "count and row_capacity must be >= 0") }
        if let itemsNull { throw SFError(.invalidArgument, "\(itemsNull) is NULL") }
        guard count == 0 || rowCapacity == 0 || out != nil else { throw SFError(.invalidArgument, "out is NULL") }
        let (_, overflow) = count.multipliedReportingOverflow(by: rowCapacity)
        guard !overflow else { throw SFError(.invalidArgument, "count * row_capacity overflows") }
        nonisolated(unsafe) let outP = out
        nonisolated(unsafe) let countsP = rowCounts
        try reportBatch(count: count, itemErrors: itemErrors, failed: failed) {
            pipeline.featuresBatch(count: count, threads: Int(threads), source: { (i) throws(SFError) in
                // a failed row is zeros (its count stays the needed one for a too-small row)
                if let row = outP.map({ $0 + i * rowCapacity }) { row.update(repeating: 0, count: rowCapacity) }
                countsP?[i] = 0
                return try source(i)
            }, deliver: { (i, v) throws(SFError) in
                countsP?[i] = v.count
                guard v.count <= rowCapacity, let row = outP.map({ $0 + i * rowCapacity }) else {
                    throw SFError(.bufferTooSmall, "\(name(i))\(v.count) features do not fit in a row of \(rowCapacity)")
                }
                v.withUnsafeBufferPointer { row.update(from: $0.baseAddress!, count: v.count) }
            })
        }
    }
}
