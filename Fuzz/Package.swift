// swift-tools-version:6.0
//
// libFuzzer harnesses for libspectralfake (see README.md here). A separate
// package so that the root package's `swift build` / `swift test` never see
// the fuzzer flags. Build and run through the root Makefile: `make fuzz`.
//
// Each harness is an executable whose main.swift starts libFuzzer with
// LLVMFuzzerRunDriver (SwiftPM renames an executable's entry point, so the
// usual LLVMFuzzerTestOneInput-only file does not link). The harnesses call
// the exported sf_* functions of module SpectralFake with the C types of
// module CSpectralFakeABI, so the checked C-ABI layer is what gets fuzzed.
import PackageDescription

let package = Package(
    name: "spectralfake-fuzz",
    dependencies: [
        .package(name: "spectralfake", path: ".."),
    ],
    targets: [
        .target(name: "FuzzSupport",
                dependencies: [.product(name: "SpectralFakeKit", package: "spectralfake")]),
        .executableTarget(name: "FuzzDecode",
                          dependencies: ["FuzzSupport", .product(name: "SpectralFakeKit", package: "spectralfake")]),
        .executableTarget(name: "FuzzFeatures",
                          dependencies: ["FuzzSupport", .product(name: "SpectralFakeKit", package: "spectralfake")]),
        .executableTarget(name: "FuzzModel",
                          dependencies: ["FuzzSupport", .product(name: "SpectralFakeKit", package: "spectralfake")]),
    ],
    // Swift 5 mode: the harnesses keep their state in top-level globals of
    // main.swift and are single-threaded.
    swiftLanguageModes: [.v5]
)
