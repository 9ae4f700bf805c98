// swift-tools-version:6.0
//
// libspectralfake: spectral fake-face features (Durall et al.) in Swift with a
// stable C ABI. Layout:
//   CSFCodec          C: libjpeg/libpng decoding to OpenCV-identical gray (statuses
//                     from the public header)
//   CFFTW             system library: FFTW 3
//   CSFKernels        C: the per-pixel and per-coefficient inner loops (exact,
//                     vectorised)
//   SpectralFakeCore  Swift algorithms, no C-ABI concerns: Image/ (decoding),
//                     Spectrum/ (FFT plans, radial bins), Features/ (settings,
//                     extraction, the Pipeline and batch runner), Model/
//                     (reader, scaler, decision functions, probabilities),
//                     Support/ (errors, enums, limits, locks, caches)
//   CSpectralFakeABI  the public header (include/spectralfake.h) as a C module,
//                     so the Swift layer uses the header's own struct types,
//                     plus the version functions
//   SpectralFake      the exported sf_* functions: convert, check, call the core
//   SpectralFakeTrain native training (Debian's libsvm and liblinear), cross-
//                     validation, calibration, evaluation metrics (CLI only)
//   SpectralFakePlot  figures drawn with cairo (CLI only)
//   SpectralFakeCLI   the `spectralfake` command (product spectralfake-cli,
//                     installed as dist/bin/spectralfake)
//
// Build flavours (see Makefile): SF_STATIC_STDLIB=1 links the Swift runtime
// statically into libspectralfake.so (dist build); SF_UBSAN=1 instruments the
// C target with UndefinedBehaviorSanitizer; SF_FUZZ=1 (make fuzz) leaves out
// the export list and soname, which would otherwise be applied to the fuzz
// executables too: linked with lld (as libFuzzer needs), their `local: *`
// hides the ASan runtime's malloc/free interceptors from the shared
// libraries (libswiftCore, libjpeg, libpng, FFTW), whose allocations ASan
// then neither sees nor owns (Fuzz/README.md).
import PackageDescription

let env = Context.environment
let staticStdlib = env["SF_STATIC_STDLIB"] == "1"
let ubsan = env["SF_UBSAN"] == "1"
let fuzz = env["SF_FUZZ"] == "1"
let exportsMap = "\(Context.packageDirectory)/exports.map"

var apiLinker: [LinkerSetting] = fuzz ? [] : [
    .unsafeFlags(["-Xlinker", "--version-script=\(exportsMap)",
                  "-Xlinker", "-soname=libspectralfake.so.1"]),
]
if staticStdlib {
    // lld: ld.gold leaves some local Swift metadata symbols in .dynsym.
    apiLinker.append(.unsafeFlags(["-static-stdlib", "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "defs"]))
    apiLinker.append(.linkedLibrary("swiftSynchronization"))
}

var codecC: [CSetting] = [.unsafeFlags(["-Wall", "-Wextra", "-Wno-unused-parameter"])]
var codecLinker: [LinkerSetting] = [.linkedLibrary("jpeg"), .linkedLibrary("png16")]
if ubsan {
    let rt = env["SF_CLANG_RT"] ?? "/opt/swift/usr/lib/clang/21/lib/linux"
    codecC.append(.unsafeFlags(["-fsanitize=undefined", "-fno-sanitize-recover=undefined"]))
    codecLinker.append(.unsafeFlags(["-Xlinker", "\(rt)/libclang_rt.ubsan_standalone-x86_64.so",
                                     "-Xlinker", "-rpath", "-Xlinker", rt]))
}

let package = Package(
    name: "spectralfake",
    products: [
        .executable(name: "spectralfake-cli", targets: ["SpectralFakeCLI"]),
        .library(name: "spectralfake", type: .dynamic, targets: ["SpectralFake"]),
        // Automatic product for Swift code inside the repo (tests, fuzzers):
        // links the objects, not the .so (whose soname .so.1 SwiftPM does not create).
        .library(name: "SpectralFakeKit", targets: ["SpectralFake", "SpectralFakeCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CSFCodec", dependencies: ["CSpectralFakeABI"], cSettings: codecC, linkerSettings: codecLinker),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        // The built-in model's bytes (models/default-model.json) via #embed.
        .target(name: "CSFModelData", cSettings: [.unsafeFlags(["-Wno-c23-extensions"])]),
        // The pipeline's inner loops (u8 -> double, ring accumulation): C at
        // -O3, vectorised, with an AVX2 clone picked at load time; no FMA
        // contraction, so results are bit-identical on every CPU.
        .target(name: "CSFKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-math-errno", "-Wall", "-Wextra"])]),
        .target(name: "SpectralFakeCore", dependencies: ["CSFCodec", "CFFTW", "CSFModelData", "CSFKernels"]),
        .target(name: "CSpectralFakeABI", cSettings: [.unsafeFlags(["-Wall", "-Wextra"])]),
        .target(name: "SpectralFake", dependencies: ["SpectralFakeCore", "CSpectralFakeABI"],
                linkerSettings: apiLinker),
        .systemLibrary(name: "CLibSVM", providers: [.apt(["libsvm-dev"])]),
        .systemLibrary(name: "CLibLinear", providers: [.apt(["liblinear-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .target(name: "SpectralFakeTrain", dependencies: ["SpectralFakeCore", "CLibSVM", "CLibLinear"]),
        .target(name: "SpectralFakePlot", dependencies: ["SpectralFakeCore", "CCairo"]),
        .executableTarget(name: "SpectralFakeCLI",
                          dependencies: ["SpectralFakeCore", "SpectralFakeTrain", "SpectralFakePlot", "CSpectralFakeABI",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "SpectralFakeTests", dependencies: ["SpectralFakeCore", "SpectralFake"]),
    ]
)
