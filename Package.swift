// swift-tools-version:6.0
// seqlab: sequence labelling with LSTM-CTC, and grid-world reinforcement learning, as Unix pipes.
import PackageDescription

let release: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "seqlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "seqlab", targets: ["seqlab"]),
        // The reader modules, for the libFuzzer targets of the separate package in Fuzz/ (scripts/fuzz).
        .library(name: "SeqlabReaders", targets: ["Tensors", "Formats", "Features", "Networks", "Decoding", "GridRL", "Labelling"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, found through pkg-config; scripts/setup installs the Debian packages.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSampleRate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),
        .systemLibrary(name: "CXSMM", pkgConfig: "libxsmm", providers: [.apt(["libxsmm-dev"])]),

        // The front end's per-frame loops over 16 frames at once (one per SIMD lane), built for
        // AVX-512, AVX2 and baseline x86-64 with the best picked at load time.
        .target(name: "CFrameLanes", cSettings: [.unsafeFlags(["-O3"])]),
        // The LSTM cell's elementwise loops in C, vectorised per CPU (AVX-512F, AVX2 + FMA, plain C).
        .target(name: "CKernels", path: "Sources/CKernels"),
        // The recurrent layers' per-frame matrix products (batch rows × H · H × 4H) by libxsmm's
        // JIT-compiled small-matrix kernels (Debian's libxsmm-dev, a static library); larger products
        // stay with OpenBLAS.
        .target(name: "CSmallGemm", dependencies: ["CXSMM", "CKernels"]),

        // One library module per stage (README.md, Layout).
        .target(name: "Tensors", dependencies: ["CBLAS"], swiftSettings: release),
        .target(name: "Formats", dependencies: ["Tensors"], swiftSettings: release),
        .target(name: "Features", dependencies: ["Tensors", "CSndFile", "CFFTW", "CSampleRate", "CFrameLanes"], swiftSettings: release),
        .target(name: "Networks", dependencies: ["Tensors", "Formats", "CBLAS", "CKernels", "CSmallGemm"], swiftSettings: release),
        .target(name: "Decoding", dependencies: ["Tensors"], swiftSettings: release),
        .target(name: "GridRL", dependencies: ["Tensors", "Networks", "Formats"], swiftSettings: release),
        .target(name: "Labelling", dependencies: ["Tensors", "Formats", "Features", "Networks", "Decoding"], swiftSettings: release),
        .target(name: "Training", dependencies: ["Tensors", "Formats", "Features", "Networks", "Decoding", "Labelling"], swiftSettings: release),
        .target(name: "Plotting", dependencies: ["Tensors"], swiftSettings: release),
        // One-line usage errors, shared by the executables that parse their flags with ArgumentParser.
        .target(name: "UsageErrors", dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: release),

        // The command line: thin commands that parse flags and call the modules.
        .executableTarget(
            name: "seqlab",
            dependencies: [
                "Tensors", "Formats", "Features", "Networks", "Decoding", "GridRL", "Labelling", "Training", "Plotting", "UsageErrors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: release),
        // Benchmarks (not tests, not part of the seqlab product); scripts/bench runs them beside the
        // Python peers in ../shared/peers. Release builds: `swift build -c release --product bench-networks`.
        // bench-networks: BLSTM-CTC training and inference speed, and the batch CTC loss alone.
        .executableTarget(name: "bench-networks", dependencies: ["Networks", "Tensors", "CBLAS", "CKernels"], path: "Sources/BenchNetworks",
                          swiftSettings: release),
        // bench-decode: best path and prefix beam search on synthetic CTC posteriors.
        .executableTarget(name: "bench-decode", dependencies: ["Tensors", "Decoding"], path: "Sources/BenchDecode",
                          swiftSettings: release),

        // LSTM, Elman and an echo state network on long time lags: learning curves, failing lags and
        // input-influence curves (scripts/influence-demo).
        .executableTarget(name: "influence-demo",
                          dependencies: ["Networks", "Tensors", "Formats", "Plotting", "UsageErrors",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Sources/InfluenceDemo", swiftSettings: release),
        // An echo state network as a sequence classifier on feature archives (scripts/esn-pendigits).
        .executableTarget(name: "esn-classify",
                          dependencies: ["Networks", "Tensors", "Formats", "UsageErrors",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Sources/ESNClassify",
                          swiftSettings: release),

        .target(name: "TestSupport", dependencies: ["Tensors"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(name: "FeaturesAudioTests", dependencies: ["Features", "Tensors", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "NetworksTests", dependencies: ["Networks", "Tensors", "Formats", "TestSupport", "CKernels"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding", "Formats", "Tensors", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LabellingTests", dependencies: ["Labelling", "Decoding", "Formats", "Tensors", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Labelling", "Formats", "Networks", "Tensors", "TestSupport"]),
        .testTarget(name: "GridRLTests", dependencies: ["GridRL", "Tensors", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Features", "Formats", "Tensors", "CKernels"]),
        .testTarget(name: "CTCTests", dependencies: ["Networks", "Tensors", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting", "Tensors", "TestSupport"]),
        .testTarget(name: "StrokesTests", dependencies: ["Features", "Tensors", "TestSupport"], exclude: ["Fixtures"]),
    ]
)
