// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Nabla",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Nabla", targets: ["Nabla"]),
        .library(name: "NablaPlayground", targets: ["NablaPlayground"]),
        // MPICommunicator; empty unless the package is built with the MPI trait.
        .library(name: "NablaDistributed", targets: ["NablaDistributed"]),
        .executable(name: "nabla", targets: ["nabla"]),
        .executable(name: "nabla-bench", targets: ["nabla-bench"]),
    ],
    // `swift build --traits MPI`: data-parallel training over Open MPI (NablaDistributed, and
    // `nabla train --distributed`). Off by default, so that the default build needs no MPI.
    traits: [
        .trait(name: "MPI", description: "Data-parallel training over Open MPI (needs libopenmpi-dev, or Homebrew's open-mpi)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // `swift package generate-documentation` (the DocC catalogues in Sources/*/*.docc);
        // a plugin only: nothing of it is linked into Nabla.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // `nabla serve`'s HTTP server (NablaPlayground only; the Nabla library does not depend on
        // it). No traits: neither swift-configuration nor full Foundation is needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
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
        // Open MPI's C interface (pkg-config `ompi`), used only with the MPI trait.
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi",
            providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]
        ),
        // The Communicator of the library's data-parallel training over MPI. Its sources are
        // compiled only with the MPI trait (`#if MPI`); without it the target is empty and links
        // nothing.
        .target(
            name: "NablaDistributed",
            dependencies: ["Nabla", .target(name: "CMPI", condition: .when(traits: ["MPI"]))]
        ),
        // The playground of `nabla serve`: a page with an editor and a JSON API over HTTP
        // (Hummingbird), with the explanation and its renderer injected. Above Nabla, never below.
        .target(
            name: "NablaPlayground",
            dependencies: [
                "Nabla",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The command-line tool: argument parsing and printing only.
        .executableTarget(
            name: "nabla",
            dependencies: [
                "Nabla", "NablaPlayground", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .target(name: "NablaDistributed", condition: .when(traits: ["MPI"])),
            ]
        ),
        // Benchmarks: depends on the library, never the other way round.
        .executableTarget(
            name: "nabla-bench",
            dependencies: ["Nabla", "NablaKernels", .target(name: "NablaDistributed", condition: .when(traits: ["MPI"]))]
        ),
        // Run under mpirun by the MPI tests (Tests/NablaTests/MPITests.swift): the collectives
        // on known inputs. Without the MPI trait it only says so.
        .executableTarget(
            name: "nabla-mpi-check",
            dependencies: ["Nabla", .target(name: "NablaDistributed", condition: .when(traits: ["MPI"]))],
            path: "Tests/MPICheck"
        ),
        .testTarget(
            name: "NablaTests",
            // "nabla" so that the command-line tests find the tool built beside them.
            dependencies: ["Nabla", "NablaKernels", "NablaPlayground", "nabla", .product(name: "PropertyBased", package: "swift-property-based")],
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
