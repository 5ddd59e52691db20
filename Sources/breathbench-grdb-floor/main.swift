// The memory floor under breathd's history: the smallest program that keeps history the way the
// daemon must (GRDB over SQLite, WAL, a write and a read), and nothing else. `breathbench daemon`
// runs it beside breathd and prints its resident size next to the daemon's, because GRDB brings
// Foundation, and Foundation's share of a process is most of the daemon's 20 MB budget.
import GRDB

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    let usage = "usage: breathbench-grdb-floor DATABASE\n"
    _ = write(STDERR_FILENO, usage, usage.utf8.count)
    exit(64)
}
var configuration = Configuration()
configuration.journalMode = .wal
let database = try DatabasePool(path: arguments[1], configuration: configuration)
try database.write { db in
    try db.execute(sql: "CREATE TABLE IF NOT EXISTS beat (t REAL NOT NULL, rr_ms REAL NOT NULL)")
    for index in 0..<100 {
        try db.execute(sql: "INSERT INTO beat VALUES (?, ?)", arguments: [Double(index), 900.0])
    }
}
let count = try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM beat") } ?? 0
// The benchmark reads /proc/PID/status once this line arrives, then ends the process.
let ready = "ready \(count)\n"
_ = write(STDOUT_FILENO, ready, ready.utf8.count)
while true { pause() }
