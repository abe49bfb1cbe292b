#!/usr/bin/env python3
"""Reference features for Tests/FeaturesAudioTests from torchaudio.compliance.kaldi.

torchaudio.compliance.kaldi is an independent implementation of Kaldi's
compute-spectrogram-feats / compute-fbank-feats / compute-mfcc-feats. This script
  (a) writes two small deterministic synthetic WAVs (a chirp plus seeded noise, 16-bit PCM,
      0.6 s at 16 kHz and at 8 kHz) into Tests/FeaturesAudioTests/Fixtures/, and
  (b) computes torchaudio's features on them and on a few real 8 kHz files of ../shared/data
      (truncated to their first 50 frames), for several option sets, writing each expected
      matrix as raw little-endian float32 (NAME.f32) and listing every case in cases.json with
      its options as Kaldi config text, so the Swift tests build the same front end from it.

Run from the package root:  python3 scripts/reference/make-feature-fixtures.py
"""
import json
import os
import sys
import wave

import numpy as np
import torch
import torchaudio.compliance.kaldi as kaldi

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "FeaturesAudioTests", "Fixtures")
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
REAL_ROWS = 50

# Kaldi's defaults (feature-window.h, mel-computations.h, feature-*.h), dither 0. These, not
# torchaudio's own defaults (energy_floor=1.0, mfcc use_energy=False), are what seqlab follows.
KALDI_DEFAULTS = {
    "sample-frequency": 16000.0, "frame-length": 25.0, "frame-shift": 10.0,
    "preemphasis-coefficient": 0.97, "remove-dc-offset": True, "window-type": "povey",
    "blackman-coeff": 0.42, "round-to-power-of-two": True, "snip-edges": True, "dither": 0.0,
    "energy-floor": 0.0, "raw-energy": True, "num-mel-bins": 23, "num-ceps": 13,
    "low-freq": 20.0, "high-freq": 0.0, "cepstral-lifter": 22.0, "use-log-fbank": True,
    "use-power": True, "vtln-warp": 1.0, "vtln-low": 100.0, "vtln-high": -500.0,
}
TORCH_NAMES = {
    "sample-frequency": "sample_frequency", "frame-length": "frame_length", "frame-shift": "frame_shift",
    "preemphasis-coefficient": "preemphasis_coefficient", "remove-dc-offset": "remove_dc_offset",
    "window-type": "window_type", "blackman-coeff": "blackman_coeff",
    "round-to-power-of-two": "round_to_power_of_two", "snip-edges": "snip_edges", "dither": "dither",
    "energy-floor": "energy_floor", "raw-energy": "raw_energy", "use-energy": "use_energy",
    "num-mel-bins": "num_mel_bins", "num-ceps": "num_ceps", "low-freq": "low_freq",
    "high-freq": "high_freq", "cepstral-lifter": "cepstral_lifter", "use-log-fbank": "use_log_fbank",
    "use-power": "use_power", "vtln-warp": "vtln_warp", "vtln-low": "vtln_low", "vtln-high": "vtln_high",
}
SPECTROGRAM_OPTIONS = {"sample-frequency", "frame-length", "frame-shift", "preemphasis-coefficient",
                       "remove-dc-offset", "window-type", "blackman-coeff", "round-to-power-of-two",
                       "snip-edges", "dither", "energy-floor", "raw-energy"}
FBANK_ONLY = {"use-log-fbank", "use-power"}
VTLN = {"vtln-warp", "vtln-low", "vtln-high"}
MFCC_ONLY = {"num-ceps", "cepstral-lifter"}


def write_synthetic(path, rate, seconds=0.6, seed=20261129):
    """A linear chirp 100 Hz → 0.45·rate, amplitude 8000, plus seeded Gaussian noise (σ 200)."""
    n = int(rate * seconds)
    t = np.arange(n) / rate
    f0, f1 = 100.0, 0.45 * rate
    phase = 2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / seconds * t * t)
    rng = np.random.default_rng(seed)
    x = 8000 * np.sin(phase) * np.minimum(1, 10 * t) + 200 * rng.standard_normal(n)
    pcm = np.clip(np.round(x), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def read_wav_int16_scale(path):
    """Mono samples on Kaldi's 16-bit scale (as Kaldi reads WAV), with the file's rate."""
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2, path
        rate, channels = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)
    data = data.reshape(-1, channels).mean(axis=1).astype(np.float32)
    return torch.from_numpy(data).unsqueeze(0), rate


