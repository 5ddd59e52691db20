// swift-tools-version: 6.1
import PackageDescription

// Module boundaries, what each module owns and what may import what: docs/architecture.md.
// Libraries hold the logic; the executables are a page each (@main, subcommands, wiring).
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
        .library(name: "BreathConfig", targets: ["BreathConfig"]),
        .library(name: "BreathClient", targets: ["BreathClient"]),
        .library(name: "BreathHistory", targets: ["BreathHistory"]),
        .library(name: "BreathDaemon", targets: ["BreathDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        // TestClock: the session engine's unit tests run on time the test moves.
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.0"),
        // watch's frames compared with recorded snapshots.
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing", from: "1.17.0"),
    ],
    targets: [
        // Pure computation: no I/O, no clocks, no Foundation.
        .target(name: "HRV"),
        // Pure computation: pattern, sample-exact schedule, tone synthesis.
        .target(name: "Pacer"),
        // System libraries: libasound and libsystemd.
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // librsvg with cairo (and glib, gdk-pixbuf, Pango through them): its headers, for the tests
        // that check CRsvgLoader's declarations against them and decode PNGs. No product links it.
        .systemLibrary(name: "CRsvg", pkgConfig: "librsvg-2.0", providers: [.apt(["librsvg2-dev"])]),
        // librsvg's functions through dlopen, loaded when a PNG is drawn (not at every breathctl start).
        .target(name: "CRsvgLoader"),
        // The only user of CRsvgLoader: an SVG drawn into a PNG in memory. The daemon never loads it.
        .target(name: "SVGRendering", dependencies: ["CRsvgLoader"]),
        // The one syscall error type and EINTR retry, and the one way to start a thread. Atomics
        // come from the standard library's Synchronization, everywhere.
        .target(name: "SystemCalls"),
        .target(
            name: "Audio",
            dependencies: ["Pacer", "CALSA", "SystemCalls", "Systemd", .product(name: "Logging", package: "swift-log")]
        ),
        // Serial devices, line formats and the simulator; logs through the caller's Logger.
        .target(name: "Sensor", dependencies: ["HRV", "SystemCalls", .product(name: "Logging", package: "swift-log")]),
        // The socket protocol's messages, shared by daemon and client.
        .target(name: "BreathProtocol", dependencies: ["Pacer"]),
        // The conversation with breathd: socket path, greeting and version check, typed requests
        // and replies, the watch stream. Blocking, for breathctl and the benchmarks.
        .target(name: "BreathClient", dependencies: ["BreathProtocol", "SystemCalls"]),
        // breathd.toml: schema, loader, parser, renderer, quiet hours. Read by the daemon and by
        // `breathctl notify` (the [notify] table), so it depends on no daemon module.
        .target(
            name: "BreathConfig",
            dependencies: ["BreathProtocol", "Sensor", "SystemCalls", "Bluetooth", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // Figures of recorded sessions and recordings: summaries, assessment steps, recording input.
        .target(name: "SessionAnalysis", dependencies: ["BreathProtocol", "HRV", "Sensor"]),
        // The only importer of CSystemd: sd_notify, the journal's stderr, socket activation, sd-bus.
        .target(name: "Systemd", dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]),
        // Session history in SQLite: the schema and its migrations, the daemon's store and the
        // read-only file breathctl reads when the daemon is not running; one home for the queries.
        .target(
            name: "BreathHistory",
            dependencies: [
                "BreathProtocol", "SessionAnalysis",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BreathDaemon",
            dependencies: [
                "BreathHistory", "BreathProtocol", "BreathConfig", "SessionAnalysis", "HRV", "Pacer", "Audio", "Sensor", "Systemd", "SystemCalls", "Bluetooth",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "breathd",
            dependencies: [
                "BreathDaemon", "BreathConfig", "Systemd", "SystemCalls",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The picture of one session (`breathctl report`): hand-written SVG, pure text, no I/O.
        .target(name: "SessionReport", dependencies: ["BreathProtocol", "HRV"]),
        // Bluetooth LE heart-rate straps through bluetoothd (BlueZ) on the system bus, via sd-bus.
        .target(name: "Bluetooth", dependencies: ["Systemd", "Sensor", "SystemCalls", .product(name: "Logging", package: "swift-log")]),
        // freedesktop notifications over the session bus through libsystemd's sd-bus.
        .target(name: "DesktopNotifications", dependencies: ["Systemd", .product(name: "Logging", package: "swift-log")]),
        // Everything breathctl does: its commands, their text, watch, the notification agent, the
        // simulator's pacer follower, terminal views, report files (PNG drawn by SVGRendering). No daemon module.
        .target(
            name: "BreathctlCore",
            dependencies: [
                "HRV", "Sensor", "Pacer", "Audio", "BreathClient", "BreathHistory", "BreathProtocol", "BreathConfig", "SessionAnalysis",
                "SessionReport", "SVGRendering", "DesktopNotifications", "Systemd", "SystemCalls", "Bluetooth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "breathctl",
            dependencies: ["BreathctlCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The beat-latency instrument of `breathbench daemon`: beats written to a pseudo-terminal,
        // 64 watchers read raw, each event matched to the beat it followed.
        .target(name: "BeatLatency", dependencies: ["BreathClient", "Sensor", "SystemCalls"]),
        // Benchmarks: `make bench`, always a release build.
        .executableTarget(
            name: "breathbench",
            dependencies: [
                "HRV", "Sensor", "BreathClient", "BreathProtocol", "SystemCalls", "BeatLatency",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "synthbench", dependencies: ["Pacer"]),
        // The resident-memory floor GRDB sets under the daemon (`breathbench daemon` runs it).
        .executableTarget(
            name: "breathbench-grdb-floor",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Test helper: writes history in a loop until it is killed (crash-safety test); the test
        // finds it in $BREATHD_BIN_DIR, since no test target depends on an executable.
        .executableTarget(
            name: "breathd-history-writer",
            dependencies: ["BreathDaemon", "BreathHistory", .product(name: "Logging", package: "swift-log")]
        ),
        // What several test targets share: locating binaries and shared data, running processes,
        // temporary directories.
        .target(name: "BreathTestSupport", path: "Tests/BreathTestSupport"),
        .testTarget(
            name: "HRVTests",
            dependencies: ["HRV", "Sensor", "BreathTestSupport", .product(name: "Numerics", package: "swift-numerics")]
        ),
        .testTarget(name: "PacerTests", dependencies: ["Pacer", .product(name: "Numerics", package: "swift-numerics")]),
        // Against a stand-in bluetoothd (scripts/bluez-standin) on a private dbus-daemon.
        .testTarget(name: "BluetoothTests", dependencies: ["Bluetooth", "Sensor", "BreathTestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "Pacer", "BreathTestSupport"]),
        .testTarget(
            name: "SensorTests",
            dependencies: [
                "Sensor", "HRV", "SystemCalls", "BreathTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "BreathctlTests",
            dependencies: [
                // BreathDaemon serves a real control socket to the client commands' tests.
                "BreathDaemon", "BreathConfig", "BreathProtocol", "HRV", "Sensor", "BreathTestSupport",
                .product(name: "Numerics", package: "swift-numerics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "BreathProtocolTests", dependencies: ["BreathProtocol", "BreathTestSupport"]),
        // The beat-latency instrument of `breathbench daemon`: how it reads lines and matches beats.
        .testTarget(name: "BreathBenchTests", dependencies: ["BeatLatency", "BreathProtocol"]),
        // breathd end to end: the real binaries, driven through the socket.
        .testTarget(name: "DaemonEndToEndTests", dependencies: ["BreathTestSupport"]),
        .testTarget(name: "SessionReportTests", dependencies: ["SessionReport", "BreathProtocol"]),
        // Decodes what it renders with cairo's PNG reader (CRsvg) to look at the pixels, and holds
        // CRsvgLoader's declarations against librsvg's and cairo's headers.
        .testTarget(name: "SVGRenderingTests", dependencies: ["SVGRendering", "CRsvg", "CRsvgLoader"]),
        // breathctl's views rendered in process: watch's frames against recorded snapshots.
        .testTarget(
            name: "BreathctlCoreTests",
            dependencies: [
                "BreathctlCore", "BreathProtocol", "BreathHistory", "BreathTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SnapshotTesting", package: "swift-snapshot-testing"),
            ],
            exclude: ["__Snapshots__"]
        ),
        .testTarget(name: "NotifyAgentTests", dependencies: ["BreathctlCore", "BreathProtocol"]),
        .testTarget(name: "BreathConfigTests", dependencies: ["BreathConfig", "BreathProtocol", "BreathTestSupport"]),
        .testTarget(name: "SessionAnalysisTests", dependencies: ["SessionAnalysis", "BreathProtocol", "HRV", "BreathTestSupport"]),
        .testTarget(
            name: "BreathDaemonTests",
            dependencies: [
                "BreathDaemon", "BreathConfig", "BreathHistory", "BreathProtocol", "HRV", "SessionAnalysis", "Sensor", "Systemd", "SystemCalls",
                "BreathTestSupport",
                // To build a database with only the older migrations, as an older breathd left it.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The idle closer's ordering against the greeting, event by event.
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The session engine's tests: its own clock and graceful shutdown, in process.
                "Audio", "Pacer",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
