// swift-tools-version: 6.1
import PackageDescription
import Foundation

// Module boundaries follow docs/design.md: libraries hold the logic, executables only wire it.

/// Test targets whose folder is not in this checkout are left out, so that a branch without
/// another team's test folder still builds (SwiftPM refuses a target without sources).
func presentTestTargets(_ targets: [Target]) -> [Target] {
    targets.filter { FileManager.default.fileExists(atPath: Context.packageDirectory + "/Tests/" + $0.name) }
}

let package = Package(
    name: "breathd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "breathctl", targets: ["breathctl"]),
        .library(name: "HRV", targets: ["HRV"]),
        .library(name: "Pacer", targets: ["Pacer"]),
        .library(name: "Audio", targets: ["Audio"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        // Pure computation: no I/O, no clocks, no Foundation.
        .target(name: "HRV"),
        .target(name: "Sensor", dependencies: ["HRV"]),
        // Pure computation: pattern, sample-exact schedule, tone synthesis.
        .target(name: "Pacer"),
        .systemLibrary(
            name: "CALSA",
            pkgConfig: "alsa",
            providers: [.apt(["libasound2-dev"])]
        ),
        .target(
            name: "Audio",
            dependencies: [
                "Pacer", "CALSA",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "breathctl",
            dependencies: [
                "HRV", "Sensor", "Pacer", "Audio",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "synthbench", dependencies: ["Pacer"]),
    ] + presentTestTargets([
        .testTarget(
            name: "HRVTests",
            dependencies: ["HRV", "Sensor", .product(name: "Numerics", package: "swift-numerics")]
        ),
        .testTarget(name: "SensorTests", dependencies: ["Sensor", "HRV"]),
        .testTarget(name: "BreathctlTests", dependencies: ["HRV"]),
        .testTarget(name: "PacerTests", dependencies: ["Pacer"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "Pacer"]),
    ])
)
