import Foundation

/// A measured figure rounded to the decimals its measurement supports, for the CSV and JSON that
/// `export` and `history --csv` write: never 15 digits of floating-point noise (`56.44471819009184`).
public enum FigureRounding {
    /// `value` rounded to `decimals` places, as the nearest Double (JSON prints it shortest).
    public static func rounded(_ value: Double, decimals: Int) -> Double {
        let scale = pow(10, Double(decimals))
        // `+ 0` turns a rounded -0 into 0, so no "-0.0" is printed.
        return (value * scale).rounded() / scale + 0
    }

    /// A CSV cell with exactly `decimals` places, so the precision shows; empty for no value.
    public static func csv(_ value: Double?, decimals: Int) -> String {
        guard let value, value.isFinite else { return "" }
        return String(format: "%.\(decimals)f", rounded(value, decimals: decimals))
    }
}
