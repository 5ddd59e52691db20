#!/usr/bin/env python3
"""NeuroKit2 side of `breathbench analyze`: R peaks of an ECG text file (one sample per line).

Times `nk.ecg_peaks(nk.ecg_clean(ecg, fs), fs)` (NeuroKit2's default pipeline) on the signal
already in memory, best of RUNS (wall and CPU time), and separately the file read with numpy. Prints one JSON object.
Usage: bench_neurokit_ecg.py FILE SAMPLE_RATE [RUNS]
"""
import json
import sys
import time
import warnings

import numpy as np
import neurokit2 as nk

warnings.filterwarnings("ignore")
path, fs = sys.argv[1], float(sys.argv[2])
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
start = time.perf_counter()
ecg = np.loadtxt(path, comments="#")
read_s = time.perf_counter() - start
times, cpu = [], []
for _ in range(runs):
    start, start_cpu = time.perf_counter(), time.process_time()
    _, info = nk.ecg_peaks(nk.ecg_clean(ecg, sampling_rate=fs), sampling_rate=fs)
    times.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
print(json.dumps({"samples": int(ecg.size), "beats": int(len(info["ECG_R_Peaks"])), "read_s": read_s,
                  "ecg_peaks_s": min(times), "ecg_peaks_cpu_s": min(cpu)}))
