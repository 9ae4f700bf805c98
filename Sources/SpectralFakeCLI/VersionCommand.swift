import ArgumentParser
import SpectralFakeCore

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the versions of the tool, the library and the built-in model.",
        discussion: "Example:\n  spectralfake version")

    func run() throws {
        Output.line("spectralfake \(libraryVersion)")
        Output.line("model format versions 1 ... \(Model.formatVersion)")
        switch Model.builtIn {
        case .success(let m):
            let l = LoadedModel(model: m, path: nil)
            Output.line("built-in model \(l.name) \(l.version ?? "") (\(m.classifierName), preset \(m.settings.preset.name))")
        case .failure(let e):
            Output.line("built-in model: \(e.message)")
        }
    }
}
