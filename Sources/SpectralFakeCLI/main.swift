import ArgumentParser
import CSpectralFakeABI
import SpectralFakeCore
#if canImport(Glibc)
import Glibc
#endif

/// `spectralfake`: the front door of libspectralfake.
struct SpectralFake: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectralfake",
        abstract: "Spectral fake-face detection: is this face generated?",
        discussion: """
        Scores JPEG and PNG faces with a built-in model (or yours), trains models natively, and draws the spectra the verdicts come from (Durall et al., "Unmasking DeepFakes with simple Features"). Read docs/default-model.md before trusting a verdict: where the model is blind is written there.

        Examples:
          spectralfake score photo.jpg faces/
          spectralfake eval --real real/ --fake fake/
          spectralfake train --real real/ --fake fake/ -o model.json
          spectralfake plot --real real/ --fake fake/ -o spectra.svg
        """,
        version: "spectralfake \(libraryVersion)",
        subcommands: [Score.self, Eval.self, Train.self, Plot.self, Spectrum.self, Features.self, Info.self,
                      Version.self])
}

/// The version of the library this tool is built from (the header's SF_VERSION_STRING).
let libraryVersion = SF_VERSION_STRING

// Exit status: 0 success, 1 some inputs failed (reported by the command),
// 2 usage errors (ArgumentParser's own code for them is 64).
do {
    var command = try SpectralFake.parseAsRoot()
    try command.run()
    Output.flush()
} catch let e as ExitCode {
    Output.flush()
    exit(e.rawValue)
} catch {
    Output.flush()
    let code = SpectralFake.exitCode(for: error)
    let message = SpectralFake.fullMessage(for: error)
    if code == .success {
        Output.line(message)
        Output.flush()
        exit(0)
    }
    Output.err(message)
    exit(2)
}
