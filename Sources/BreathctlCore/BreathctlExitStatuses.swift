import SystemCalls

extension BreathctlSubcommands {
    /// breathctl's exit statuses as breathctl(1) lists them (scripts/make-man prints them with
    /// `breathctl --print-exit-status-manual`); ExitStatusDocumentationTests checks that every status
    /// breathctl's code can exit with is here.
    public static let exitStatuses = ExitStatusManual([
        (.success, "Success."),
        (.failure, "The daemon refused the request (its ERROR message on stderr; with --json also its ERROR object on stdout), or a file or device could not be read or written."),
        (.usage, "Invalid arguments, among them a value out of range (the accepted range is named); nothing was sent to the daemon."),
        (.unavailable, "EX_UNAVAILABLE: breathd is not running (for history, session, export and report: and its history file is not there either), or watch's daemon closed the connection."),
        (.configuration, "EX_CONFIG: the configuration read by notify, or by history, session, export and report looking for the history file, is refused."),
        (.killedBySignal, "watch or simulate ended by signal n (130 for Ctrl-C), after putting the terminal back or removing the --link."),
    ])
}
