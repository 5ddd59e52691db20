import ArgumentParser

/// A failure to report as one line on stderr and exit status 1 (no usage text: the arguments were fine).
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var exitCode: Int32 = 1
    var description: String { message }
}
