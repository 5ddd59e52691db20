import GRDB

/// The history database's migrations. Append new migrations; never edit a released one.
enum HistorySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: sessions and beats") { db in
            try db.execute(
                sql: """
                    CREATE TABLE session (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        started_at_ms INTEGER NOT NULL,
                        ended_at_ms INTEGER,
                        -- NULL while the session runs (or until the next start finds it interrupted).
                        end_reason TEXT CHECK (end_reason IN ('completed', 'stopped', 'interrupted')),
                        duration_s REAL NOT NULL,
                        rate_bpm REAL NOT NULL,
                        ratio TEXT NOT NULL,
                        voice TEXT NOT NULL,
                        volume REAL NOT NULL,
                        mean_hr_bpm REAL,
                        rmssd_ms REAL,
                        sdnn_ms REAL,
                        mean_coherence_score REAL,
                        low_s REAL,
                        medium_s REAL,
                        high_s REAL,
                        beats INTEGER,
                        artifacts INTEGER
                    );
                    CREATE INDEX session_open ON session (id) WHERE end_reason IS NULL;
                    CREATE TABLE beat (
                        session_id INTEGER NOT NULL REFERENCES session (id) ON DELETE CASCADE,
                        t_s REAL NOT NULL,
                        rr_ms REAL NOT NULL,
                        nn INTEGER NOT NULL,
                        mean_hr_bpm REAL,
                        rmssd_ms REAL,
                        sdnn_ms REAL,
                        coherence_score REAL,
                        coherence_level TEXT CHECK (coherence_level IN ('low', 'medium', 'high'))
                    );
                    CREATE INDEX beat_session ON beat (session_id, t_s);
                    """)
        }
        // Nullable, so rows written before stay valid: their synchrony is simply unknown.
        migrator.registerMigration("v2: breath-heart synchrony") { db in
            try db.execute(
                sql: """
                    ALTER TABLE beat ADD COLUMN synchrony REAL;
                    ALTER TABLE beat ADD COLUMN synchrony_phase_deg REAL;
                    ALTER TABLE session ADD COLUMN mean_synchrony REAL;
                    ALTER TABLE session ADD COLUMN following_share REAL;
                    """)
        }
        migrator.registerMigration("v3: resonance assessments") { db in
            try db.execute(
                sql: """
                    ALTER TABLE session ADD COLUMN kind TEXT NOT NULL DEFAULT 'session'
                        CHECK (kind IN ('session', 'assessment'));
                    CREATE TABLE assessment (
                        session_id INTEGER PRIMARY KEY REFERENCES session (id) ON DELETE CASCADE,
                        minutes_per_rate REAL NOT NULL,
                        rest_s REAL NOT NULL,
                        -- NULL when the assessment was stopped early or no step had usable beats.
                        resonance_rate_bpm REAL
                    );
                    CREATE TABLE assessment_step (
                        session_id INTEGER NOT NULL REFERENCES assessment (session_id) ON DELETE CASCADE,
                        step INTEGER NOT NULL,
                        rate_bpm REAL NOT NULL,
                        peak_to_trough_bpm REAL,
                        breath_cycles INTEGER NOT NULL,
                        lf_power_at_pacer_ms2 REAL,
                        mean_coherence_score REAL,
                        synchrony REAL,
                        phase_deg REAL,
                        PRIMARY KEY (session_id, step)
                    );
                    """)
        }
        // A new table: sessions recorded before simply have no changes.
        migrator.registerMigration("v4: live pacing changes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pacing_change (
                        session_id INTEGER NOT NULL REFERENCES session (id) ON DELETE CASCADE,
                        t_s REAL NOT NULL,
                        at_ms INTEGER NOT NULL,
                        setting TEXT NOT NULL CHECK (setting IN ('rate', 'ratio', 'voice')),
                        rate_bpm REAL NOT NULL,
                        ratio TEXT NOT NULL,
                        voice TEXT NOT NULL
                    );
                    CREATE INDEX pacing_change_session ON pacing_change (session_id, t_s);
                    """)
        }
        // A new table: sessions recorded before have no pauses (their beats' wall-clock times in
        // `export` stay start + session time, as they were).
        migrator.registerMigration("v5: pauses") { db in
            try db.execute(
                sql: """
                    CREATE TABLE session_pause (
                        session_id INTEGER NOT NULL REFERENCES session (id) ON DELETE CASCADE,
                        t_s REAL NOT NULL,
                        duration_s REAL NOT NULL CHECK (duration_s >= 0)
                    );
                    CREATE INDEX session_pause_session ON session_pause (session_id, t_s);
                    """)
        }
        return migrator
    }
}
