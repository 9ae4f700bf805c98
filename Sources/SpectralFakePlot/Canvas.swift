import CCairo
import SpectralFakeCore

/// A drawing surface written to a PNG or an SVG file (by the file's
/// extension), with the few primitives the figures need: real text,
/// antialiased lines and fills, gray images.
public final class Canvas {
    public enum Kind { case png, svg }
    public let width: Double
    public let height: Double
    let kind: Kind
    let path: String
    let surface: OpaquePointer
    let cr: OpaquePointer

    /// A canvas for `path` (".png" or ".svg"), width x height pixels (points in SVG).
    public init(path: String, width: Int, height: Int) throws(SFError) {
        let lower = path.lowercased()
        if lower.hasSuffix(".svg") { kind = .svg } else if lower.hasSuffix(".png") { kind = .png } else {
            throw SFError(.invalidArgument, "\(path): the output must end in .png or .svg")
        }
        self.path = path
        self.width = Double(width)
        self.height = Double(height)
        let s: OpaquePointer? = kind == .svg ? cairo_svg_surface_create(path, Double(width), Double(height))
            : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        guard let s, cairo_surface_status(s) == CAIRO_STATUS_SUCCESS else {
            throw SFError(.io, "\(path): cannot create the \(kind == .svg ? "SVG" : "PNG") surface")
        }
        surface = s
        cr = cairo_create(s)
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        fill(x: 0, y: 0, w: self.width, h: self.height, Color.white)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Writes the file (PNG) or finishes it (SVG).
    public func finish() throws(SFError) {
        if kind == .png {
            let st = cairo_surface_write_to_png(surface, path)
            guard st == CAIRO_STATUS_SUCCESS else {
                throw SFError(.io, "\(path): cannot write the PNG (\(String(cString: cairo_status_to_string(st))))")
            }
        } else {
            cairo_surface_finish(surface)
            guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
                throw SFError(.io, "\(path): cannot write the SVG")
            }
        }
    }

    public struct Color: Sendable {
        public var r, g, b, a: Double
        public init(_ r: Double, _ g: Double, _ b: Double, _ a: Double = 1) { self.r = r; self.g = g; self.b = b; self.a = a }
        public static let white = Color(1, 1, 1), black = Color(0, 0, 0), gray = Color(0.45, 0.45, 0.45)
        public static let grid = Color(0.88, 0.88, 0.88)
        public static let real = Color(0.12, 0.40, 0.75), fake = Color(0.84, 0.19, 0.15)
        public func with(alpha: Double) -> Color { Color(r, g, b, alpha) }
    }

    func set(_ c: Color) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a) }

    public func fill(x: Double, y: Double, w: Double, h: Double, _ c: Color) {
        set(c)
        cairo_rectangle(cr, x, y, w, h)
        cairo_fill(cr)
    }

    public func line(_ points: [(Double, Double)], _ c: Color, width: Double = 1.5) {
        guard let first = points.first else { return }
        set(c)
        cairo_set_line_width(cr, width)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_move_to(cr, first.0, first.1)
        for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
        cairo_stroke(cr)
    }

    public func polygon(_ points: [(Double, Double)], _ c: Color) {
        guard let first = points.first else { return }
        set(c)
        cairo_move_to(cr, first.0, first.1)
        for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
        cairo_close_path(cr)
        cairo_fill(cr)
    }

    public enum Align { case left, center, right }

    /// Text with its baseline at y; `rotated` turns it 90 degrees counter-clockwise.
    public func text(_ s: String, x: Double, y: Double, size: Double = 12, bold: Bool = false, align: Align = .left,
                     rotated: Bool = false, _ c: Color = .black) {
        cairo_save(cr)
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
        var ext = cairo_text_extents_t()
        cairo_text_extents(cr, s, &ext)
        let dx: Double
        switch align {
        case .left: dx = 0
        case .center: dx = -ext.x_advance / 2
        case .right: dx = -ext.x_advance
        }
        cairo_translate(cr, x, y)
        if rotated { cairo_rotate(cr, -Double.pi / 2) }
        cairo_move_to(cr, dx, 0)
        set(c)
        cairo_show_text(cr, s)
        cairo_restore(cr)
    }

    /// A gray image (values 0 ... 255, row-major) drawn into the box, scaled
    /// to fit and centred; returns the rectangle it occupies.
    @discardableResult
    public func image(gray: [UInt8], width w: Int, height h: Int, x: Double, y: Double, boxW: Double, boxH: Double)
        -> (x: Double, y: Double, w: Double, h: Double) {
        guard w > 0, h > 0, let img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(w), Int32(h)) else {
            return (x, y, 0, 0)
        }
        defer { cairo_surface_destroy(img) }
        cairo_surface_flush(img)
        let stride = Int(cairo_image_surface_get_stride(img))
        if let data = cairo_image_surface_get_data(img) {
            for r in 0..<h {
                let row = UnsafeMutableRawPointer(data + r * stride).assumingMemoryBound(to: UInt32.self)
                for c in 0..<w {
                    let v = UInt32(gray[r * w + c])
                    row[c] = (v << 16) | (v << 8) | v
                }
            }
        }
        cairo_surface_mark_dirty(img)
        let scale = min(boxW / Double(w), boxH / Double(h))
        let dw = Double(w) * scale, dh = Double(h) * scale
        let ox = x + (boxW - dw) / 2, oy = y + (boxH - dh) / 2
        cairo_save(cr)
        cairo_translate(cr, ox, oy)
        cairo_scale(cr, scale, scale)
        cairo_set_source_surface(cr, img, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), scale >= 1 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD)
        cairo_paint(cr)
        cairo_restore(cr)
        return (ox, oy, dw, dh)
    }
}
