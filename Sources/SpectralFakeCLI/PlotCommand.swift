import ArgumentParser
import SpectralFakeCore
import SpectralFakePlot

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the article's figure: the mean 1-D spectrum of each class with a ±1 std band.",
        discussion: """
        The output format follows the file name (.svg or .png).

        Examples:
          spectralfake plot --real real/ --fake fake/ -o spectra.svg
          spectralfake plot --real real/ --fake fake/ --preset upconv -o upconv.png
        """)

    @Option(help: ArgumentHelp("A folder of real faces (repeatable).", valueName: "dir")) var real: [String] = []
    @Option(help: ArgumentHelp("A folder of generated faces (repeatable).", valueName: "dir")) var fake: [String] = []
    @OptionGroup var feature: FeatureOptions
    @OptionGroup var runOptions: RunOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("The figure: FILE.svg or FILE.png.", valueName: "file"))
    var output: String

    func validate() throws {
        if real.isEmpty && fake.isEmpty { throw ValidationError("give --real and/or --fake folders") }
        if !(output.hasSuffix(".svg") || output.hasSuffix(".png")) {
            throw ValidationError("--output must end in .svg or .png, not '\(output)'")
        }
    }

    func run() throws {
        let settings = try feature.settings()
        guard settings.fixedFeatureCount != nil else {
            throw ValidationError("preset \(settings.preset.name) without interpolation gives a curve whose length depends on the image size; plot a preset that interpolates")
        }
        let set = try withUsage { () throws(SFError) in try LabelledSet(real: real, fake: fake) }
        for s in set.skipped { Output.error(s) }
        let (rows, failed) = computeFeatures(set.paths, pipeline: Pipeline(settings: settings, limits: runOptions.limits),
                                             threads: runOptions.threadCount)
        let realRows = set.paths.indices.filter { set.labels[$0] == 0 }.compactMap { rows[$0] }
        let fakeRows = set.paths.indices.filter { set.labels[$0] == 1 }.compactMap { rows[$0] }
        do {
            try Figures.classSpectra(real: realRows, fake: fakeRows, featureName: "preset \(settings.preset.name)",
                                     path: output)
        } catch let e {
            Output.error(e.message)
            throw ExitCode(1)
        }
        if !failed.isEmpty { throw ExitCode(1) }
    }
}
