// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Nabla",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Nabla", targets: ["Nabla"]),
        .executable(name: "nabla", targets: ["nabla"]),
        .executable(name: "nabla-bench", targets: ["nabla-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // `swift package generate-documentation` (the DocC catalogues in Sources/*/*.docc);
        // a plugin only: nothing of it is linked into Nabla.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The umbrella library. Its layers are folders: Ops/ (one declaration per primitive),
        // Dynamic/ and Static/ (scalar graphs), Tensor/ (tensor graphs, both modes), Explain/
        // (formulas, derivations, exports), Script/ (the tutorial's notation), Data/ (data sets,
        // batching, a gzip reader; the digits file is a resource, its origin and licence in
        // DIGITS.md beside it). It re-exports NablaKernels.
        .target(
            name: "Nabla",
            dependencies: ["NablaKernels"],
            exclude: ["Data/Resources/DIGITS.md"],
            resources: [.copy("Data/Resources/digits.csv.gz")]
        ),
        // Tensor kernels: loops over storage, below autodiff and usable on their own. The hot
        // loops are C with per-function target attributes and run-time CPU dispatch, so a plain
        // `swift build -c release` is fast without compiler flags.
        .target(name: "CNablaKernels"),
        .target(name: "NablaKernels", dependencies: ["CNablaKernels"]),
        // The command-line tool: argument parsing and printing only.
        .executableTarget(
            name: "nabla",
            dependencies: ["Nabla", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Benchmarks: depends on the library, never the other way round.
        .executableTarget(name: "nabla-bench", dependencies: ["Nabla", "NablaKernels"]),
        .testTarget(
            name: "NablaTests",
            // "nabla" so that the command-line tests find the tool built beside them.
            dependencies: ["Nabla", "NablaKernels", "nabla", .product(name: "PropertyBased", package: "swift-property-based")],
            // PyTorch's values, frozen by the committed script beside them (CI needs no Python).
            exclude: [
                "References/make_torch_references.py", "References/make_safetensors_reference.py",
                "References/make_gzip_fixtures.py",
            ],
            resources: [
                .copy("References/torch_references.json"),
                .copy("References/torch_state_dict.safetensors"),
                .copy("References/torch_state_dict.json"),
            ]
        ),
    ]
)
