// FuzzModel - the model loader from memory through the C ABI
// (sf_model_load_memory: strict JSON reader and model validation) and, when
// a model loads, scoring a fixed feature vector of the model's length.
//
// Findings (traps): a crash or sanitizer report; a failed load with a
// handle, an empty message or a status other than the model errors; a
// loaded model whose accessors disagree (feature count, class count, label
// strings, settings that sf_context_new refuses or that announce another
// feature count); a score that is SF_OK with a non-finite decision or
// probability, a probability outside [0, 1] (beyond sklearn's 1e-5 slack),
// an inconsistent label, or that differs between sf_model_score_features and
// sf_model_score_features_batch; a scoring failure other than
// SF_ERR_NON_FINITE.
import CSpectralFakeABI
import FuzzSupport
import SpectralFake

nonisolated(unsafe) var limits = fuzzLimits(maxPixels: 1 << 20)

let loadFailures: Set<UInt32> = [SF_ERR_MODEL_INVALID, SF_ERR_MODEL_VERSION, SF_ERR_LIMIT_MODEL_SIZE]
    .reduce(into: []) { $0.insert($1.rawValue) }

/// A plausible normalised spectrum: decreasing from 1, values in [0.4, 1].
func fixedVector(_ n: Int) -> [Double] {
    (0..<n).map { i in 1.0 - 0.6 * Double(i) / Double(max(n - 1, 1)) }
}

func sameScore(_ a: sf_score, _ b: sf_score) -> Bool {
    a.decision.bitPattern == b.decision.bitPattern && a.probability_fake.bitPattern == b.probability_fake.bitPattern
        && a.label == b.label && a.has_probability == b.has_probability && a.class_index == b.class_index
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var err = sf_error()
    var model: OpaquePointer? = nil
    let st = sf_model_load_memory(&limits, data, size, &model, &err)
    guard st == SF_OK else {
        checkFailureReport(st, &err, "sf_model_load_memory")
        fuzzCheck(model == nil, "sf_model_load_memory failed (\(statusName(st))) but set a handle")
        fuzzCheck(loadFailures.contains(st.rawValue),
                  "sf_model_load_memory: unexpected status \(statusName(st)): \(message(&err))")
        return 0
    }
    checkSuccessReport(&err, "sf_model_load_memory")
    guard let model else { fuzzFail("sf_model_load_memory returned SF_OK and a NULL model") }
    defer { sf_model_free(model) }

    // Accessors.
    let nf = sf_model_feature_count(model)
    fuzzCheck(nf >= 1 && nf <= 1 << 20, "loaded model has \(nf) features")
    fuzzCheck(sf_model_class_count(model) == 2, "loaded model has \(sf_model_class_count(model)) classes")
    let fake = sf_model_fake_class(model)
    fuzzCheck(fake == 0 || fake == 1, "fake class is \(fake)")
    guard let name = sf_model_classifier(model) else { fuzzFail("sf_model_classifier returned NULL") }
    fuzzCheck(!String(cString: name).isEmpty, "empty classifier name")
    var labels: [String] = []
    for k in 0..<2 {
        var len = -1
        var st = sf_model_class_label(model, k, nil, 0, &len, &err)
        fuzzCheck(st == SF_ERR_BUFFER_TOO_SMALL && len >= 0, "sf_model_class_label(\(k), NULL) gave \(statusName(st)), length \(len)")
        var buf = [CChar](repeating: 0x7F, count: len + 1)
        st = sf_model_class_label(model, k, &buf, buf.count, &len, &err)
        fuzzCheck(st == SF_OK && buf[len] == 0, "sf_model_class_label(\(k)) gave \(statusName(st))")
        labels.append(String(cString: buf))
    }
    blackHole(labels)  // equal texts are possible (classes ["1", 1]); not checked
    fuzzCheck(sf_model_class_label(model, 2, nil, 0, nil, &err) == SF_ERR_INVALID_ARGUMENT, "class index 2 accepted")

    // The model's feature settings must make a context announcing its feature count.
    var s = sf_settings()
    _ = sf_settings_init(&s, MemoryLayout<sf_settings>.size, 0, &err)
    var sst = sf_model_settings(model, &s, &err)
    fuzzCheck(sst == SF_OK, "sf_model_settings failed: \(message(&err))")
    var ctx: OpaquePointer? = nil
    sst = sf_context_new(&s, &limits, &ctx, &err)
    fuzzCheck(sst == SF_OK && ctx != nil, "sf_context_new refuses the settings of a loaded model: \(message(&err))")
    if s.interpolate != 0 {
        var announced = 0
        _ = sf_context_feature_count(ctx, 64, 64, &announced, &err)
        fuzzCheck(announced == nf, "model takes \(nf) features, its settings give \(announced)")
    }
    sf_context_free(ctx)

    // Score a fixed vector.
    let x = fixedVector(nf)
    var score = sf_score()
    _ = sf_score_init(&score, MemoryLayout<sf_score>.size, &err)
    let sc = x.withUnsafeBufferPointer { sf_model_score_features(model, $0.baseAddress, nf, &score, &err) }
    var batch = [sf_score](repeating: score, count: 2)
    let rows = x + [Double](repeating: 0, count: 1) + x   // row stride nf + 1
    let bst = rows.withUnsafeBufferPointer { r in
        batch.withUnsafeMutableBufferPointer { b in
            for i in 0..<2 { _ = sf_score_init(b.baseAddress! + i, MemoryLayout<sf_score>.size, nil) }
            return sf_model_score_features_batch(model, r.baseAddress, 2, nf + 1, b.baseAddress, nil)
        }
    }
    fuzzCheck(bst == sc, "sf_model_score_features gave \(statusName(sc)), the batch \(statusName(bst))")
    if sc != SF_OK {
        checkFailureReport(sc, &err, "sf_model_score_features")
        fuzzCheck(sc == SF_ERR_NON_FINITE,
                  "scoring a valid vector failed with \(statusName(sc)): \(message(&err))")
        return 0
    }
    fuzzCheck(sameScore(score, batch[0]) && sameScore(score, batch[1]), "batch score differs from the single score")
    fuzzCheck(score.decision.isFinite, "SF_OK with decision \(score.decision)")
    fuzzCheck(score.class_index == 0 || score.class_index == 1, "class_index \(score.class_index)")
    fuzzCheck(score.label == (score.class_index == fake ? 1 : 0),
              "label \(score.label) for class \(score.class_index) with fake class \(fake)")
    fuzzCheck(score.has_probability == sf_model_has_probability(model), "has_probability disagrees")
    if score.has_probability != 0 {
        let p = score.probability_fake
        fuzzCheck(p.isFinite, "SF_OK with probability \(p)")
        fuzzCheck(p >= -1e-9 && p <= 1 + 1e-5, "probability \(p) outside [0, 1]")
    } else {
        fuzzCheck(score.probability_fake == 0, "probability \(score.probability_fake) without a probability model")
    }

    // A vector of the wrong length is refused.
    var wrong = sf_score()
    _ = sf_score_init(&wrong, MemoryLayout<sf_score>.size, nil)
    let w = (x + [0.5]).withUnsafeBufferPointer { sf_model_score_features(model, $0.baseAddress, nf + 1, &wrong, nil) }
    fuzzCheck(w == SF_ERR_FEATURE_MISMATCH, "a vector of \(nf + 1) values gave \(statusName(w))")
    return 0
}

runFuzzer { fuzzOne($0, $1) }
