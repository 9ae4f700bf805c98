import SpectralFakeCore

/// The images of --real and --fake folders, with their labels (0 = real,
/// 1 = fake) and the folder each came from (for per-folder figures).
struct LabelledSet {
    var paths: [String] = []
    var labels: [Int] = []
    var folders: [String] = []
    var skipped: [String] = []

    init(real: [String], fake: [String]) throws(SFError) {
        for (dirs, label) in [(real, 0), (fake, 1)] {
            for d in dirs {
                var inputs = Inputs()
                let found = inputs.collect([d])
                if found.isEmpty { throw SFError(.io, "\(d): no JPEG or PNG images found") }
                for p in found {
                    paths.append(p)
                    labels.append(label)
                    folders.append(Self.folder(p, root: d))
                }
                if let s = inputs.skippedSummary { skipped.append("\(d): \(s)") }
            }
        }
    }

    /// The folder of a file relative to its root argument ("." for the root itself).
    static func folder(_ path: String, root: String) -> String {
        let parts = path.split(separator: "/")
        let dir = parts.dropLast().joined(separator: "/")
        let r = root.split(separator: "/").joined(separator: "/")
        let base = root.hasPrefix("/") ? "/" + r : r
        let d = path.hasPrefix("/") ? "/" + dir : dir
        if d == base { return base.split(separator: "/").last.map(String.init) ?? base }
        return d
    }

    var realCount: Int { labels.filter { $0 == 0 }.count }
    var fakeCount: Int { labels.filter { $0 == 1 }.count }
}

/// Features of many files on native threads, with a progress bar; failed
/// files are reported on standard error and left out (their indices returned).
func computeFeatures(_ paths: [String], pipeline: Pipeline, threads: Int, label: String = "images")
    -> (rows: [[Double]?], failed: [Int]) {
    let progress = Progress(total: paths.count, label: label)
    var rows = [[Double]?](repeating: nil, count: paths.count)
    var failed: [Int] = []
    var cursor = 0
    let pool = OrderedPool<Int, Result<[Double], SFError>>(
        window: 16 * threads,
        next: { () -> Int? in
            guard cursor < paths.count else { return nil }
            defer { cursor += 1 }
            return cursor
        },
        work: { i in
            paths[i].withCString { p in Result { () throws(SFError) in try pipeline.features(.file(p)) } }
        },
        emit: { i, _, r in
            switch r {
            case .success(let v): rows[i] = v
            case .failure(let e):
                progress.finish()
                Output.error("\(e.message) [\(e.status.name)]")
                failed.append(i)
            }
            progress.step()
        })
    pool.run(threads: threads)
    progress.finish()
    return (rows, failed)
}
