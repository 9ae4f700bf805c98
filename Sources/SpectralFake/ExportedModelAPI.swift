// ExportedModelAPI.swift - the sf_model_* and sf_score_* functions of
// include/spectralfake.h. Converts and checks; the scoring itself is
// SpectralFakeCore.Model.
import CSpectralFakeABI
import SpectralFakeCore

final class ModelBox: @unchecked Sendable {
    let model: Model
    /// NUL-terminated copies of strings handed out by pointer; they live as
    /// long as the box.
    let classifierCString: UnsafeMutablePointer<CChar>

    init(model: Model) {
        self.model = model
        let bytes = Array(model.classifierName.utf8CString)
        classifierCString = .allocate(capacity: bytes.count)
        classifierCString.initialize(from: bytes, count: bytes.count)
    }

    deinit { classifierCString.deallocate() }
}

let scoreV1Size = 40

func requireModel(_ m: OpaquePointer?) throws(SFError) -> ModelBox {
    guard let m else { throw SFError(.invalidArgument, "sf_model is NULL") }
    guard let box = Handles.get(m, ModelBox.self) else {
        throw SFError(.invalidArgument, "sf_model handle is not live (freed, or not an sf_model)")
    }
    return box
}

func checkScore(_ s: UnsafeMutablePointer<sf_score>?) throws(SFError) -> UnsafeMutablePointer<sf_score> {
    guard let s else { throw SFError(.invalidArgument, "score is NULL") }
    let size = readStructSize(s)
    guard size >= scoreV1Size else {
        throw SFError(.invalidArgument, "sf_score.struct_size is \(size), expected at least \(scoreV1Size): initialise it with sf_score_init")
    }
    return s
}

/// An exported single-score function: checks the model and the score
/// struct, zeroes the score, then stores what `compute` returns.
func scoring(_ model: OpaquePointer?, _ score: UnsafeMutablePointer<sf_score>?, _ err: UnsafeMutablePointer<sf_error>?,
             _ compute: (ModelBox) throws(SFError) -> Model.Score) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireModel(model)
        let s = try checkScore(score)
        writeScore(nil, s)
        writeScore(try compute(box), s)
    }
}

func writeScore(_ r: Model.Score?, _ s: UnsafeMutablePointer<sf_score>) {
    var out = sf_score()
    out.struct_size = readStructSize(s)
    if let r {
        out.decision = r.decision
        out.probability_fake = r.probabilityFake ?? 0
        out.label = r.isFake ? 1 : 0
        out.has_probability = r.probabilityFake == nil ? 0 : 1
        out.class_index = Int32(r.classIndex)
    }
    s.pointee = out
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

@c(sf_model_load_memory)
public func sf_model_load_memory(_ limits: UnsafePointer<sf_limits>?, _ data: UnsafeRawPointer?, _ size: Int,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    produceHandle(out, err) { () throws(SFError) in
        guard size >= 0 else { throw SFError(.invalidArgument, "size \(size) is negative") }
        guard size > 0 else { throw SFError(.modelInvalid, "empty model (0 bytes)") }
        guard let data else { throw SFError(.invalidArgument, "data is NULL") }
        let l = try readLimits(limits)
        try l.checkModelSize(size)  // before copying the buffer
        let bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: size))
        return ModelBox(model: try Model.parse(bytes, limits: l))
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
    Handles.get(model, ModelBox.self)?.model.classLabels.count ?? 0
}

@c(sf_model_class_label)
public func sf_model_class_label(_ model: OpaquePointer?, _ index: Int, _ buffer: UnsafeMutablePointer<CChar>?,
                                 _ capacity: Int, _ length: UnsafeMutablePointer<Int>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireModel(model)
        let labels = box.model.classLabels
        guard index >= 0 && index < labels.count else {
            throw SFError(.invalidArgument, "class index \(index) is out of range (0 ..< \(labels.count))")
        }
        let bytes = Array(labels[index].utf8)
        length?.pointee = bytes.count
        guard let buffer, capacity > bytes.count else {
            throw SFError(.bufferTooSmall, "class label needs \(bytes.count + 1) bytes, the buffer has \(max(capacity, 0))")
        }
        for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        buffer[bytes.count] = 0
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
        score.pointee = s
    }
}

@c(sf_model_score_features)
public func sf_model_score_features(_ model: OpaquePointer?, _ features: UnsafePointer<Double>?, _ n: Int,
                                    _ score: UnsafeMutablePointer<sf_score>?,
                                    _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    scoring(model, score, err) { (box) throws(SFError) in
        guard n >= 0 else { throw SFError(.invalidArgument, "n \(n) is negative") }
        guard let features, n > 0 else { throw SFError(.invalidArgument, "features is NULL or empty") }
        return try box.model.score(features: Array(UnsafeBufferPointer(start: features, count: n)))
    }
}

