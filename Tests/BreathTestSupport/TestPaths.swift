import Foundation

/// Where the tests find what they did not build themselves.
public enum TestPaths {
    /// The repository's root, found from this file's path.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The package's executables: `$BREATHD_BIN_DIR` (`make test` sets it), else the debug build.
    /// Tests run the executables as processes; no test target depends on one.
    public static let binDirectory: URL = {
        if let directory = ProcessInfo.processInfo.environment["BREATHD_BIN_DIR"], !directory.isEmpty {
            return URL(fileURLWithPath: directory)
        }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }()

    /// The shared recordings and reference outputs: `$BREATHD_SHARED`, else `../shared`.
    public static let shared: URL = {
        if let path = ProcessInfo.processInfo.environment["BREATHD_SHARED"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    /// The path of one of the package's executables.
    public static func binary(_ name: String) -> String { binDirectory.appendingPathComponent(name).path }
}
