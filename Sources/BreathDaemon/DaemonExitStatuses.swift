import SystemCalls

extension Daemon {
    /// breathd's exit statuses as breathd(8) lists them (scripts/make-man prints them with
    /// `breathd --print-exit-status-manual`); ExitStatusDocumentationTests checks that every status
    /// breathd's code can exit with is here.
    public static let exitStatuses = ExitStatusManual([
        (.success, "Stopped by SIGTERM or SIGINT (the running session closed as stopped), or --check-config, --print-config, --version or --help done."),
        (.failure, "Stopped by an error at run time (the socket or a device could not be set up); the log says which."),
        (.usage, "Invalid command-line arguments."),
        (.configuration, "EX_CONFIG: the configuration file is refused (a syntax error, an unknown key or a value out of range; one line per problem on stderr), at start or with --check-config."),
    ])
}