@c(sf_model_score_features_batch)
public func sf_model_score_features_batch(_ model: OpaquePointer?, _ features: UnsafePointer<Double>?, _ rows: Int,
                                          _ rowStride: Int, _ scores: UnsafeMutablePointer<sf_score>?,
                                          _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    guarded(err) { () throws(SFError) in
        let box = try requireModel(model)
        let nf = box.model.featureCount
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
                writeScore(try box.model.score(features: x), scores + i)
            } catch let e {
                throw SFError(e.status, "row \(i): \(e.message)")
            }
        }
    }
}

/// The model's features of an image, checked against its feature count.
func modelFeatures(_ box: ModelBox, _ image: GrayImage, _ limits: Limits) throws(SFError) -> [Double] {
    let f = try FeatureExtractor.features(of: image, settings: box.model.settings, planning: limits.fftPlanning)
    guard f.count == box.model.featureCount else {
        throw SFError(.featureMismatch,
                      "image \(image.width)x\(image.height) gives \(f.count) features, the model takes \(box.model.featureCount) (\(box.model.settings.preset.rawValue) raw profile: score images of the size it was trained on)")
    }
    return f
}

func scoreFile(_ box: ModelBox, _ path: UnsafePointer<CChar>, _ limits: Limits) throws(SFError) -> Model.Score {
    let (img, _) = try ImageDecoder.decodeFile(cPath: path, limits: limits)
    do {
        return try box.model.score(features: try modelFeatures(box, img, limits))
    } catch let e {
        throw e.prefixed(FileReader.displayPath(path))
    }
}

@c(sf_model_score_file)
public func sf_model_score_file(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?,
                                _ path: UnsafePointer<CChar>?, _ score: UnsafeMutablePointer<sf_score>?,
                                _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    scoring(model, score, err) { (box) throws(SFError) in
        guard let path else { throw SFError(.invalidArgument, "path is NULL") }
        return try scoreFile(box, path, try readLimits(limits))
    }
}

@c(sf_model_score_memory)
public func sf_model_score_memory(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?,
                                  _ data: UnsafeRawPointer?, _ size: Int, _ score: UnsafeMutablePointer<sf_score>?,
                                  _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    scoring(model, score, err) { (box) throws(SFError) in
        let l = try readLimits(limits)
        let (img, _) = try decodeMemory(data, size, l)
        return try box.model.score(features: try modelFeatures(box, img, l))
    }
}

@c(sf_model_score_pixels)
public func sf_model_score_pixels(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?,
                                  _ pixels: UnsafeRawPointer?, _ size: Int, _ width: UInt32, _ height: UInt32,
                                  _ stride: Int, _ format: Int32, _ score: UnsafeMutablePointer<sf_score>?,
                                  _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    scoring(model, score, err) { (box) throws(SFError) in
        let l = try readLimits(limits)
        let img = try imageFromPixels(pixels, size, width, height, stride, format, l)
        return try box.model.score(features: try modelFeatures(box, img, l))
    }
}

@c(sf_model_score_batch)
public func sf_model_score_batch(_ model: OpaquePointer?, _ limits: UnsafePointer<sf_limits>?,
                                 _ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int, _ threads: UInt32,
                                 _ scores: UnsafeMutablePointer<sf_score>?, _ itemErrors: UnsafeMutablePointer<sf_error>?,
                                 _ failed: UnsafeMutablePointer<Int>?,
                                 _ err: UnsafeMutablePointer<sf_error>?) -> sf_status {
    failed?.pointee = 0
    return guarded(err) { () throws(SFError) in
        let box = try requireModel(model)
        let l = try readLimits(limits)
        guard count >= 0 else { throw SFError(.invalidArgument, "count \(count) is negative") }
        guard count > 0 else { return }
        guard let scores else { throw SFError(.invalidArgument, "scores is NULL") }
        for i in 0..<count { _ = try checkScore(scores + i) }
        nonisolated(unsafe) let scoresP = scores
        try runBatch(paths: paths, count: count, threads: threads, itemErrors: itemErrors, failed: failed) { (i, path) throws(SFError) in
            do throws(SFError) {
                writeScore(try scoreFile(box, path, l), scoresP + i)
            } catch let e {
                writeScore(nil, scoresP + i)
                throw e
            }
        }
    }
}
