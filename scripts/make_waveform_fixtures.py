#!/usr/bin/env python3
"""Writes the waveform fixtures of HRVTests (Tests/Fixtures/) so the Swift tests need no Python.

ECG (Tests/Fixtures/ecg/): NeuroKit2's R peaks, `nk.ecg_peaks(nk.ecg_clean(ecg, sampling_rate=fs),
sampling_rate=fs)`, of the shared NeuroKit2 (100 Hz) and BioSPPy (1000 Hz) ECGs.

PPG (Tests/Fixtures/ppg/):

For every PPG the tests use, NeuroKit2's systolic peaks, exactly as
`nk.ppg_peaks(nk.ppg_clean(ppg, sampling_rate=fs), sampling_rate=fs)` finds them (Elgendi et al.
2013, `ppg_findpeaks(method="elgendi")`), one sample index per line in `NAME.neurokit-peaks.txt`:
  - the shared recordings (`../shared/data`): NeuroKit2's bio_resting_5min_100hz finger PPG and
    BioSPPy's 1000 Hz example (their samples stay in ../shared);
  - `nk.ppg_simulate` at 55, 75, 100 and 130 beats/min, 100 Hz, 60 s, with drift, motion noise,
    mains hum, and two noise bursts: samples in `sim_hrNNN_100hz.txt`;
  - a finger PPG as a cheap sensor gives it: simulated at 70/min, scaled to about 300 counts
    peak to peak around 512 and rounded to whole counts (`finger_counts_100hz.txt`).

Run from the repository root: `python3 scripts/make_waveform_fixtures.py [SHARED]` (SHARED defaults
to ../shared). NeuroKit2 0.3.0 wrote the committed files.
"""
import os
import sys

import numpy as np
import neurokit2 as nk

OUT = os.path.join("Tests", "Fixtures", "ppg")
ECG_OUT = os.path.join("Tests", "Fixtures", "ecg")
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared")


def peaks(ppg, fs):
    return nk.ppg_peaks(nk.ppg_clean(ppg, sampling_rate=fs), sampling_rate=fs)[1]["PPG_Peaks"]


def write_peaks(name, ppg, fs):
    with open(os.path.join(OUT, name + ".neurokit-peaks.txt"), "w") as f:
        f.write(f"# NeuroKit2 {nk.__version__} ppg_peaks(ppg_clean(ppg, {fs}), {fs}): sample indices\n")
        f.writelines(f"{int(p)}\n" for p in peaks(ppg, fs))


def write_samples(name, ppg, fs, header, integer=False):
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.write(f"# {header}\n# {fs} Hz, one sample per line; written by scripts/make_ppg_fixtures.py\n")
        f.writelines((f"{int(v)}\n" if integer else f"{v:.5f}\n") for v in ppg)


def write_ecg_peaks(name, ecg, fs):
    rpeaks = nk.ecg_peaks(nk.ecg_clean(ecg, sampling_rate=fs), sampling_rate=fs)[1]["ECG_R_Peaks"]
    with open(os.path.join(ECG_OUT, name + ".neurokit-peaks.txt"), "w") as f:
        f.write(f"# NeuroKit2 {nk.__version__} ecg_peaks(ecg_clean(ecg, {fs}), {fs}): sample indices\n")
        f.writelines(f"{int(p)}\n" for p in rpeaks)


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(ECG_OUT, exist_ok=True)
    bio = np.loadtxt(os.path.join(SHARED, "data/ecg/neurokit_bio_resting_100hz.csv"), delimiter=",", skiprows=1)
    write_peaks("neurokit_bio_resting_100hz", bio[:, 1], 100)
    write_ecg_peaks("neurokit_bio_resting_100hz", bio[:, 0], 100)
    write_ecg_peaks("biosppy_ecg_1000hz", np.loadtxt(os.path.join(SHARED, "data/ecg/biosppy_ecg_1000hz.txt"), comments="#"), 1000)
    write_peaks("biosppy_ppg_1000hz", np.loadtxt(os.path.join(SHARED, "data/ppg/biosppy_ppg_1000hz.txt"), comments="#"), 1000)
    for hr in (55, 75, 100, 130):
        ppg = nk.ppg_simulate(duration=60, sampling_rate=100, heart_rate=hr, frequency_modulation=0.2,
                              ibi_randomness=0.1, drift=0.5, motion_amplitude=0.2, powerline_amplitude=0.05,
                              burst_number=2, burst_amplitude=0.5, random_state=hr)
        name = f"sim_hr{hr:03d}_100hz"
        write_samples(name, ppg, 100, f"nk.ppg_simulate(duration=60, sampling_rate=100, heart_rate={hr}, "
                      f"frequency_modulation=0.2, ibi_randomness=0.1, drift=0.5, motion_amplitude=0.2, "
                      f"powerline_amplitude=0.05, burst_number=2, burst_amplitude=0.5, random_state={hr})")
        write_peaks(name, ppg, 100)
    ppg = nk.ppg_simulate(duration=120, sampling_rate=100, heart_rate=70, ibi_randomness=0.1,
                          motion_amplitude=0.1, random_state=7)
    counts = np.round(512 + (ppg - ppg.mean()) / np.ptp(ppg) * 300)
    write_samples("finger_counts_100hz", counts, 100, "nk.ppg_simulate(duration=120, sampling_rate=100, heart_rate=70, "
                  "ibi_randomness=0.1, motion_amplitude=0.1, random_state=7), scaled to 300 counts around 512, rounded",
                  integer=True)
    write_peaks("finger_counts_100hz", counts, 100)


if __name__ == "__main__":
    main()
