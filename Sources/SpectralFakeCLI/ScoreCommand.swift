import ArgumentParser
import SpectralFakeCore

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score images: real, fake or uncertain, with the reasons.",
        discussion: """
        Folders are searched recursively for JPEG and PNG files (recognised by their content or a .jpg/.jpeg/.png name; other files are skipped and counted on standard error). "-" reads one path per line from standard input. Output is in input order whatever --threads is.

        Each result has the verdict, P(fake) (calibrated), the decision value, the model, notes on inputs outside the model's scope (smaller than its training size, upscaled, recompressed harder than anything in training, grayscale, very non-square, unlike the training data) and the file's scope (size, format, JPEG quality estimate, subsampling, progressive), which is reported and never fed to the classifier. A file that cannot be scored gets an error record (and a message on standard error) instead; the others go on.

        --exiftool writes the results as exiftool tags (XMP-spectralfake:Verdict, ProbabilityFake, Decision, Model, ModelVersion, LibraryVersion, Notes) for `exiftool -config bindings/exiftool/spectralfake.config -json=`; files that could not be scored are left out of it (reported on standard error), so exiftool never writes half a record. See bindings/exiftool/README.md.

        Exit status: 0 when every input was scored, 1 when some failed, 2 for a usage error.

        Examples:
          spectralfake score photo.jpg
          spectralfake score --json faces/ > scores.json
          find . -name '*.png' | spectralfake score --jsonl - > scores.jsonl
          spectralfake score --model mine.json --uncertain 0.3,0.7 --csv faces/
          spectralfake score --exiftool photos/ > scores.json
          exiftool -config bindings/exiftool/spectralfake.config \\
              -XMP-spectralfake:all= -json=scores.json -overwrite_original -r photos/
        """)

    enum Format: String, EnumerableFlag {
        case table, json, jsonl, csv, exiftool
        static func help(for value: Format) -> ArgumentHelp? {
            switch value {
            case .table: return "A readable table (default)."
            case .json: return "One JSON array of objects."
            case .jsonl: return "One JSON object per line, written as each image finishes."
            case .csv: return "CSV with a header line."
            case .exiftool: return "One JSON array of XMP-spectralfake tags for exiftool -json= (scored files only)."
            }
        }
    }

    @OptionGroup var modelOption: ModelOption
    @OptionGroup var runOptions: RunOptions
    @Flag(help: "Output format.") var format: Format = .table
    @Option(help: ArgumentHelp("P(fake) at or above which the verdict is fake (default: the model's).", valueName: "P"))
    var threshold: Double?
    @Option(help: ArgumentHelp("LO,HI: P(fake) in [LO, HI] is reported as uncertain (default: the model's band).",
                               valueName: "LO,HI"))
    var uncertain: String?
    @Flag(help: "No progress bar, even on a terminal.") var noProgress = false
    @Argument(help: ArgumentHelp("Images or folders; - reads paths from standard input.", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name at least one image or folder (or - for standard input)") }
        if let threshold, !(threshold >= 0 && threshold <= 1) {
            throw ValidationError("--threshold must be a probability in 0 ... 1, not \(threshold)")
        }
        _ = try band()
    }

    func band() throws -> ClosedRange<Double>? {
        guard let uncertain else { return nil }
        let parts = uncertain.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let lo = Double(parts[0]), let hi = Double(parts[1]),
              lo >= 0, hi <= 1, lo <= hi else {
            throw ValidationError("--uncertain takes LO,HI with 0 <= LO <= HI <= 1 (e.g. 0.4,0.6), not '\(uncertain)'")
        }
        return lo...hi
    }

    func run() throws {
        let loaded = try modelOption.load()
        var policy = loaded.model.verdictPolicy
        if let threshold { policy.threshold = threshold }
        if let b = try band() { policy.uncertain = b }
        let pipeline = Pipeline(model: loaded.model, limits: runOptions.limits)
        let model = loaded.model

        var inputs = Inputs()
        let stdinMode = paths.contains("-")
        var list: [String] = []
        var streamIterator: (() -> String?)? = nil
        if stdinMode {
            // read lazily: a million paths never sit in memory
            var pending = paths[...]
            var buffered: [String] = []
            var readingStdin = false
            streamIterator = {
                while true {
                    if !buffered.isEmpty { return buffered.removeFirst() }
                    if readingStdin {
                        if let line = readLine(strippingNewline: true) {
                            if !line.isEmpty { return line }
                            continue
                        }
                        readingStdin = false
                    }
                    guard let a = pending.first else { return nil }
                    pending = pending.dropFirst()
                    if a == "-" { readingStdin = true } else { buffered = inputs.collect([a]) }
                }
            }
        } else {
            list = inputs.collect(paths)
        }
        let progress = Progress(total: stdinMode ? nil : list.count,
                                enabled: Output.stderrIsTerminal && !noProgress)
        var failed = 0, scored = 0
        var verdicts: [Verdict: Int] = [:]
        var first = true
        let pw = 9
        switch format {
        case .table: Output.line(ScoreRecord.tableHeader(pWidth: pw))
        case .json, .exiftool: Output.out("[")
        case .csv: Output.line(ScoreRecord.csvLine(ScoreRecord.csvHeader))
        case .jsonl: break
        }
        var cursor = 0
        let next: () -> String? = streamIterator ?? {
            guard cursor < list.count else { return nil }
            defer { cursor += 1 }
            return list[cursor]
        }
        let pool = OrderedPool<String, ScoreRecord>(
            window: 16 * runOptions.threadCount,
            next: next,
            work: { path in
                let r: Result<Assessment, SFError> = path.withCString { p in
                    Result { () throws(SFError) in try pipeline.assess(.file(p), with: model, policy: policy) }
                }
                return ScoreRecord(path: path, result: r)
            },
            emit: { _, _, rec in
                switch rec.result {
                case .success(let a):
                    scored += 1
                    verdicts[a.verdict, default: 0] += 1
                case .failure(let e):
                    failed += 1
                    progress.finish()
                    Output.error("\(e.message) [\(e.status.name)]")
                }
                switch format {
                case .table: Output.line(rec.tableLine(pWidth: pw))
                case .jsonl: Output.line(rec.json(model: loaded).jsonText)
                case .json:
                    Output.out((first ? "\n" : ",\n") + rec.json(model: loaded).jsonText)
                    first = false
                case .csv: Output.line(ScoreRecord.csvLine(rec.csvFields()))
                case .exiftool:
                    if let tags = rec.exiftoolJSON(model: loaded) {
                        Output.out((first ? "\n" : ",\n") + tags.jsonText)
                        first = false
                    }
                }
                if format == .jsonl || Output.stdoutIsTerminal { Output.flush() }
                progress.step()
            })
        pool.run(threads: runOptions.threadCount)
        progress.finish()
        if format == .json || format == .exiftool { Output.line(first ? "]" : "\n]") }
        Output.flush()
        if let s = inputs.skippedSummary { Output.error(s) }
        if scored + failed == 0 {
            Output.error("no JPEG or PNG images found in \(paths.joined(separator: " "))")
            throw ExitCode(1)
        }
        if Output.stderrIsTerminal && !noProgress {
            let parts = Verdict.allCases.compactMap { v in verdicts[v].map { "\($0) \(v.name)" } }
            Output.err("\(scored) scored (\(parts.joined(separator: ", ")))\(failed > 0 ? ", \(failed) failed" : "")")
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