def parse(config_text):
    options = {}
    for line in config_text.strip().splitlines():
        name, _, value = line[2:].partition("=")
        options[name] = value
    return options


def torch_kwargs(feature_type, options):
    values = dict(KALDI_DEFAULTS)
    values["use-energy"] = feature_type == "mfcc"  # Kaldi: MfccOptions use_energy(true), FbankOptions false
    for name, text in options.items():
        if name == "feature-type":
            continue
        default = values[name]
        if isinstance(default, bool):
            values[name] = text == "true"
        elif isinstance(default, int):
            values[name] = int(text)
        elif isinstance(default, float):
            values[name] = float(text)
        else:
            values[name] = text
    kwargs = {}
    for name, value in values.items():
        if feature_type == "spectrogram" and name not in SPECTROGRAM_OPTIONS:
            continue
        if feature_type == "fbank" and name in MFCC_ONLY:
            continue
        if feature_type == "mfcc" and name in FBANK_ONLY:
            continue
        if name in VTLN and "vtln-warp" not in options:
            continue
        kwargs[TORCH_NAMES[name]] = value
    return kwargs


def compute(waveform, feature_type, options):
    kwargs = torch_kwargs(feature_type, options)
    fn = {"spectrogram": kaldi.spectrogram, "fbank": kaldi.fbank, "mfcc": kaldi.mfcc}[feature_type]
    # float64 so the reference carries no float32 FFT rounding of its own.
    return fn(waveform.double(), **kwargs).numpy().astype("<f4")


SYNTHETIC_CASES = [
    # (name, wav, config text)
    ("spectrogram-default", "synthetic-16k.wav", "--feature-type=spectrogram"),
    ("fbank-default", "synthetic-16k.wav", "--feature-type=fbank"),
    ("mfcc-default", "synthetic-16k.wav", "--feature-type=mfcc"),
    ("spectrogram-nosnip", "synthetic-16k.wav", "--feature-type=spectrogram\n--snip-edges=false"),
    ("fbank-nosnip", "synthetic-16k.wav", "--feature-type=fbank\n--snip-edges=false"),
    ("mfcc-nosnip", "synthetic-16k.wav", "--feature-type=mfcc\n--snip-edges=false"),
    ("spectrogram-hamming", "synthetic-16k.wav", "--feature-type=spectrogram\n--window-type=hamming"),
    ("fbank-hamming", "synthetic-16k.wav", "--feature-type=fbank\n--window-type=hamming"),
    ("mfcc-hamming", "synthetic-16k.wav", "--feature-type=mfcc\n--window-type=hamming"),
    ("fbank-hanning", "synthetic-16k.wav", "--feature-type=fbank\n--window-type=hanning"),
    ("fbank-rectangular", "synthetic-16k.wav", "--feature-type=fbank\n--window-type=rectangular"),
    ("fbank-blackman", "synthetic-16k.wav", "--feature-type=fbank\n--window-type=blackman\n--blackman-coeff=0.4"),
    ("fbank-energy", "synthetic-16k.wav", "--feature-type=fbank\n--use-energy=true"),
    ("fbank-energy-windowed-floor", "synthetic-16k.wav",
     "--feature-type=fbank\n--use-energy=true\n--raw-energy=false\n--energy-floor=1e9"),
    ("mfcc-noenergy", "synthetic-16k.wav", "--feature-type=mfcc\n--use-energy=false"),
    ("mfcc-nolifter", "synthetic-16k.wav", "--feature-type=mfcc\n--cepstral-lifter=0\n--num-ceps=20"),
    ("fbank-40", "synthetic-16k.wav", "--feature-type=fbank\n--num-mel-bins=40"),
    ("mfcc-40", "synthetic-16k.wav", "--feature-type=mfcc\n--num-mel-bins=40"),
    ("fbank-magnitude-linear", "synthetic-16k.wav",
     "--feature-type=fbank\n--use-power=false\n--use-log-fbank=false"),
    ("fbank-no-dc-no-preemph", "synthetic-16k.wav",
     "--feature-type=fbank\n--remove-dc-offset=false\n--preemphasis-coefficient=0"),
    ("spectrogram-windowed-energy", "synthetic-16k.wav", "--feature-type=spectrogram\n--raw-energy=false"),
    ("fbank-nopow2-shift", "synthetic-16k.wav",
     "--feature-type=fbank\n--round-to-power-of-two=false\n--frame-length=30\n--frame-shift=12.5"),
    ("fbank-8k-lowhigh", "synthetic-8k.wav",
     "--feature-type=fbank\n--sample-frequency=8000\n--low-freq=64\n--high-freq=-200"),
    ("mfcc-8k-lowhigh", "synthetic-8k.wav",
     "--feature-type=mfcc\n--sample-frequency=8000\n--low-freq=100\n--high-freq=3800"),
    ("spectrogram-8k", "synthetic-8k.wav", "--feature-type=spectrogram\n--sample-frequency=8000"),
    # VTLN / VTLP: Kaldi's piecewise-linear warp of the mel filters (--vtln-warp, -low, -high).
    ("fbank-vtln-0.9", "synthetic-16k.wav", "--feature-type=fbank\n--vtln-warp=0.9"),
    ("fbank-vtln-1.1-8k-40", "synthetic-8k.wav",
     "--feature-type=fbank\n--sample-frequency=8000\n--num-mel-bins=40\n--vtln-warp=1.1"),
    ("fbank-vtln-0.85-8k-range", "synthetic-8k.wav",
     "--feature-type=fbank\n--sample-frequency=8000\n--low-freq=60\n--vtln-warp=0.85\n--vtln-low=200\n--vtln-high=3000"),
    ("mfcc-vtln-1.15-8k", "synthetic-8k.wav",
     "--feature-type=mfcc\n--sample-frequency=8000\n--vtln-warp=1.15\n--vtln-high=-300"),
]

