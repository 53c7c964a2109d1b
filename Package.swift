// swift-tools-version: 6.1
import PackageDescription

// Module rules (see README.md, "Modules"): CLMDB is imported by KooplogStore only; the store knows
// bytes and sequences, the domain knows events, the engine joins them; `kooplog` maps commands to
// engine calls and errors to exit codes. `Tools/check-imports` enforces this in CI.
let package = Package(
    name: "Kooplog",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kooplog", targets: ["kooplog"]),
        .library(name: "KooplogEngine", targets: ["KooplogEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(
            name: "KooplogStore",
            dependencies: ["CLMDB", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "KooplogDomain"),
        .target(name: "KooplogProjections", dependencies: ["KooplogDomain"]),
        .target(name: "KooplogReports", dependencies: ["KooplogDomain", "KooplogProjections"]),
        .target(name: "KooplogSynthetic", dependencies: ["KooplogDomain"]),
        .target(name: "KooplogSIE", dependencies: ["KooplogDomain"]),
        .target(
            name: "KooplogEngine",
            dependencies: [
                "KooplogStore", "KooplogDomain", "KooplogProjections", "KooplogReports", "KooplogSIE",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "kooplog",
            dependencies: [
                "KooplogEngine", "KooplogDomain", "KooplogStore", "KooplogReports", "KooplogSIE",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "kooplog-bench",
            dependencies: ["KooplogStore", "KooplogEngine", "KooplogDomain", "KooplogProjections", "KooplogSynthetic"],
            path: "Tools/kooplog-bench"
        ),
        .executableTarget(
            name: "kooplog-torture",
            dependencies: ["KooplogStore", "KooplogEngine", "KooplogDomain"],
            path: "Tests/kooplog-torture"
        ),
        .target(
            name: "KooplogTestSupport",
            dependencies: ["KooplogStore", "KooplogEngine", "KooplogDomain", "KooplogSynthetic"],
            path: "Tests/KooplogTestSupport"
        ),
        .testTarget(
            name: "KooplogStoreTests",
            dependencies: ["KooplogStore", "KooplogTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "KooplogDomainTests",
            dependencies: ["KooplogDomain", "KooplogTestSupport", "KooplogSynthetic"]
        ),
        .testTarget(
            name: "KooplogProjectionsTests",
            dependencies: ["KooplogProjections", "KooplogDomain", "KooplogTestSupport"]
        ),
        .testTarget(
            name: "KooplogEngineTests",
            dependencies: ["KooplogEngine", "KooplogStore", "KooplogDomain", "KooplogTestSupport", "KooplogReports", "KooplogSIE", "KooplogSynthetic"],
            exclude: ["Snapshots"]  // read by path (#filePath), not built
        ),
        .testTarget(
            name: "KooplogCLITests",
            dependencies: ["kooplog", "kooplog-torture", "kooplog-bench", "KooplogTestSupport", "KooplogEngine", "KooplogStore", "KooplogDomain", "KooplogSIE"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Release builds optimise across modules: the domain's generic decoders and rule book, called from
// the engine, are specialised for the types it passes instead of running through witness tables
// and runtime metadata lookups (docs/performance-history.md, fifth session: decode 4.7 -> 2.7 µs
// per event). They skip the run-time exclusivity checks (the compiler's static ones remain, and
// the debug builds the tests run keep the dynamic ones): ~1 000 instructions per event in verify.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    ])
    target.swiftSettings = settings
}
