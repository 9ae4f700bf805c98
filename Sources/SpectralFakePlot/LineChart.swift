#if canImport(Glibc)
import Glibc
#endif

/// A line chart with optional ±1 std bands, axes with ticks and labels, a
/// legend and a title, drawn into a rectangle of a Canvas.
public struct LineChart {
    public struct Series {
        public var label: String
        public var x: [Double]
        public var y: [Double]
        /// Half-width of the band around y (e.g. one standard deviation), or nil.
        public var band: [Double]?
        public var color: Canvas.Color

        public init(label: String, x: [Double], y: [Double], band: [Double]? = nil, color: Canvas.Color) {
            self.label = label
            self.x = x
            self.y = y
            self.band = band
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// Round tick values covering lo ... hi (about `count` of them).
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = ceil(lo / step) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        let s = String(format2: v)
        return s
    }

    public func draw(on c: Canvas, x: Double, y: Double, w: Double, h: Double) {
        let left = x + 70, right = x + w - 20, top = y + 48, bottom = y + h - 56
        c.text(title, x: x + w / 2, y: y + 26, size: 15, bold: true, align: .center)
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            xs += s.x
            for (i, v) in s.y.enumerated() {
                let b = s.band?[i] ?? 0
                ys.append(v - b)
                ys.append(v + b)
            }
        }
        guard let x0 = xs.min(), let x1 = xs.max(), let y0r = ys.min(), let y1r = ys.max() else { return }
        let pad = (y1r - y0r) * 0.05
        let y0 = y0r - pad, y1 = y1r + pad
        func px(_ v: Double) -> Double { x1 > x0 ? left + (v - x0) / (x1 - x0) * (right - left) : left }
        func py(_ v: Double) -> Double { y1 > y0 ? bottom - (v - y0) / (y1 - y0) * (bottom - top) : bottom }
        // grid and ticks
        for t in LineChart.ticks(y0, y1) {
            c.line([(left, py(t)), (right, py(t))], .grid, width: 1)
            c.text(LineChart.format(t), x: left - 8, y: py(t) + 4, size: 11, align: .right, .gray)
        }
        for t in LineChart.ticks(x0, x1) {
            c.line([(px(t), top), (px(t), bottom)], .grid, width: 1)
            c.text(LineChart.format(t), x: px(t), y: bottom + 18, size: 11, align: .center, .gray)
        }
        c.line([(left, top), (left, bottom), (right, bottom)], .black, width: 1.2)
        c.text(xLabel, x: (left + right) / 2, y: bottom + 40, size: 12, align: .center)
        c.text(yLabel, x: x + 20, y: (top + bottom) / 2, size: 12, align: .center, rotated: true)
        // bands first, then lines
        for s in series {
            guard let b = s.band else { continue }
            var poly: [(Double, Double)] = []
            for i in s.x.indices { poly.append((px(s.x[i]), py(s.y[i] + b[i]))) }
            for i in s.x.indices.reversed() { poly.append((px(s.x[i]), py(s.y[i] - b[i]))) }
            c.polygon(poly, s.color.with(alpha: 0.18))
        }
        for s in series {
            c.line(zip(s.x, s.y).map { (px($0), py($1)) }, s.color, width: 2)
        }
        // legend, top right
        var ly = top + 16
        for s in series {
            c.line([(right - 190, ly - 4), (right - 165, ly - 4)], s.color, width: 3)
            c.text(s.label, x: right - 158, y: ly, size: 12)
            ly += 18
        }
    }
}

extension String {
    /// A short decimal: up to 3 significant digits after the point.
    init(format2 v: Double) {
        let a = abs(v)
        let digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3
        let p = pow(10, Double(digits))
        let r = (v * p).rounded() / p
        var s = String(r)
        if s.hasSuffix(".0") { s.removeLast(2) }
        self = s
    }
}
