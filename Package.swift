// swift-tools-version: 6.1
import PackageDescription

// Module boundaries follow docs/design.md: libraries hold the logic, executables only wire it.
let package = Package(
    name: "breathd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "breathd", targets: ["breathd"]),
        .executable(name: "breathctl", targets: ["breathctl"]),
        .library(name: "HRV", targets: ["HRV"]),
        .library(name: "Pacer", targets: ["Pacer"]),
        .library(name: "Audio", targets: ["Audio"]),
        .library(name: "Sensor", targets: ["Sensor"]),
        .library(name: "BreathProtocol", targets: ["BreathProtocol"]),
        .library(name: "BreathDaemon", targets: ["BreathDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        // TestClock: the session engine's unit tests run on time the test moves.
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.0"),
    ],
    targets: [
        // Pure computation: no I/O, no clocks, no Foundation.
        .target(name: "HRV"),
        // Pure computation: pattern, sample-exact schedule, tone synthesis.
        .target(name: "Pacer"),
        // System libraries: libasound and libsystemd.
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(
            name: "Audio",
            dependencies: [
                "Pacer", "CALSA",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Serial devices, line formats and the simulator; logs through the caller's Logger.
        .target(name: "Sensor", dependencies: ["HRV", .product(name: "Logging", package: "swift-log")]),
        // The socket protocol's messages, shared by daemon and client.
        .target(name: "BreathProtocol"),
        // A blocking client of the daemon's socket, for breathctl and the benchmarks.
        .target(name: "BreathClient"),
        .target(
            name: "BreathDaemon",
            dependencies: [
                "BreathProtocol", "HRV", "Pacer", "Audio", "Sensor", "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(
            name: "breathd",
            dependencies: [
                "BreathDaemon", "Sensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The picture of one session (`breathctl report`): hand-written SVG, pure text, no I/O.
        .target(name: "SessionReport", dependencies: ["BreathProtocol", "HRV"]),
        // freedesktop notifications over the session bus through libsystemd's sd-bus.
        .target(name: "DesktopNotifications", dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "breathctl",
            dependencies: [
                "HRV", "Sensor", "Pacer", "Audio", "BreathClient", "BreathProtocol", "SessionReport", "DesktopNotifications",
                // For the [notify] table of the configuration file (`breathctl notify`).
                "BreathDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks: `make bench`, always a release build.
        .executableTarget(
            name: "breathbench",
            dependencies: [
                "HRV", "Sensor", "BreathClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "synthbench", dependencies: ["Pacer"]),
        // The resident-memory floor GRDB sets under the daemon (`breathbench daemon` runs it).
        .executableTarget(
            name: "breathbench-grdb-floor",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Test helper: writes history in a loop until it is killed (crash-safety test).
        .executableTarget(
            name: "breathd-history-writer",
            dependencies: ["BreathDaemon", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "HRVTests",
            dependencies: ["HRV", "Sensor", .product(name: "Numerics", package: "swift-numerics")]
        ),
        .testTarget(name: "PacerTests", dependencies: ["Pacer"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "Pacer"]),
        .testTarget(
            name: "SensorTests",
            dependencies: [
                "Sensor", "HRV",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "BreathctlTests",
            dependencies: [
                // BreathDaemon serves a real control socket to the client commands' tests.
                "BreathDaemon", "BreathProtocol", "HRV", "Sensor",
                .product(name: "Numerics", package: "swift-numerics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "BreathProtocolTests", dependencies: ["BreathProtocol"]),
        // breathd end to end: the real binaries, driven through the socket.
        .testTarget(name: "DaemonEndToEndTests"),
        .testTarget(name: "SessionReportTests", dependencies: ["SessionReport", "BreathProtocol"]),
        .testTarget(name: "NotifyAgentTests", dependencies: ["breathctl", "BreathProtocol"]),
        .testTarget(
            name: "BreathDaemonTests",
            dependencies: [
                "BreathDaemon", "BreathProtocol", "HRV", "Sensor", "breathd-history-writer",
                // To build a database with only the older migrations, as an older breathd left it.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The session engine's tests: its own clock and graceful shutdown, in process.
                "Audio", "Pacer",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
