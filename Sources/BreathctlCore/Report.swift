import ArgumentParser
import BreathProtocol
import Foundation
import SVGRendering
import SessionReport

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw one stored session as an SVG or PNG picture.",
        discussion: """
            The picture shows the summary figures, the pacer's breathing curve, the heart-rate \
            tachogram and the coherence score with its low/medium/high bands, with the breath-heart \
            synchrony (0-1) over it when the session recorded one. The file's extension chooses the \
            format; a PNG is the SVG drawn at twice its size by the librsvg library, with no helper \
            program.
            """
    )

    @Argument(help: ArgumentHelp("A session id from `breathctl history`, or `last`.", valueName: "id|last"), completion: .custom(CompletionValues.sessionReferences))
    var session: String

    @Option(help: ArgumentHelp("The picture to write: FILE.svg or FILE.png.", valueName: "file"), completion: .file(extensions: ["svg", "png"]))
    var output: String

    @OptionGroup var daemon: DaemonOptions
    @OptionGroup var historyFile: HistoryFileOptions

    enum Format { case svg, png }

    var format: Format? {
        switch URL(fileURLWithPath: output).pathExtension.lowercased() {
        case "svg": .svg
        case "png": .png
        default: nil
        }
    }

    var reference: SessionReference? {
        if session == "last" { return .last }
        return Int64(session).flatMap { $0 > 0 ? .id($0) : nil }
    }

    func validate() throws {
        guard reference != nil else { throw ValidationError("SESSION must be a positive id or \"last\", not \"\(session)\".") }
        guard format != nil else { throw ValidationError("--output must end in .svg or .png.") }
    }

    func run() throws {
        let reply = try SessionFetch.fetch(reference!, daemon: daemon, historyFile: historyFile)
        let svg = SessionReportChart(reply: reply).svg()
        let bytes: [UInt8]
        switch format! {
        case .svg:
            bytes = Array(svg.utf8)
        case .png:
            do {
                // Twice the SVG's size: sharp on high-density screens and in the README.
                bytes = try SVGRenderer.png(svg: svg, scale: 2)
            } catch {
                throw CommandFailure(message: "\(output): cannot render the PNG: \(error.message)")
            }
        }
        do {
            try writeFileAtomically(bytes, to: output)
        } catch {
            throw CommandFailure(message: error.description)
        }
    }
}
