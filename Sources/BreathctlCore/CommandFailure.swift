import BreathClient

/// A failure to report as one line on stderr and an exit status (no usage text: the arguments
/// were fine). The client's failures are already that, so commands share its type.
typealias CommandFailure = ClientFailure
