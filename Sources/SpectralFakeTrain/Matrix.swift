/// A dense row-major matrix of doubles: one row per image, one column per
/// feature.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public var data: [Double]

    public init(rows: Int, cols: Int, data: [Double]) {
        precondition(data.count == rows * cols)
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    public init(_ rowArrays: [[Double]]) {
        let c = rowArrays.first?.count ?? 0
        self.init(rows: rowArrays.count, cols: c, data: rowArrays.flatMap { $0 })
    }

    public func row(_ i: Int) -> ArraySlice<Double> { data[(i * cols)..<((i + 1) * cols)] }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> Matrix {
        var out = [Double]()
        out.reserveCapacity(indices.count * cols)
        for i in indices { out.append(contentsOf: row(i)) }
        return Matrix(rows: indices.count, cols: cols, data: out)
    }

    /// numpy's `X.var()`: the population variance of all entries (two-pass).
    public var varianceOfAllEntries: Double {
        guard !data.isEmpty else { return 0 }
        var mean = 0.0
        for v in data { mean += v }
        mean /= Double(data.count)
        var s = 0.0
        for v in data { let t = v - mean; s += t * t }
        return s / Double(data.count)
    }
}
