import SpectralFakeCore

/// The two figures of the command line.
public enum Figures {
    /// Mean and standard deviation of each column.
    public static func meanStd(_ rows: [[Double]]) -> (mean: [Double], std: [Double]) {
        guard let n = rows.first?.count else { return ([], []) }
        var mean = [Double](repeating: 0, count: n), sq = [Double](repeating: 0, count: n)
        for r in rows { for i in 0..<n { mean[i] += r[i] } }
        for i in 0..<n { mean[i] /= Double(rows.count) }
        for r in rows { for i in 0..<n { let d = r[i] - mean[i]; sq[i] += d * d } }
        return (mean, sq.map { ($0 / Double(rows.count)).squareRoot() })
    }

    /// The article's figure: the mean 1-D power spectrum of each class with
    /// a ±1 standard deviation band.
    public static func classSpectra(real: [[Double]], fake: [[Double]], featureName: String, path: String,
                                    width: Int = 900, height: Int = 540) throws(SFError) {
        let c = try Canvas(path: path, width: width, height: height)
        var series: [LineChart.Series] = []
        for (label, rows, color) in [("real (\(real.count))", real, Canvas.Color.real),
                                     ("fake (\(fake.count))", fake, Canvas.Color.fake)] where !rows.isEmpty {
            let (m, s) = meanStd(rows)
            series.append(.init(label: "\(label) mean ± 1 std", x: m.indices.map(Double.init), y: m, band: s, color: color))
        }
        let chart = LineChart(title: "1-D power spectrum, \(real.count) real vs \(fake.count) fake (\(featureName))",
                              xLabel: "spatial frequency (interpolated ring index)",
                              yLabel: "power spectrum (normalised)", series: series)
        chart.draw(on: c, x: 0, y: 0, w: c.width, h: c.height)
        try c.finish()
    }

    /// An image, its centred log-magnitude spectrum and its 1-D profile side
    /// by side, with the verdict in the title when there is one.
    public static func spectrum(image: GrayImage, spectrum: RealImage, profile: [Double], title: String, path: String)
        throws(SFError) {
        let c = try Canvas(path: path, width: 1260, height: 470)
        c.text(title, x: c.width / 2, y: 28, size: 15, bold: true, align: .center)
        let box = 360.0, top = 70.0
        c.image(gray: image.pixels, width: image.width, height: image.height, x: 20, y: top, boxW: box, boxH: box)
        c.text("image (\(image.width)x\(image.height), gray)", x: 20 + box / 2, y: top + box + 24, size: 12,
               align: .center)
        c.image(gray: displayBytes(spectrum), width: spectrum.width, height: spectrum.height, x: 400, y: top,
                boxW: box, boxH: box)
        c.text("20 ln|F| (centred, \(spectrum.width)x\(spectrum.height))", x: 400 + box / 2, y: top + box + 24,
               size: 12, align: .center)
        let chart = LineChart(title: "azimuthal average", xLabel: "radius (pixels from the centre)",
                              yLabel: "mean 20 ln|F|",
                              series: [.init(label: "profile", x: profile.indices.map { Double($0 + 1) }, y: profile,
                                             color: .real)])
        chart.draw(on: c, x: 780, y: 40, w: 470, h: 430)
        try c.finish()
    }

    /// Spectrum values mapped to 0 ... 255 between their 1st and 99.9th percentiles.
    static func displayBytes(_ s: RealImage) -> [UInt8] {
        let finite = s.pixels.filter { $0.isFinite }.sorted()
        guard !finite.isEmpty else { return [UInt8](repeating: 0, count: s.pixels.count) }
        let lo = finite[finite.count / 100], hi = finite[min(finite.count - 1, finite.count * 999 / 1000)]
        let range = hi > lo ? hi - lo : 1
        return s.pixels.map { v in
            guard v.isFinite else { return 0 }
            return UInt8(max(0, min(255, ((v - lo) / range * 255).rounded())))
        }
    }
}
