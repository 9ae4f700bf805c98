// ExportedModelAPI.swift - the sf_model_* and sf_score_* functions of
// include/spectralfake.h. Converts and checks; the scoring itself is
// SpectralFakeCore's Model and Pipeline.
import CSpectralFakeABI
import SpectralFakeCore

/// An exported single-score function: checks the model and the score
/// struct, zeroes the score, then stores what `compute` returns.
func scoring(_ model: OpaquePointer?, _ score: UnsafeMutablePointer<sf_score>?, _ err: UnsafeMutablePointer<sf_error>?,
             _ compute: (Model) throws(SFError) -> ScoreResult) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireModel(model)
        let s = try checkScore(score)
        writeScore(nil, s)
        writeScore(try compute(box.model), s)
    }
}

/// Scores an image source with the model under the caller's limits.
func scoreSource(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?, _ score: UnsafeMutablePointer<sf_score>?,
                 _ err: UnsafeMutablePointer<sf_error>?, _ source: () throws(SFError) -> ImageSource) -> sf_status {
    scoring(model, score, err) { (m) throws(SFError) in
        let pipeline = Pipeline(model: m, limits: try readLimits(limits))
        return ScoreResult(try pipeline.assess(try source(), with: m))
    }
}

@c(sf_model_load_file)
public func sf_model_load_file(_ limits: UnsafePointer<sf_limits>?, _ path: UnsafePointer<CChar>?,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?,
                               _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    produceHandle(out, err) { () throws(SFError) in
        guard let path else { throw SFError(.invalidArgument, "path is NULL") }
        return ModelBox(model: try Model.load(cPath: path, limits: try readLimits(limits)))
    }
}

/// The built-in model's handle, registered once and never released.
nonisolated(unsafe) let defaultModelHandle: OpaquePointer? = {  // immutable after its one-time init
    guard let m = try? Model.builtInModel() else { return nil }
    return Handles.make(ModelBox(model: m), immortal: true)
}()

@c(sf_model_default)
public func sf_model_default() -> OpaquePointer? {
    defaultModelHandle
}

@c(sf_model_load_memory)
public func sf_model_load_memory(_ limits: UnsafePointer<sf_limits>?, _ data: UnsafeRawPointer?, _ size: Int,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    produceHandle(out, err) { () throws(SFError) in
        guard size >= 0 else { throw SFError(.invalidArgument, "size \(size) is negative") }
        guard size > 0 else { throw SFError(.modelInvalid, "empty model (0 bytes)") }
        guard let data else { throw SFError(.invalidArgument, "data is NULL") }
        let l = try readLimits(limits)
        let bytes = UnsafeBufferPointer(start: data.assumingMemoryBound(to: UInt8.self), count: size)
        return ModelBox(model: try Model.parse(buffer: bytes, limits: l))  // parsed in place, not copied
    }
}

@c(sf_model_free)
public func sf_model_free(_ model: OpaquePointer?) {
    Handles.free(model)
}

@c(sf_model_feature_count)
public func sf_model_feature_count(_ model: OpaquePointer?) -> Int {
    Handles.get(model, ModelBox.self)?.model.featureCount ?? 0
}

@c(sf_model_settings)
public func sf_model_settings(_ model: OpaquePointer?, _ settings: UnsafeMutablePointer<sf_settings>?,
                              _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireModel(model)
        guard let settings else { throw SFError(.invalidArgument, "settings is NULL") }
        try writeSettings(box.model.settings, settings)
    }
}

@c(sf_model_has_probability)
public func sf_model_has_probability(_ model: OpaquePointer?) -> Int32 {
    (Handles.get(model, ModelBox.self)?.model.hasProbability ?? false) ? 1 : 0
}

@c(sf_model_class_count)
public func sf_model_class_count(_ model: OpaquePointer?) -> Int {
    Handles.get(model, ModelBox.self)?.model.classes.count ?? 0
}

func requireClass(_ model: OpaquePointer?, _ index: Int) throws(SFError) -> ClassLabel {
    let classes = try requireModel(model).model.classes
    guard index >= 0 && index < classes.count else {
        throw SFError(.invalidArgument, "class index \(index) is out of range (0 ..< \(classes.count))")
    }
    return classes[index]
}

