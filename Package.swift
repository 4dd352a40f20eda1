// swift-tools-version: 6.2
import PackageDescription

/// Every module but MemopsCore builds with warnings as errors: a deprecated overload once sent
/// array buffer pointers to Redis as arguments and only a warning said so. MemopsCore is held to
/// the same standard by `scripts/test`, which builds it with `-warnings-as-errors` too.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "memops",
    products: [
        .executable(name: "memops", targets: ["memops"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        // CRC-64 (the RDB checksum) with PCLMULQDQ, far faster than table-driven Swift.
        .systemLibrary(name: "CIsal", providers: [.apt(["libisal-dev"])]),
        // OpenSSL's libcrypto for SHA-256/SHA-1 (hardware speed), and libssl for TLS.
        .systemLibrary(name: "CSSL", providers: [.apt(["libssl-dev"])]),
        .target(name: "MemopsRDB", dependencies: ["CIsal"], swiftSettings: strict),
        .target(
            name: "MemopsCore",
            dependencies: [
                "CHiredis", "CZstd", "CSSL", "MemopsRDB",
            ]
        ),
        .target(
            name: "MemopsCLI",
            dependencies: [
                "MemopsCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "memops", dependencies: ["MemopsCLI"], swiftSettings: strict),
        // The fuzz targets (scripts/fuzz builds them with libFuzzer; a plain build replays inputs).
        .executableTarget(name: "memops-fuzz", dependencies: ["MemopsCore"], path: "Sources/MemopsFuzz", swiftSettings: strict),
        .target(name: "MemopsTestSupport", path: "Tests/MemopsTestSupport", swiftSettings: strict),
        .testTarget(name: "MemopsRDBTests", dependencies: ["MemopsRDB", "MemopsTestSupport"], swiftSettings: strict),
        .testTarget(name: "MemopsCoreTests", dependencies: ["MemopsCore", "MemopsTestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "MemopsCLITests", dependencies: ["MemopsCLI", "MemopsTestSupport"], exclude: ["FuzzFindings"], swiftSettings: strict),
    ]
)
