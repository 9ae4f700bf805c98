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
        let c = settings.croppedSize(width: image.width, height: image.height)
        let length = RadialBinMap.profileLength(width: c.width, height: c.height, center: settings.center)
        guard length >= FeatureSettings.minimumProfileLength else {
            let cropNote = settings.crop == .none ? "" : " (\(c.width)x\(c.height) after the \(settings.crop.name) crop)"
            throw SFError(.imageTooSmall,
                          "image \(image.width)x\(image.height)\(cropNote) gives \(length) profile values; at least \(FeatureSettings.minimumProfileLength) are needed (about 9x9 pixels)")
        }
        let map = try RadialBinMap.map(width: c.width, height: c.height, center: settings.center)
        var acc = RadialAccumulator(map: map, epsilon: settings.epsilon)
        let structured = try FFT.transform(image, x0: c.x0, y0: c.y0, width: c.width, height: c.height,
                                           planning: planning) { kx0, n, cols in
            acc.add(firstColumn: kx0, count: n, columns: cols)
        }
        guard structured else {
            let crop = c.width != image.width || c.height != image.height ? " in the \(c.width)x\(c.height) crop" : ""
            throw SFError(.constantImage, "image \(image.width)x\(image.height) is constant\(crop) (every pixel is \(image.pixels[c.y0 * image.width + c.x0])): its spectrum has no structure")
        }
        let profile = try acc.finish()
        try checkFinite(profile, stage: "azimuthal profile")
        return profile
    }

    /// The feature vector of `image`.
    public static func features(of image: GrayImage, settings: FeatureSettings,
                                planning: FFTPlanning = .auto) throws(SFError) -> [Double] {
        let profile = try radialProfile(of: image, settings: settings, planning: planning)
        var v: [Double]
        if settings.interpolate {
            let n = settings.n
            let points = Interpolation.linspace(0, Double(n), profile.count)
            let xi = Interpolation.linspace(0, Double(n), n)
            v = Interpolation.notAKnotSpline(x: points, y: profile, at: xi)
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

    static func checkFinite(_ v: [Double], stage: String) throws(SFError) {
        if let i = v.firstIndex(where: { !$0.isFinite }) {
            throw SFError(.nonFinite, "\(stage) value \(i) is \(v[i])")
        }
    }
}
