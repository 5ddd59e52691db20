import Foundation

/// SVG to PNG through `rsvg-convert` (librsvg, apt package librsvg2-bin).
///
/// Why a tool and not a Swift rasteriser: the report is text-heavy, and librsvg lays text out with
/// Pango and fontconfig, anti-aliases with cairo, and implements the SVG we write completely; a
/// hand-made rasteriser would need a font engine. The SVG stays the single drawing, so both formats
/// always show the same picture, and the tool is one `apt` package the Makefile installs.
enum PNGRenderer {
    static let tool = "rsvg-convert"

    static func render(svg: String, to path: String) throws(CommandFailure) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Twice the SVG's size: sharp on high-density screens and in the README.
        process.arguments = [tool, "--format", "png", "--zoom", "2", "--output", path]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw CommandFailure(message: "cannot run \(tool) (install librsvg2-bin): \(error.localizedDescription)")
        }
        // Writes can fail if the tool exits early; its status and stderr tell why.
        try? input.fileHandleForWriting.write(contentsOf: Data(svg.utf8))
        try? input.fileHandleForWriting.close()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let detail = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let reason = process.terminationStatus == 127 ? "\(tool) not found (install librsvg2-bin)" : "\(tool) failed: \(detail)"
            throw CommandFailure(message: "\(path): \(reason)")
        }
    }
}
