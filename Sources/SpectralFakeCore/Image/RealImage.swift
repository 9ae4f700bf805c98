/// A gray image with double-precision pixels (the result of resampling),
/// row-major, `width * height` values.
public struct RealImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [Double]

    public init(width: Int, height: Int, pixels: [Double]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height)
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// The canonical square of the combo presets: the centred square of side
/// min(W, H), resampled to `side x side` by area averaging in double
/// precision, no rounding.
///
/// With scale = s / side, output pixel (i, j) is the area-weighted mean of
/// the source pixels under the square [j*scale, (j+1)*scale) x [i*scale,
/// (i+1)*scale): out = A * img * A^T with A[i][k] = |[k, k+1) ∩ [i*scale,
/// (i+1)*scale)| / scale (docs/features.md; spectralfake.reference.area_resize
/// is the same in numpy). For s < side it repeats pixels (nearest
/// neighbour with fractional edges).
public enum AreaResize {
    /// The weights of one axis: for each output index, the first source index
    /// and the weights of the source indices from there on.
    static func weights(source s: Int, target n: Int) -> [(first: Int, w: [Double])] {
        let scale = Double(s) / Double(n)
        var out: [(Int, [Double])] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let lo = Double(i) * scale, hi = Double(i + 1) * scale
            let k0 = Int(lo.rounded(.down)), k1 = min(s - 1, Int(hi.rounded(.up)) - 1)
            var w: [Double] = []
            for k in k0...max(k0, k1) {
                let overlap = min(hi, Double(k + 1)) - max(lo, Double(k))
                w.append(max(0, overlap) / scale)
            }
            out.append((k0, w))
        }
        return out
    }

    /// The centred square of `image`, resampled to side x side.
    public static func centredSquare(_ image: GrayImage, side: Int) throws(SFError) -> RealImage {
        let s = min(image.width, image.height)
        try ensureAllocatable(s * side * 8 + s * 16, "resampling a \(image.width)x\(image.height) image to \(side)x\(side)")
        let x0 = (image.width - s) / 2, y0 = (image.height - s) / 2
        let a = weights(source: s, target: side)
        // rows: tmp[r][j] = sum_k img[y0 + r][x0 + k] * A[j][k]   (s rows x side)
        var tmp = [Double](repeating: 0, count: s * side)
        image.withPixels { src in
            for r in 0..<s {
                let row = (y0 + r) * image.width + x0
                for j in 0..<side {
                    let (k0, w) = a[j]
                    var acc = 0.0
                    for (t, wt) in w.enumerated() { acc += wt * Double(src[row + k0 + t]) }
                    tmp[r * side + j] = acc
                }
            }
        }
        // columns: out[i][j] = sum_k A[i][k] * tmp[k][j]
        var out = [Double](repeating: 0, count: side * side)
        for i in 0..<side {
            let (k0, w) = a[i]
            for (t, wt) in w.enumerated() {
                let r = (k0 + t) * side
                for j in 0..<side { out[i * side + j] += wt * tmp[r + j] }
            }
        }
        return RealImage(width: side, height: side, pixels: out)
    }
}
