// swift-tools-version:6.0
// seqlab-fuzz: libFuzzer targets for seqlab's readers of untrusted input (scripts/fuzz builds and runs them).
//
// A package of its own because each target is a library entry point (LLVMFuzzerTestOneInput,
// main comes from libFuzzer) that links only when built with -sanitize=fuzzer; the root package's
// normal build never sees them. Build: scripts/fuzz build (or, by hand,
// swift build --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -O).
import PackageDescription

/// Each target is a library-style file with the C entry point. libFuzzer supplies main, except in
/// debug builds, where SwiftPM links main to `<module>_main`: each target defines that too
/// (`FuzzInput.run`, which hands over to libFuzzer's driver).
let entryPoint: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

/// One libFuzzer executable per reader: (product name, source folder).
let fuzzers: [(name: String, folder: String)] = [
    ("fuzz-ark", "ArkFuzzer"),
    ("fuzz-scp", "ScpFuzzer"),
    ("fuzz-safetensors", "SafeTensorsFuzzer"),
    ("fuzz-model", "ModelFuzzer"),
    ("fuzz-wav", "WavFuzzer"),
    ("fuzz-unipen", "UNIPENFuzzer"),
    ("fuzz-iam", "IAMFuzzer"),
    ("fuzz-pentext", "PenTextFuzzer"),
    ("fuzz-grid", "GridFuzzer"),
    ("fuzz-arpa", "ARPAFuzzer"),
    ("fuzz-text", "TextFuzzer"),
]

let package = Package(
    name: "seqlab-fuzz",
    dependencies: [.package(name: "seqlab", path: "..")],
    targets: [
        // libFuzzer's LLVMFuzzerRunDriver, declared for FuzzInput.run (linked by -sanitize=fuzzer).
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer", .product(name: "SeqlabReaders", package: "seqlab")]),
    ] + fuzzers.map { fuzzer in
        .executableTarget(name: fuzzer.name,
                          dependencies: ["FuzzSupport", .product(name: "SeqlabReaders", package: "seqlab")],
                          path: "Sources/\(fuzzer.folder)", swiftSettings: entryPoint)
    }
)
