// swift-tools-version: 6.1
import PackageDescription

// Module boundaries follow docs/design.md: libraries hold the logic, executables only wire it.
let package = Package(
    name: "breathd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "breathctl", targets: ["breathctl"]),
        .library(name: "HRV", targets: ["HRV"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // Pure computation: no I/O, no clocks, no Foundation.
        .target(name: "HRV"),
        .target(name: "Sensor", dependencies: ["HRV"]),
        .executableTarget(
            name: "breathctl",
            dependencies: [
                "HRV", "Sensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks: `make bench`, always a release build.
        .executableTarget(
            name: "breathbench",
            dependencies: [
                "HRV", "Sensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "HRVTests",
            dependencies: ["HRV", "Sensor", .product(name: "Numerics", package: "swift-numerics")]
        ),
        .testTarget(name: "SensorTests", dependencies: ["Sensor", "HRV"]),
        .testTarget(name: "BreathctlTests", dependencies: [.product(name: "Numerics", package: "swift-numerics")]),
    ]
)
