import ArgumentParser
import SpectralFakeCore

struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute the spectral features of images (CSV on standard output, or .csv / .npy).",
        discussion: """
        One row per image that could be read, in input order: SourceFile then the features (CSV), or a float64 matrix (.npy). Failed files are reported on standard error and left out (exit status 1). The celeba preset is the article's; combo128 is the built-in model's.

        Examples:
          spectralfake features faces/ > features.csv
          spectralfake features --preset ffpp -o X.npy real/ fake/
          spectralfake features --preset faces-hq --n 100 --interpolate on img.png
        """)

    @OptionGroup var feature: FeatureOptions
    @OptionGroup var runOptions: RunOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Output file: .csv or .npy (default: CSV on standard output).",
                                                    valueName: "file"))
    var output: String?
    @Argument(help: ArgumentHelp("Images or folders; - reads paths from standard input.", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name at least one image or folder") }
        if let output, !(output.hasSuffix(".csv") || output.hasSuffix(".npy")) {
            throw ValidationError("--output must end in .csv or .npy, not '\(output)'")
        }
    }

    func run() throws {
        let settings = try feature.settings()
        var inputs = Inputs()
        let list = inputs.collect(paths)
        if let s = inputs.skippedSummary { Output.error(s) }
        guard !list.isEmpty else {
            Output.error("no JPEG or PNG images found")
            throw ExitCode(1)
        }
        let pipeline = Pipeline(settings: settings, limits: runOptions.limits)
        let (rows, failed) = computeFeatures(list, pipeline: pipeline, threads: runOptions.threadCount)
        let good = list.indices.filter { rows[$0] != nil }
        if let output, output.hasSuffix(".npy") {
            let widths = Set(good.map { rows[$0]!.count })
            guard widths.count <= 1 else {
                Output.error("the images give \(widths.sorted().map(String.init).joined(separator: ", ")) features (a raw-profile preset on images of several sizes): write CSV, or use a preset that interpolates")
                throw ExitCode(1)
            }
            var bytes = NPY.float64(rows: good.map { rows[$0]! }, cols: widths.first ?? 0)
            do { try Output.write(bytes: &bytes, to: output) } catch let e {
                Output.error(e.message)
                throw ExitCode(1)
            }
        } else {
            var text = ""
            let width = good.map { rows[$0]!.count }.max() ?? 0
            text += ScoreRecord.csvLine(["SourceFile"] + (0..<width).map { "f\($0)" }) + "\n"
            for i in good {
                text += ScoreRecord.csvLine([list[i]] + rows[i]!.map { String($0) }) + "\n"
            }
            if let output {
                do { try Output.write(text, to: output) } catch let e {
                    Output.error(e.message)
                    throw ExitCode(1)
                }
            } else {
                Output.out(text)
                Output.flush()
            }
        }
        if !failed.isEmpty { throw ExitCode(1) }
    }
}

/// numpy's .npy format, version 1.0: a little-endian float64 C-order matrix.
enum NPY {
    static func float64(rows: [[Double]], cols: Int) -> [UInt8] {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows.count), \(cols)), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let hl = UInt16(header.utf8.count)
        out += [UInt8(hl & 0xFF), UInt8(hl >> 8)]
        out += Array(header.utf8)
        out.reserveCapacity(out.count + rows.count * cols * 8)
        for r in rows {
            for v in r {
                let b = v.bitPattern.littleEndian
                withUnsafeBytes(of: b) { out += $0 }
            }
        }
        return out
    }
}
