#!/usr/bin/env python3
"""The artifact classifier against systole 0.3.1 `rr_artefacts` (Lipponen & Tarvainen 2019).

  artifact_figures.py fixtures            writes Tests/Fixtures/artifacts/: the recordings'
                                          RR series, systole's kind for every beat, and recordings
                                          with ectopic, missed and extra beats inserted at known places
  artifact_figures.py summaries           writes, for every shared RR file, breathd's flags as the
                                          rule gives them from systole's kinds (`.flags.txt`) and
                                          `hrv_reference.py summary FILE --nn FLAGS` (`.summary.json`)
  artifact_figures.py figures BREATHCTL   runs `BREATHCTL analyze --beats --json` (centred windows)
                                          and with `--live` (3 beats of look-ahead) on every one of
                                          them and prints agreement with systole, flag counts and
                                          the catch rate of the inserted artifacts per kind

Needs numpy, pandas and systole==0.3.1 (pip). The Swift tests read the fixtures only.
Recordings: every RR file of ../shared/data/rr, the RR series of MIT-BIH record 100's reference
beat annotations (N, A, V), and a synthetic series of deep 6/min breathing (RR 612-1112 ms, as the
ECG of issue 13, with small noise; seeded).
"""
import csv
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("BREATHD_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "artifacts")
KINDS = ["ectopic", "missed", "extra", "long", "short"]  # priority when systole gives several
RR_FILES = {
    "polar_h10_slow_breathing_600s": "polar_h10_slow_breathing_600s.csv",
    "nsr_5min": "nsr_5min.txt",
    "nsr_60min": "nsr_60min.txt",
    "polar_h10_pvc_600s": "polar_h10_pvc_600s.txt",
    "healthy_holter_21h": "healthy_holter_21h.txt",
}
# Clean recordings with large RSA: flags must stay at or below 0.5 %; artifacts go into these.
CLEAN = ["polar_h10_slow_breathing_600s", "deep_breathing_6pm_synthetic"]
INSERT_INTO = ["polar_h10_slow_breathing_600s", "deep_breathing_6pm_synthetic", "nsr_60min"]


def load_rr(path):
    sys.path.insert(0, os.path.join(SHARED, "reference"))
    import hrv_reference

    return hrv_reference.load_rr(path)


def recordings():
    out = {name: load_rr(os.path.join(SHARED, "data", "rr", f)) for name, f in RR_FILES.items()}
    with open(os.path.join(SHARED, "data", "ecg", "mitdb100_annotations.csv")) as f:
        samples = [int(r["sample"]) for r in csv.DictReader(f) if r["symbol"] in ("N", "A", "V")]
    # Integer milliseconds, as a strap would report them (sample index at 360 Hz -> ms).
    out["mitdb100_annotations"] = np.round(np.diff(np.array(samples)) / 360.0 * 1000.0)
    out["deep_breathing_6pm_synthetic"] = deep_breathing()
    return out


def deep_breathing(seconds=600, seed=13):
    """RR of a heart following 6 breaths/min: RSA of +-250 ms around 862 ms (612-1112 ms, as the
    issue's ECG), plus what a real heart adds: a 0.27 Hz component of +-25 ms, a slow AR(1) wander
    and 12 ms of beat-to-beat noise; 1 ms resolution."""
    rng = np.random.default_rng(seed)
    t, rr, wander = 0.0, [], 0.0
    while t < seconds:
        wander = 0.98 * wander + rng.normal(0, 6)
        x = 862 + 250 * np.sin(2 * np.pi * 0.1 * t) + 25 * np.sin(2 * np.pi * 0.27 * t) + wander + rng.normal(0, 12)
        rr.append(round(x))
        t += x / 1000
    return np.array(rr, dtype=float)


def systole_kinds(rr):
    from systole.detection import rr_artefacts

    a = rr_artefacts(np.asarray(rr, dtype=float))
    kinds = []
    for i in range(len(rr)):
        kinds.append(next((k for k in KINDS if a[k][i]), "N"))
    return kinds


def insert_artifacts(rr, seed, every=23):
    """Ectopic, missed and extra beats in turn, one every `every` beats (never near another).

    ectopic: the beat comes early by 25-40 % of its interval, the next interval is longer by as much
             (compensatory pause); both intervals are wrong.
    missed:  one beat undetected: two intervals become their sum.
    extra:   a spurious detection splits an interval at 30-70 %; both parts are wrong.
    Returns the new series and, per inserted artifact, (kind, [indices of the wrong intervals]).
    """
    rng = np.random.default_rng(seed)
    out, truth, kinds = [], [], ["ectopic", "missed", "extra"]
    i, n, k = 0, len(rr), 0
    while i < n:
        if i >= every and i % every == 0 and i + 2 < n:
            kind = kinds[k % 3]
            k += 1
            if kind == "ectopic":
                p = rng.uniform(0.25, 0.40) * rr[i]
                truth.append((kind, [len(out), len(out) + 1]))
                out += [round(rr[i] - p), round(rr[i + 1] + p)]
                i += 2
            elif kind == "missed":
                truth.append((kind, [len(out)]))
                out.append(rr[i] + rr[i + 1])
                i += 2
            else:
                f = rng.uniform(0.3, 0.7)
                truth.append((kind, [len(out), len(out) + 1]))
                out += [round(rr[i] * f), rr[i] - round(rr[i] * f)]
                i += 1
            continue
        out.append(rr[i])
        i += 1
    return np.array(out, dtype=float), truth


def write_fixtures():
    os.makedirs(OUT, exist_ok=True)
    recs = recordings()
    series = dict(recs)
    for j, name in enumerate(INSERT_INTO):
        rr, truth = insert_artifacts(recs[name], seed=100 + j)
        series[name + "_inserted"] = rr
        with open(os.path.join(OUT, name + "_inserted.truth.txt"), "w") as f:
            f.write("# kind and 0-based indices of the intervals the inserted artifact made wrong\n")
            for kind, idx in truth:
                f.write(kind + " " + " ".join(map(str, idx)) + "\n")
    for name, rr in series.items():
        if name in RR_FILES:
            rr_name = None  # read from ../shared by the tests
        else:
            rr_name = name + ".rr.txt"
            with open(os.path.join(OUT, rr_name), "w") as f:
                f.write("".join(f"{x:g}\n" for x in rr))
        with open(os.path.join(OUT, name + ".systole.txt"), "w") as f:
            f.write("\n".join(systole_kinds(rr)) + "\n")
        print(f"{name}: {len(rr)} beats" + (f", {OUT}/{rr_name}" if rr_name else ""))


def breathd_flags(kinds, rr):
    """NN flags (1 NN, 0 artifact) from systole's kinds with breathd's two additions: the interval
    after an extra beat is the other half of the split interval (systole flags the first only,
    as its correction merges the two), so it is an artifact too; and RR outside 300-2000 ms."""
    flags = [k == "N" and 300 <= x <= 2000 for k, x in zip(kinds, rr)]
    for i in range(len(kinds) - 1):
        if kinds[i] == "extra":
            flags[i + 1] = False
    return ["1" if f else "0" for f in flags]


def write_summaries():
    reference = os.path.join(SHARED, "reference", "hrv_reference.py")
    for name in RR_FILES:
        flags_path = os.path.join(OUT, name + ".flags.txt")
        with open(flags_path, "w") as f:
            kinds = read_kinds(os.path.join(OUT, name + ".systole.txt"))
            f.write("\n".join(breathd_flags(kinds, load_rr(rr_path(name)))) + "\n")
        out = subprocess.run([sys.executable, reference, "summary", rr_path(name), "--nn", flags_path],
                             check=True, capture_output=True, text=True).stdout
        with open(os.path.join(OUT, name + ".summary.json"), "w") as f:
            f.write(out)
        print(name, "summary written", flush=True)


def read_kinds(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def rr_path(name):
    if name in RR_FILES:
        return os.path.join(SHARED, "data", "rr", RR_FILES[name])
    return os.path.join(OUT, name + ".rr.txt")


def breathd_kinds(breathctl, path, live):
    cmd = [breathctl, "analyze", "--beats", "--json", path] + (["--live"] if live else [])
    lines = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    return [json.loads(x).get("artifact", "N") for x in lines]


def figures(breathctl):
    names = sorted(f[: -len(".systole.txt")] for f in os.listdir(OUT) if f.endswith(".systole.txt"))
    print("agreement: % of beats whose NN flag equals systole's (and, after /, systole's with breathd's")
    print("two documented additions: both halves of an extra beat, RR outside 300-2000 ms)")
    print(f"{'recording':40} {'beats':>6} {'systole':>7} {'centred':>7} {'agree%':>13} {'live':>5} {'agree%':>13}")
    for name in names:
        ref = read_kinds(os.path.join(OUT, name + ".systole.txt"))
        row = [name, len(ref), sum(k != "N" for k in ref)]
        results = {}
        for live in (False, True):
            ours = breathd_kinds(breathctl, rr_path(name), live)
            assert len(ours) == len(ref), f"{name}: {len(ours)} beats vs {len(ref)}"
            expected = breathd_flags(ref, load_rr(rr_path(name)))
            raw = np.mean([(a == "N") == (b == "N") for a, b in zip(ours, ref)]) * 100
            agree = np.mean([(a == "N") == (b == "1") for a, b in zip(ours, expected)]) * 100
            results[live] = ours
            row += [sum(k != "N" for k in ours), f"{raw:.2f}/{agree:.2f}"]
        print(f"{row[0]:40} {row[1]:>6} {row[2]:>7} {row[3]:>7} {row[4]:>13} {row[5]:>5} {row[6]:>13}")
        truth_path = os.path.join(OUT, name + ".truth.txt")
        if os.path.exists(truth_path):
            truth = [line.split() for line in open(truth_path) if not line.startswith("#")]
            for label, kinds in (("systole", ref), ("centred", results[False]), ("live", results[True])):
                parts = []
                for kind in ("ectopic", "missed", "extra"):
                    events = [list(map(int, t[1:])) for t in truth if t[0] == kind]
                    anyc = sum(any(kinds[i] != "N" for i in ix) for ix in events)
                    allc = sum(all(kinds[i] != "N" for i in ix) for ix in events)
                    parts.append(f"{kind} {anyc}/{len(events)} any, {allc}/{len(events)} all")
                print(f"    caught ({label}): " + "; ".join(parts))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "fixtures":
        write_fixtures()
    elif len(sys.argv) >= 2 and sys.argv[1] == "summaries":
        write_summaries()
    elif len(sys.argv) >= 3 and sys.argv[1] == "figures":
        figures(sys.argv[2])
    else:
        sys.exit(__doc__)