@c(sf_model_class_label)
public func sf_model_class_label(_ model: OpaquePointer?, _ index: Int, _ buffer: UnsafeMutablePointer<CChar>?,
                                 _ capacity: Int, _ length: UnsafeMutablePointer<Int>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        try deliver(text: try requireClass(model, index).text, buffer, capacity, length, what: "class label")
    }
}

@c(sf_model_class_value)
public func sf_model_class_value(_ model: OpaquePointer?, _ index: Int, _ kind: UnsafeMutablePointer<Int32>?,
                                 _ integer: UnsafeMutablePointer<Int64>?, _ number: UnsafeMutablePointer<Double>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let label = try requireClass(model, index)
        guard let kind else { throw SFError(.invalidArgument, "kind is NULL") }
        kind.pointee = label.kind.rawValue
        var i: Int64 = 0, d = 0.0
        switch label {
        case .integer(let v): i = v; d = Double(v)
        case .float(let v): d = v
        case .bool(let b): i = b ? 1 : 0; d = b ? 1 : 0
        case .string: break
        }
        integer?.pointee = i
        number?.pointee = d
    }
}

@c(sf_model_metadata_json)
public func sf_model_metadata_json(_ model: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int,
                                   _ length: UnsafeMutablePointer<Int>?,
                                   _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let meta = try requireModel(model).model.metadataJSON ?? "null"
        try deliver(text: meta, buffer, capacity, length, what: "metadata JSON")
    }
}

@c(sf_model_fake_class)
public func sf_model_fake_class(_ model: OpaquePointer?) -> Int32 {
    Handles.get(model, ModelBox.self).map { Int32($0.model.fakeClass) } ?? -1
}

@c(sf_model_classifier)
public func sf_model_classifier(_ model: OpaquePointer?) -> UnsafePointer<CChar>? {
    Handles.get(model, ModelBox.self).map { UnsafePointer($0.classifierCString) }
}

@c(sf_score_init)
public func sf_score_init(_ score: UnsafeMutablePointer<sf_score>?, _ structSize: Int,
                          _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        guard let score else { throw SFError(.invalidArgument, "score is NULL") }
        guard structSize >= scoreV1Size else {
            throw SFError(.invalidArgument, "struct_size \(structSize) is smaller than sf_score v1 (\(scoreV1Size) bytes)")
        }
        var s = sf_score()
        s.struct_size = structSize
        storeStruct(s, to: score, size: structSize)
    }
}

@c(sf_model_score_features)
public func sf_model_score_features(_ model: OpaquePointer?, _ features: UnsafePointer<Double>?, _ n: Int,
                                    _ score: UnsafeMutablePointer<sf_score>?,
                                    _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    scoring(model, score, err) { (m) throws(SFError) in
        guard n >= 0 else { throw SFError(.invalidArgument, "n \(n) is negative") }
        guard let features, n > 0 else { throw SFError(.invalidArgument, "features is NULL or empty") }
        let x = Array(UnsafeBufferPointer(start: features, count: n))
        return ScoreResult(model: m, features: x, score: try m.score(features: x))
    }
}

@c(sf_model_score_features_batch)
public func sf_model_score_features_batch(_ model: OpaquePointer?, _ features: UnsafePointer<Double>?, _ rows: Int,
                                          _ rowStride: Int, _ scores: UnsafeMutablePointer<sf_score>?,
                                          _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let m = try requireModel(model).model
        let nf = m.featureCount
        guard rows >= 0 else { throw SFError(.invalidArgument, "rows \(rows) is negative") }
        guard rows > 0 else { return }
        guard let features, let scores else { throw SFError(.invalidArgument, "features and scores must not be NULL") }
        guard rowStride >= nf else {
            throw SFError(.invalidArgument, "row_stride \(rowStride) is smaller than the model's \(nf) features")
        }
        let (_, overflow) = rows.multipliedReportingOverflow(by: rowStride)
        guard !overflow else { throw SFError(.invalidArgument, "rows * row_stride overflows") }
        for i in 0..<rows { _ = try checkScore(scores + i) }
        for i in 0..<rows {
            let x = Array(UnsafeBufferPointer(start: features + i * rowStride, count: nf))
            do throws(SFError) {
                writeScore(ScoreResult(model: m, features: x, score: try m.score(features: x)), scores + i)
            } catch let e {
                throw SFError(e.status, "row \(i): \(e.message)")
            }
        }
    }
}

