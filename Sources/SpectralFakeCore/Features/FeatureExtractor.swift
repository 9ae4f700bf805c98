/// The feature pipeline of the article (Durall et al.), computed exactly:
/// gray image -> optional crop -> 2-D DFT -> shift -> `20 * ln|F + eps|` ->
/// azimuthal average -> cubic (not-a-knot) interpolation onto n points ->
/// normalisation. See docs/features.md for each step and its tolerance.
public enum FeatureExtractor {
    /// The raw azimuthal profile of `image` after the crop of `settings`
    /// (interpolation and normalisation are not applied).
    public static func radialProfile(of image: GrayImage, settings: FeatureSettings,
                                     planning: FFTPlanning = .auto) throws(SFError) -> [Double] {
        try settings.validate()
        guard settings.blocks == nil else {
            throw SFError(.invalidArgument, "preset \(settings.preset.name) concatenates several feature blocks; ask for the profile of one of its presets")
        }
        return try profile(of: image, settings: settings, planning: planning)
    }

    /// The feature vector of `image`: one block, or for a combo preset the
    /// blocks of its canonical square, concatenated.
    /// A `deadline` is checked before each FFT.
    public static func features(of image: GrayImage, settings: FeatureSettings,
                                planning: FFTPlanning = .auto, deadline: Deadline = .none) throws(SFError) -> [Double] {
        try settings.validate()
        guard let blocks = settings.blocks else {
            return try block(of: image, settings: settings, planning: planning, deadline: deadline)
        }
        let square = try AreaResize.centredSquare(image, side: settings.squareSide!)
        var out: [Double] = []
        out.reserveCapacity(settings.n)
        for b in blocks {
            do {
                out += try block(of: square, settings: b, planning: planning, deadline: deadline)
            } catch let e {
                throw SFError(e.status, "\(b.preset.name) block of the \(square.width)x\(square.height) square: \(e.message)")
            }
        }
        return out
    }

    /// One block: profile, interpolation, normalisation.
    static func block<I: SpectrumInput>(of image: I, settings: FeatureSettings,
                                         planning: FFTPlanning, deadline: Deadline = .none) throws(SFError) -> [Double] {
        let profile = try profile(of: image, settings: settings, planning: planning, deadline: deadline)
        try ensureAllocatable(profile.count * 8 * 8, "interpolating a \(profile.count)-value profile")
        var v: [Double]
        if settings.interpolate {
            // the spline from linspace(0, n, count) to linspace(0, n, n); its
            // plan holds 2 values per output point, made with 2 more
            try ensureAllocatable(settings.n * 8 * 4, "interpolating onto \(settings.n) points")
            v = Interpolation.featurePlan(count: profile.count, n: settings.n).apply(profile)
        } else {
            v = profile
        }
        switch settings.normalize {
        case .none:
            break
        case .first:
            let f = v[0]
            guard f != 0 && f.isFinite else {
                throw SFError(.nonFinite, "cannot divide by the first value (\(f)): it is zero")
            }
            for i in v.indices { v[i] /= f }
        case .minmax:
            guard let lo = v.min(), let hi = v.max() else {
                throw SFError(.nonFinite, "min-max normalisation of an empty profile")
            }
            let range = hi - lo
            guard range > 0 && range.isFinite else {
                throw SFError(.nonFinite, "min-max normalisation of a flat profile (min = max = \(lo))")
            }
            for i in v.indices { v[i] = (v[i] - lo) / range }
        }
        try checkFinite(v, stage: "features")
        return v
    }

    /// The azimuthal profile of one image (after the settings' crop).
    static func profile<I: SpectrumInput>(of image: I, settings: FeatureSettings,
                                           planning: FFTPlanning, deadline: Deadline = .none) throws(SFError) -> [Double] {
        let c = settings.croppedSize(width: image.width, height: image.height)
        let length = RadialBinMap.profileLength(width: c.width, height: c.height, center: settings.center)
        guard length >= FeatureSettings.minimumProfileLength else {
            let cropNote = settings.crop == .none ? "" : " (\(c.width)x\(c.height) after the \(settings.crop.name) crop)"
            throw SFError(.imageTooSmall,
                          "image \(image.width)x\(image.height)\(cropNote) gives \(length) profile values; at least \(FeatureSettings.minimumProfileLength) are needed (about 9x9 pixels)")
        }
        try deadline.check("the FFT")
        // a constant window has no spectrum to speak of: say so before the
        // FFT buffers (8 bytes a pixel) and the ring map are allocated
        guard image.isConstant(x0: c.x0, y0: c.y0, width: c.width, height: c.height) else {
            let map = try RadialBinMap.map(width: c.width, height: c.height, center: settings.center)
            var acc = try RadialAccumulator(map: map, epsilon: settings.epsilon)
            try FFT.transform(image, x0: c.x0, y0: c.y0, width: c.width, height: c.height,
                              planning: planning) { kx0, n, cols in
                acc.add(firstColumn: kx0, count: n, columns: cols)
            }
            let profile = try acc.finish()
            try checkFinite(profile, stage: "azimuthal profile")
            return profile
        }
        let crop = c.width != image.width || c.height != image.height ? " in the \(c.width)x\(c.height) crop" : ""
        let v = image.value(x: c.x0, y: c.y0)
        let shown = v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
        throw SFError(.constantImage, "image \(image.width)x\(image.height) is constant\(crop) (every pixel is \(shown)): its spectrum has no structure")
    }

    static func checkFinite(_ v: [Double], stage: String) throws(SFError) {
        if let i = v.firstIndex(where: { !$0.isFinite }) {
            throw SFError(.nonFinite, "\(stage) value \(i) is \(v[i])")
        }
    }
}
