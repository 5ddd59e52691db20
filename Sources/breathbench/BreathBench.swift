import ArgumentParser

@main
struct BreathBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breathbench",
        abstract: "breathd's benchmarks. Build in release mode (`make bench`); each prints a RESULT line last.",
        subcommands: [HRVBenchmark.self, DaemonBenchmark.self, AnalyzeBenchmark.self, MemoryBenchmark.self]
    )
}
