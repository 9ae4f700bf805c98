/// The batch runner: independent items on native threads, every failure
/// kept with its index, so that one bad file never stops the others.
public enum Batch {
    /// Runs `item(i)` for i in 0 ..< count on `threads` threads (0 = one per
    /// CPU). Returns the failed items, ordered by index. `item` must be safe
    /// to call concurrently.
    public static func run(count: Int, threads: Int, _ item: (Int) throws(SFError) -> Void) -> [(index: Int, error: SFError)] {
        guard count > 0 else { return [] }
        let failures = Locked<[(index: Int, error: SFError)]>([])
        withoutActuallyEscaping(item) { item in
            Parallel.forEach(count: count, threads: threads) { i in
                do throws(SFError) {
                    try item(i)
                } catch let e {
                    failures.withLock { $0.append((i, e)) }
                }
            }
        }
        return failures.withLock { $0 }.sorted { $0.index < $1.index }
    }

    /// The SF_ERR_BATCH_PARTIAL error of a batch with failures (nil if none):
    /// how many failed, and the first one's message.
    public static func partialError(_ failures: [(index: Int, error: SFError)], count: Int) -> SFError? {
        guard let first = failures.first else { return nil }
        return SFError(.batchPartial, "\(failures.count) of \(count) items failed; first (item \(first.index)): \(first.error.message)")
    }
}

extension Pipeline {
    /// Features of `count` sources on `threads` threads: `deliver(i, features)`
    /// receives each result (concurrently). Returns the failures by index.
    public func featuresBatch(count: Int, threads: Int, source: (Int) throws(SFError) -> ImageSource,
                              deliver: (Int, [Double]) throws(SFError) -> Void) -> [(index: Int, error: SFError)] {
        Batch.run(count: count, threads: threads) { (i) throws(SFError) in
            try deliver(i, try features(try source(i)))
        }
    }

    /// Scores of `count` sources with `model` on `threads` threads.
    public func scoreBatch(count: Int, threads: Int, model: Model, source: (Int) throws(SFError) -> ImageSource,
                           deliver: (Int, Model.Score) throws(SFError) -> Void) -> [(index: Int, error: SFError)] {
        Batch.run(count: count, threads: threads) { (i) throws(SFError) in
            try deliver(i, try score(try source(i), with: model))
        }
    }
}
