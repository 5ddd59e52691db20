#!/usr/bin/env python3
"""NeuroKit2 side of `make bench`: hrv_time + hrv_frequency on every 64 s window of an RR file.

The windows are the ones breathd updates on: for each beat whose time t (running sum of RR) is at
least 64 s, the beats in (t - 64, t]. Prints one JSON object: median microseconds per window.
"""
import json
import sys
import time
import warnings

import numpy as np
import neurokit2 as nk

sys.path.insert(0, sys.argv[2]) if len(sys.argv) > 2 else None
from hrv_reference import load_rr  # noqa: E402  (the reference's own file reader)

warnings.filterwarnings("ignore")
rr = load_rr(sys.argv[1])
t = np.cumsum(rr) / 1000.0
windows = [rr[(t > t[i] - 64.0) & (t <= t[i])] for i in range(len(rr)) if t[i] >= 64.0]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else len(windows)
times = []
for w in windows[:limit]:
    peaks = np.concatenate([[0], np.cumsum(w)]).astype(int)  # R peaks at 1000 Hz
    start = time.perf_counter()
    nk.hrv_time(peaks, sampling_rate=1000)
    nk.hrv_frequency(peaks, sampling_rate=1000, interpolation_rate=4)
    times.append(time.perf_counter() - start)
print(json.dumps({"windows": len(times), "median_us": float(np.median(times) * 1e6)}))
