#!/usr/bin/env python3
"""scripts/bench extract: seqlab's audio front end against torchaudio and librosa on the same files.

Usage: scripts/bench-extract.py --seqlab BIN --folder DIR --minutes M [--reps N] [--jobs J]

DIR holds M one-minute 16 kHz 16-bit mono WAV files (scripts/bench writes them). For each
feature type (fbank: 23 log mel bins; spectrogram: 257 log power bins; 25 ms / 10 ms frames,
512-point FFT, dither 0) and each of N rounds, in this order:
  - seqlab, whole process (start-up, reading with libsndfile, features, the binary Kaldi archive
    written to /dev/null), `extract audio --jobs J`; wall time and CPU time (user + system, all
    threads) from wait4;
  - the same writing the archive to a file in DIR (the page cache; shows what writing costs);
  - torchaudio.compliance.kaldi.{fbank,spectrogram} in this process after its import and one
    warm-up call (Python's wave + numpy read each file), with torch's default threads (one per
    core) and with one thread; the features stay in memory, nothing is written;
  - librosa the same way: melspectrogram (23 mels, power, log) for fbank, |stft|² + log for the
    spectrogram (center=False, n_fft 512, win 400, hop 160: the same frames).
  - each peer again as a whole process, as seqlab is timed: a new Python interpreter that imports
    it and runs the same function over every file once (no warm-up), timed from start to exit.
Peers timed in-process skip their start-up (about 1 s of imports), which favours them; the
whole-process rows are the comparison the issue names ("whole process, on 2 cores").
Figures are seconds of audio per second (wall, and per CPU second), the median over the rounds;
the ratio columns divide seqlab's (to /dev/null) by the peer's.

(Internal: --peer NAME --kind KIND is the child that one whole-process peer run starts.)
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import time
import wave

import numpy as np


def read(path):
    with wave.open(path, "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)


def run_process(cmd):
    """Wall and CPU seconds (user + system, all threads) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"bench extract: {' '.join(cmd[:3])} … failed with status {status}")
    return wall, usage.ru_utime + usage.ru_stime


def run_inprocess(fn, files):
    fn(files[0])  # warm-up (lazy imports, caches)
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        fn(path)
    return time.perf_counter() - start, time.process_time() - cpu


def peers():
    """name → {feature type: one-file function}, for the peers that import."""
    found = {}
    try:
        import torch
        import torchaudio.compliance.kaldi as kaldi

        def ta(fn, threads):
            def f(path):
                torch.set_num_threads(threads)
                with torch.inference_mode():
                    return fn(torch.from_numpy(read(path)).unsqueeze(0), dither=0.0, energy_floor=0.0)
            return f
        # torch's default (one thread a core) and one thread: on a busy machine the second
        # thread mostly waits for a core and the single thread is several times faster.
        for threads in sorted({torch.get_num_threads(), 1}, reverse=True):
            found[f"torchaudio ({threads} thread{'s' if threads > 1 else ''})"] = {
                "fbank": ta(kaldi.fbank, threads), "spectrogram": ta(kaldi.spectrogram, threads)}
    except ImportError as e:
        print(f"torchaudio: skipped ({e})")
    try:
        import librosa

        def mel(path):
            m = librosa.feature.melspectrogram(y=read(path) / 32768.0, sr=16000, n_fft=512, win_length=400,
                                               hop_length=160, n_mels=23, fmin=20, center=False, power=2.0)
            return np.log(np.maximum(m, 1e-10))

        def spec(path):
            s = librosa.stft(read(path) / 32768.0, n_fft=512, win_length=400, hop_length=160, center=False)
            return np.log(np.maximum(np.abs(s) ** 2, 1e-10))
        found["librosa"] = {"fbank": mel, "spectrogram": spec}
    except ImportError:
        print("librosa: skipped (not importable; ../shared/peers/setup.sh installs it)")
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seqlab", required=True)
    ap.add_argument("--folder", required=True)
    ap.add_argument("--minutes", type=int, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--peer", help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    args = ap.parse_args()
    files = sorted(glob.glob(os.path.join(args.folder, "bench*.wav")))
    audio = 60.0 * args.minutes
    found = peers()
    if args.peer:  # one whole-process peer run: imports done above, one pass, exit
        for path in files:
            found[args.peer][args.kind](path)
        return
    load = os.getloadavg()[0]
    print(f"bench extract: {len(files)} files, {audio:.0f} s of 16 kHz 16-bit mono WAV; {os.cpu_count()} cores;"
          f" load average {load:.2f} at the start; median of {args.reps} rounds")
    print("seqlab: whole process, --jobs %d, archive to /dev/null (and to a file); peers: in-process after"
          " import and a warm-up call, read + features per file, nothing written; then each peer as a whole"
          " process (interpreter, imports, one pass)" % args.jobs)
    results = {}  # (type, who) → [(wall, cpu)]
    for rep in range(args.reps):
        for kind in ("fbank", "spectrogram"):
            base = [args.seqlab, "extract", "audio", *files, "--type", kind, "--jobs", str(args.jobs), "--quiet"]
            results.setdefault((kind, "seqlab"), []).append(run_process(base + ["-o", "/dev/null"]))
            out = os.path.join(args.folder, "out.ark")
            results.setdefault((kind, "seqlab → file"), []).append(run_process(base + ["-o", out]))
            os.remove(out)
            for name, fns in found.items():
                results.setdefault((kind, name), []).append(run_inprocess(fns[kind], files))
                child = [sys.executable, os.path.abspath(__file__), "--seqlab", args.seqlab, "--folder", args.folder,
                         "--minutes", str(args.minutes), "--peer", name, "--kind", kind]
                results.setdefault((kind, name + ", whole process"), []).append(run_process(child))
    print(f"load average {os.getloadavg()[0]:.2f} at the end (the machine is shared: figures are noisy;"
          " the per-CPU-second column depends less on other load)")
    print()
    print("| features | program | s of audio per s (wall) | per CPU s | seqlab / it (wall) | seqlab / it (CPU) |")
    print("|---|---|---|---|---|---|")
    for kind in ("fbank", "spectrogram"):
        def speeds(who):
            runs = results[(kind, who)]
            return audio / statistics.median(w for w, _ in runs), audio / statistics.median(c for _, c in runs)
        ours_wall, ours_cpu = speeds("seqlab")
        for who in ["seqlab", "seqlab → file", *found, *(name + ", whole process" for name in found)]:
            wall, cpu = speeds(who)
            ratio = "" if who == "seqlab" else f"{ours_wall / wall:.2f}× | {ours_cpu / cpu:.2f}×"
            print(f"| {kind} | {who} | {wall:,.0f} | {cpu:,.0f} | {ratio or ' | '} |")
    print()
    for (kind, who), runs in results.items():
        print(f"raw {kind} {who}: wall " + " ".join(f"{w:.3f}" for w, _ in runs) + " s; cpu " + " ".join(f"{c:.3f}" for _, c in runs) + " s")


if __name__ == "__main__":
    main()
