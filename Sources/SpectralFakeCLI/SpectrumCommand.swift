import ArgumentParser
import SpectralFakeCore
import SpectralFakePlot

struct Spectrum: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw an image, its centred 2-D log-magnitude spectrum and its 1-D profile.",
        discussion: """
        The spectrum is 20 ln|F| of the centred window of at most 1024x1024 pixels; the profile is its azimuthal average (the raw profile the features interpolate). With --model (or --verdict for the built-in model) the verdict is in the title.

        Examples:
          spectralfake spectrum face.jpg -o face-spectrum.png
          spectralfake spectrum face.jpg --verdict -o face.svg
        """)

    @Argument(help: ArgumentHelp("The image.", valueName: "image")) var image: String
    @Option(name: .shortAndLong, help: ArgumentHelp("The figure: FILE.png or FILE.svg.", valueName: "file"))
    var output: String
    @Option(help: ArgumentHelp("Score with this model file and show the verdict.", valueName: "file")) var model: String?
    @Flag(help: "Show the built-in model's verdict.") var verdict = false

    func validate() throws {
        if !(output.hasSuffix(".svg") || output.hasSuffix(".png")) {
            throw ValidationError("--output must end in .svg or .png, not '\(output)'")
        }
    }

    func run() throws {
        let pipeline = Pipeline(settings: FeatureSettings(preset: .facesHQ))
        do {
            let decoded: Result<(GrayImage, DecodeInfo), SFError> = image.withCString { p in
                Result { () throws(SFError) in try pipeline.image(.file(p)) }
            }
            let gray = try decoded.get().0
            let window = try MagnitudeSpectrum.of(gray)
            let w = min(gray.width, 1024), h = min(gray.height, 1024)
            let x0 = (gray.width - w) / 2, y0 = (gray.height - h) / 2
            var pixels: [UInt8] = []
            pixels.reserveCapacity(w * h)
            for r in 0..<h {
                let start = (y0 + r) * gray.width + x0
                pixels.append(contentsOf: gray.pixels[start..<(start + w)])
            }
            let crop = GrayImage(width: w, height: h, pixels: pixels)
            let profile = try pipeline.radialProfile(of: crop)
            var title = String(image.split(separator: "/").last ?? Substring(image))
            if model != nil || verdict {
                let loaded = try loadModel(model)
                let assessed: Result<Assessment, SFError> = image.withCString { p in
                    Result { () throws(SFError) in try Pipeline(model: loaded.model).assess(.file(p), with: loaded.model) }
                }
                let a = try assessed.get()
                title += ": \(a.verdict.name)"
                if let pf = a.score.probabilityFake { title += ", P(fake) = \(String(fixed3: pf))" }
                if !a.notes.isEmpty { title += " (\(a.notes.map(\.name).joined(separator: ", ")))" }
                title += " — \(loaded.name)"
            }
            try Figures.spectrum(image: gray, spectrum: window, profile: profile, title: title, path: output)
        } catch let e as SFError {
            Output.error("\(e.message) [\(e.status.name)]")
            throw ExitCode(1)
        }
    }
}
