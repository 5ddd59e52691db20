// swift-tools-version: 6.1
import PackageDescription

// Module boundaries follow docs/design.md: libraries hold the logic, executables only wire it.
let package = Package(
    name: "breathd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "breathctl", targets: ["breathctl"]),
        .library(name: "HRV", targets: ["HRV"]),
        .library(name: "Sensor", targets: ["Sensor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // Pure computation: no I/O, no clocks, no Foundation.
        .target(name: "HRV"),
        // Serial devices, line formats and the simulator; logs through the caller's Logger.
        .target(name: "Sensor", dependencies: ["HRV", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "breathctl",
            dependencies: [
                "HRV", "Sensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
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
        .testTarget(
            name: "SensorTests",
            dependencies: [
                "Sensor", "HRV",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(name: "BreathctlTests", dependencies: [.product(name: "Numerics", package: "swift-numerics")]),
    ]
)