REAL_FILES = [
    ("fsdd", "fsdd/recordings/0_jackson_0.wav"),
    ("yesno", "yesno/waves_yesno/0_0_0_0_1_1_1_1.wav"),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    write_synthetic(os.path.join(OUT, "synthetic-16k.wav"), 16000)
    write_synthetic(os.path.join(OUT, "synthetic-8k.wav"), 8000)
    cases = []

    def add(name, wav, source, config, waveform, rows_kept=None):
        options = parse(config)
        feats = compute(waveform, options["feature-type"], options)
        total = feats.shape[0]
        if rows_kept is not None:
            feats = feats[:rows_kept]
        feats.tofile(os.path.join(OUT, name + ".f32"))
        cases.append({"name": name, "source": source, "wav": wav, "config": config + "\n",
                      "rows": int(feats.shape[0]), "cols": int(feats.shape[1]), "totalRows": int(total),
                      "file": name + ".f32"})

    for name, wav, config in SYNTHETIC_CASES:
        waveform, rate = read_wav_int16_scale(os.path.join(OUT, wav))
        assert rate == int(float(parse(config).get("sample-frequency", "16000"))), name
        add(name, wav, "fixture", config, waveform)

    if not os.path.isdir(SHARED):
        sys.exit("../shared/data is missing: the real-data fixtures need it")
    for tag, relative in REAL_FILES:
        waveform, rate = read_wav_int16_scale(os.path.join(SHARED, relative))
        assert rate == 8000, relative
        for feature_type in ("spectrogram", "fbank", "mfcc"):
            config = f"--feature-type={feature_type}\n--sample-frequency=8000"
            add(f"{tag}-{feature_type}", relative, "shared", config, waveform, rows_kept=REAL_ROWS)

    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"generator": "scripts/reference/make-feature-fixtures.py",
                   "torch": torch.__version__, "cases": cases}, f, indent=1)
    size = sum(os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT))
    print(f"{len(cases)} cases, {size} bytes in {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