@c(sf_model_score_file)
public func sf_model_score_file(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?,
                                _ path: UnsafePointer<CChar>?, _ score: UnsafeMutablePointer<sf_score>?,
                                _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    scoreSource(model, limits, score, err) { () throws(SFError) in try pathSource(path) }
}

@c(sf_model_score_memory)
public func sf_model_score_memory(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?,
                                  _ data: UnsafeRawPointer?, _ size: Int, _ score: UnsafeMutablePointer<sf_score>?,
                                  _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    scoreSource(model, limits, score, err) { () throws(SFError) in try encodedSource(data, size) }
}

@c(sf_model_score_pixels)
public func sf_model_score_pixels(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?,
                                  _ pixels: UnsafeRawPointer?, _ size: Int, _ width: UInt32, _ height: UInt32,
                                  _ stride: Int, _ format: Int32, _ score: UnsafeMutablePointer<sf_score>?,
                                  _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    scoreSource(model, limits, score, err) { () throws(SFError) in
        try pixelSource(pixels, size, width, height, stride, format)
    }
}

@c(sf_model_score_batch)
public func sf_model_score_batch(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?,
                                 _ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int, _ threads: UInt32,
                                 _ scores: UnsafeMutablePointer<sf_score>?, _ itemErrors: UnsafeMutablePointer<sf_error>?,
                                 _ failed: UnsafeMutablePointer<Int>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    nonisolated(unsafe) let pathsP = paths
    return scoreBatchCall(model, limits, count, threads, scores, itemErrors, failed, err,
                          itemsNull: count > 0 && paths == nil ? "paths" : nil) { (i) throws(SFError) in
        guard let path = pathsP![i] else { throw SFError(.invalidArgument, "paths[\(i)] is NULL") }
        return .file(path)
    }
}

@c(sf_model_score_batch_memory)
public func sf_model_score_batch_memory(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?,
                                        _ data: UnsafePointer<UnsafeRawPointer?>?, _ sizes: UnsafePointer<Int>?,
                                        _ count: Int, _ threads: UInt32, _ scores: UnsafeMutablePointer<sf_score>?,
                                        _ itemErrors: UnsafeMutablePointer<sf_error>?,
                                        _ failed: UnsafeMutablePointer<Int>?,
                                        _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    nonisolated(unsafe) let dataP = data
    nonisolated(unsafe) let sizesP = sizes
    return scoreBatchCall(model, limits, count, threads, scores, itemErrors, failed, err,
                          itemsNull: count > 0 && data == nil ? "data" : count > 0 && sizes == nil ? "sizes" : nil) {
        (i) throws(SFError) in try encodedSource(dataP![i], sizesP![i])
    }
}

/// The body of the model batch calls: arguments checked, every score
/// zeroed before its item runs, item i from `source(i)`.
private func scoreBatchCall(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?, _ count: Int,
                            _ threads: UInt32, _ scores: UnsafeMutablePointer<sf_score>?,
                            _ itemErrors: UnsafeMutablePointer<sf_error>?, _ failed: UnsafeMutablePointer<Int>?,
                            _ err: UnsafeMutablePointer<sf_error>?, itemsNull: String?,
                            source: (Int) throws(SFError) -> ImageSource) -> sf_status {
    failed?.pointee = 0
    return guarded(err) { () throws(SFError) in
        let m = try requireModel(model).model
        let pipeline = Pipeline(model: m, limits: try readLimits(limits))
        guard count >= 0 else { throw SFError(.invalidArgument, "count \(count) is negative") }
        guard count > 0 else { return }
        guard let scores else { throw SFError(.invalidArgument, "scores is NULL") }
        if let itemsNull { throw SFError(.invalidArgument, "\(itemsNull) is NULL") }
        for i in 0..<count { _ = try checkScore(scores + i) }
        nonisolated(unsafe) let scoresP = scores
        try reportBatch(count: count, itemErrors: itemErrors, failed: failed) {
            Batch.run(count: count, threads: Int(threads)) { (i) throws(SFError) in
                writeScore(nil, scoresP + i)  // a failed item's score is zeroed
                writeScore(ScoreResult(try pipeline.assess(try source(i), with: m)), scoresP + i)
            }
        }
    }
}
