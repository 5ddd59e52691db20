/// The release of breathd and breathctl: one constant for both programs' `--version` and for the
/// daemon's VERSION greeting. They are built and installed together, so they share one number.
public enum Release {
    public static let version = "0.1.0"
}
