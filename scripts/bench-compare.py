#!/usr/bin/env python3
"""Runs a seqlab benchmark and its Python peer on the same shapes and prints both with ratios.

Called by scripts/bench (train, decode, ctc); needs only the standard library itself. The peers are
../shared/peers/bench_{blstm,decode,ctc}.py (installed by ../shared/peers/setup.sh; $SEQLAB_PEERS_DIR
names another directory), run by
$PEER_PYTHON (default python3) as they are, except that each wait for a quiet machine is capped at
--max-wait seconds (their own default is 180 s per timing).

  bench-compare.py train  --bin DIR [--threads N] [--steps N] [--rounds N] [--coretype both|unset|haswell|env] [--max-wait S] [--no-peer]
  bench-compare.py decode --bin DIR [--reps N] [--max-wait S] [--no-peer] [--no-compare]
  bench-compare.py ctc    --bin DIR [--threads N] [--iters N] [--max-wait S] [--no-peer]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The peers' directory: ../shared/peers beside the checkout, or $SEQLAB_PEERS_DIR.
PEERS = os.environ.get("SEQLAB_PEERS_DIR") or os.path.join(os.path.dirname(ROOT), "shared", "peers")
PEER_PYTHON = os.environ.get("PEER_PYTHON", "python3")
# PyTorch's mixed precision (autocast bf16) on the same model and step, beside seqlab's.
AUTOCAST = os.path.join(ROOT, "scripts", "reference", "torch-autocast-training.py")
SHAPES = [(40, 1, 128), (40, 2, 256), (129, 1, 128)]  # input, layers, hidden per direction
B, T, K, S = 16, 200, 30, 20


def load():
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


PEER_MALLOC = {"MALLOC_TRIM_THRESHOLD_": "268435456", "MALLOC_MMAP_THRESHOLD_": "268435456"}


def kernels_label(variant, result):
    """The OPENBLAS_CORETYPE setting of a row, the kernels OpenBLAS chose under it, and what ran the
    per-frame products (`perFrameProductLibrary`: the panel product, or libxsmm)."""
    setting = {"unset": "unset", "haswell": "Haswell"}.get(variant, "as in env")
    small = result.get("small_products")
    return f"{setting} ({result['blas_core']}" + (f"; per-frame products {small})" if small else ")")


def bf16_kernel(result):
    """What ran a bench-networks result's bfloat16 products (its `bf16_family`)."""
    return {3: "AVX512-BF16", 2: "AVX-512F, widened", 1: "AVX2, widened"}.get(int(result["bf16_family"]), "portable C")


def table_head(columns):
    """Prints a markdown table's header row and its separator, one cell per column."""
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))


def medians(runs):
    """The per-key median of a list of result dicts (over the runs where the key holds a number),
    other keys from the first run."""
    out = dict(runs[0])
    number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    for key in runs[0]:
        values = [r.get(key) for r in runs if number(r.get(key))]
        if values:
            out[key] = statistics.median(values)
    return out


def peer_works(*modules):
    """True when PEER_PYTHON can import every module, with the peers' directory first on its path."""
    code = f"import sys; sys.path.insert(0, {PEERS!r}); " + "; ".join(f"import {m}" for m in modules)
    return subprocess.run([PEER_PYTHON, "-c", code], capture_output=True).returncode == 0


def cannot_import(*modules):
    """The reason a peer did not run, for its section's one-line report."""
    return f"{PEER_PYTHON} cannot import {' or '.join(modules)} (the peers' directory: {PEERS})"


def peer_prelude(max_wait):
    """Python source that puts the peers on the path and caps their waits for a quiet machine."""
    return (f"import sys, json, resource\nsys.path.insert(0, {PEERS!r})\nimport _common as C\n"
            f"_wait = C.wait_for_quiet\nC.wait_for_quiet = lambda **kw: _wait(**{{**kw, 'max_wait': {max_wait}}})\n")


def run_json(cmd, env=None):
    """Runs cmd, returns the JSON objects of the stdout lines that start with '{' (or 'JSON{')."""
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    out = []
    for line in p.stdout.splitlines():
        line = line[4:] if line.startswith("JSON{") else line
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def fmt(x, digits=0):
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def flops(idim, layers, hidden, frames):
    """Multiply-adds ×2 of the forward gemms of a BLSTM + output layer for `frames` frames."""
    macs = 0
    for k in range(layers):
        inputs = idim if k == 0 else 2 * hidden
        macs += 2 * frames * 4 * hidden * (inputs + hidden)
    return 2 * (macs + frames * 2 * hidden * K)


def blas_env(variant):
    env = dict(os.environ)
    if variant == "unset":
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    elif variant == "haswell":
        env["OPENBLAS_CORETYPE"] = "Haswell"
    return env


def shape_steps(args, idim, layers, hidden):
    """Training steps timed for a shape, by both seqlab and PyTorch: --steps for the largest shape,
    and for a smaller one as many more as make about as much work (at most ten times as many), so
    that a brief disturbance of the machine cannot fill a whole measurement of a 10 ms step. The
    inference passes follow (batch 16: as many, at least 10; batch 1: twice as many, at least 20)."""
    largest = max(flops(i, l, h, B * T) for i, l, h in SHAPES)
    return min(10 * args.steps, max(args.steps, round(args.steps * largest / flops(idim, layers, hidden, B * T))))


def train(args):
    variants = ["unset", "haswell"] if args.coretype == "both" else [args.coretype]
    with_peer = not args.no_peer and peer_works("torch", "bench_blstm")
    counts = ", ".join(f"{shape_steps(args, i, l, h)} for in {i}, {l}x{h}" for i, l, h in SHAPES)
    print(f"bench train: BLSTM + softmax, CTC (labels of {S}), Adam lr 1e-3, batch {B} x {T} frames, {K} classes, "
          f"{args.threads} thread(s), median of the steps after 3 ({counts}); peepholes off in seqlab (nn.LSTM has none); "
          f"{args.rounds} round(s), each figure the median over them")
    print(f"load average (1/5/15 min) at start: {load()}")
    rows, rounds = [], []
    for idim, layers, hidden in SHAPES:
        shape = f"in {idim}, {layers}x{hidden}"
        steps = shape_steps(args, idim, layers, hidden)
        ours_runs = {v: [] for v in variants}
        mixed_runs = {v: [] for v in variants}   # seqlab train --precision bf16
        peer_runs = []
        peak_runs = []   # the machine's matrix-product rate, once a round (bench-networks peak)
        for round_ in range(args.rounds):
            # OpenBLAS's sgemm on 2048 × 2048 matrices with the kernels it picks for this CPU (its
            # AVX-512 ones where the CPU has them), on the threads the networks use: what the machine's
            # cores do in large products in this round, the yardstick of the GFLOP/s below.
            p = run_json([os.path.join(args.bin, "bench-networks"), "peak", "--threads", str(args.threads), "--json"],
                         blas_env("unset"))[0]
            peak_runs.append(p)
            print(f"  round {round_ + 1}, OpenBLAS sgemm 2048, {int(p['threads'])} thread(s) ({p['blas_core']}): "
                  f"{p['sgemm_gflops']:,.1f} GFLOP/s", flush=True)
            for v in variants:
                cmd = [os.path.join(args.bin, "bench-networks"), "--input", str(idim), "--layers", str(layers),
                       "--hidden", str(hidden), "--classes", str(K), "--batch", str(B), "--frames", str(T),
                       "--label-length", str(S), "--steps", str(steps), "--threads", str(args.threads), "--json"]
                o = run_json(cmd, blas_env(v))[0]
                ours_runs[v].append(o)
                split = o.get("infer1_split_share")
                print(f"  seqlab {shape}, OPENBLAS_CORETYPE {v} ({o['blas_core']}): "
                      f"{o['train_frames_per_s']:,.0f} train frames/s, loss {o['first_loss']:.1f} -> {o['last_loss']:.1f}; "
                      f"batch 1 {o['infer1_frames_per_s']:,.0f} frames/s"
                      + (f" (recurrences split between two threads in {100 * split:.0f}% of the layer passes)" if split is not None else ""),
                      flush=True)
                m = run_json(cmd + ["--precision", "bf16"], blas_env(v))[0]
                mixed_runs[v].append(m)
                print(f"  seqlab {shape}, OPENBLAS_CORETYPE {v}, mixed precision: "
                      f"{m['train_frames_per_s']:,.0f} train frames/s, loss {m['first_loss']:.1f} -> {m['last_loss']:.1f}",
                      flush=True)
            if with_peer:
                code = peer_prelude(args.max_wait) + (
                    "import torch, bench_blstm as P\n"
                    f"torch.set_num_threads({args.threads})\n"
                    f"r = P.run_config({idim}, {layers}, {hidden}, {K}, {T}, {B}, {S}, 3, {steps})\n"
                    "import importlib.util\n"
                    f"spec = importlib.util.spec_from_file_location('autocast', {AUTOCAST!r})\n"
                    "A = importlib.util.module_from_spec(spec); spec.loader.exec_module(A)\n"
                    # Autocast may be missing where oneDNN has no bfloat16 LSTM (CPUs without AVX-512,
                    # or ONEDNN_MAX_CPU_ISA below it): reported, and the float figures kept.
                    "try:\n"
                    f"    ac = A.run({idim}, {layers}, {hidden}, True, {steps})\n"
                    "    acd = dict(autocast_train_s=" + str(B * T) + " / ac[0], autocast_first_loss=ac[1], autocast_last_loss=ac[2])\n"
                    "except Exception as e:\n"
                    "    acd = dict(autocast_train_s=None, autocast_error=(str(e).splitlines() or [type(e).__name__])[0][:200])\n"
                    "print('JSON' + json.dumps(dict(train_s=C.median(r['train_s']), inf16_s=C.median(r['inf16_s']),"
                    " inf1_s=C.median(r['inf1_s']), other=r['train_s'].other, first_loss=r['first_loss'],"
                    " last_loss=r['last_loss'], torch=torch.__version__,"
                    " peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **acd)))\n")
                # PyTorch at its best, as the issue and ../shared/peers/RESULTS.md measure it: glibc's
                # malloc thresholds raised, so its per-step buffers are not page-faulted in afresh
                # (seqlab raises them itself for training and this benchmark).
                peer = run_json([PEER_PYTHON, "-c", code], dict(os.environ, **PEER_MALLOC))[0]
                peer_runs.append(peer)
                autocast = (f"autocast bf16 {B * T / peer['autocast_train_s']:,.0f} train frames/s, "
                            f"loss {peer['autocast_first_loss']:.1f} -> {peer['autocast_last_loss']:.1f}"
                            if peer["autocast_train_s"] else f"autocast bf16 not run: {peer['autocast_error']}")
                print(f"  PyTorch {peer['torch']} {shape}: {B * T / peer['train_s']:,.0f} train frames/s, "
                      f"loss {peer['first_loss']:.1f} -> {peer['last_loss']:.1f}, other processes {peer['other']:.2f} cores; "
                      + autocast, flush=True)
        # Each figure is the median over the rounds (seqlab and PyTorch ran in turn in each round).
        ours = {v: medians(runs) for v, runs in ours_runs.items()}
        mixed = {v: medians(runs) for v, runs in mixed_runs.items()}
        peer = medians(peer_runs) if peer_runs else None
        rows.append((shape, idim, layers, hidden, ours, peer, mixed))
        rounds.append((shape, idim, layers, hidden, ours_runs, peer_runs, peak_runs))
    print(f"load average at end: {load()}\n")
    if not with_peer:
        print(f"PyTorch peer: not run ({'--no-peer' if args.no_peer else cannot_import('torch', 'bench_blstm')}); "
              "install it with ../shared/peers/setup.sh, or set SEQLAB_PEERS_DIR to the peers' directory. "
              "seqlab's own figures follow.\n")
    table_head(["shape", "OpenBLAS kernels", "seqlab train frames/s", "PyTorch train frames/s", "seqlab/PyTorch",
                "seqlab infer b1", "PyTorch infer b1", "b1 ratio", "seqlab infer b16", "PyTorch infer b16", "b16 ratio",
                "seqlab train GFLOP/s", "PyTorch train GFLOP/s", "seqlab peak RSS MB", "PyTorch peak RSS MB"])
    for shape, idim, layers, hidden, ours, peer, mixed in rows:
        train_flops = 3 * flops(idim, layers, hidden, B * T)
        pt = {}
        if peer:
            pt = dict(train=B * T / peer["train_s"], b1=T / peer["inf1_s"], b16=B * T / peer["inf16_s"],
                      gflops=train_flops / peer["train_s"] / 1e9, rss=peer["peak_rss_mb"])
        for v, o in ours.items():
            label = kernels_label(v, o)
            print(f"| {shape} | {label} | {fmt(o['train_frames_per_s'])} | {fmt(pt.get('train'))} | "
                  f"{ratio(o['train_frames_per_s'], pt.get('train'))} | {fmt(o['infer1_frames_per_s'])} | {fmt(pt.get('b1'))} | "
                  f"{ratio(o['infer1_frames_per_s'], pt.get('b1'))} | {fmt(o['infer_batch_frames_per_s'])} | {fmt(pt.get('b16'))} | "
                  f"{ratio(o['infer_batch_frames_per_s'], pt.get('b16'))} | {fmt(o['train_gflops'], 1)} | "
                  f"{fmt(pt.get('gflops'), 1)} | {fmt(o['peak_rss_mb'], 1)} | {fmt(pt.get('rss'), 1)} |")
    print("\nTraining GFLOP/s as a share of the machine's matrix-product rate, measured in the same rounds (OpenBLAS's "
          "sgemm on 2048 × 2048 matrices with its kernels for this CPU, on as many threads; median over the rounds, each "
          "share the median of the rounds' shares), and the ratio to PyTorch round by round:\n")
    table_head(["shape", "OpenBLAS kernels", "sgemm GFLOP/s (rounds)", "seqlab train GFLOP/s", "share of sgemm",
                "PyTorch train GFLOP/s", "PyTorch share of sgemm", "seqlab/PyTorch by round"])
    for shape, idim, layers, hidden, ours_runs, peer_runs, peak_runs in rounds:
        train_flops = 3 * flops(idim, layers, hidden, B * T)
        peaks = [p["sgemm_gflops"] for p in peak_runs]
        pt_gflops = [train_flops / r["train_s"] / 1e9 for r in peer_runs]
        # The median over the rounds of each round's GFLOP/s over that round's sgemm rate.
        share = lambda rates: f"{100 * statistics.median(g / p for g, p in zip(rates, peaks)):.0f}%" if rates else "-"
        for v, runs in ours_runs.items():
            gflops = [r["train_gflops"] for r in runs]
            by_round = (", ".join(f"{g / q:.2f}" for g, q in zip(gflops, pt_gflops)) if pt_gflops else "-")
            print(f"| {shape} | {kernels_label(v, runs[0])} | {statistics.median(peaks):,.1f} ({min(peaks):,.1f}–{max(peaks):,.1f}) | "
                  f"{statistics.median(gflops):,.1f} | {share(gflops)} | "
                  f"{fmt(statistics.median(pt_gflops), 1) if pt_gflops else '-'} | {share(pt_gflops)} | {by_round} |")
    print("\nseqlab's inference with the LSTM products in bfloat16 (`--precision bf16`: weights and layer inputs "
          "rounded to bfloat16, sums in float), against the same PyTorch float figures:\n")
    table_head(["shape", "OpenBLAS kernels", "bf16 kernel", "seqlab bf16 infer b1", "b1 ratio", "seqlab bf16 infer b16",
                "b16 ratio", "largest log-probability change"])
    for shape, idim, layers, hidden, ours, peer, mixed in rows:
        pt = dict(b1=T / peer["inf1_s"], b16=B * T / peer["inf16_s"]) if peer else {}
        for v, o in ours.items():
            label = kernels_label(v, o)
            print(f"| {shape} | {label} | {bf16_kernel(o)} | {fmt(o['infer1_bf16_frames_per_s'])} | {ratio(o['infer1_bf16_frames_per_s'], pt.get('b1'))} | "
                  f"{fmt(o['infer_batch_bf16_frames_per_s'])} | {ratio(o['infer_batch_bf16_frames_per_s'], pt.get('b16'))} | "
                  f"{o['bf16_max_log_prob_deviation']:.2g} |")
    print("\nseqlab's mixed-precision training (`train --precision bf16`: the LSTM layers' products, forward and "
          "backward, with both operands rounded to bfloat16 and sums in float; weights, gradients and Adam in float), "
          "against PyTorch's float32 training and its own mixed precision (the forward under "
          "torch.autocast('cpu', dtype=torch.bfloat16), scripts/reference/torch-autocast-training.py):\n")
    table_head(["shape", "OpenBLAS kernels", "bf16 kernel", "seqlab bf16 train frames/s", "seqlab fp32 train frames/s",
                "PyTorch fp32 train frames/s", "PyTorch autocast bf16 train frames/s", "bf16/PyTorch fp32",
                "bf16/PyTorch autocast", "bf16/fp32 (seqlab)", "seqlab bf16 train GFLOP/s",
                "seqlab loss first -> last, fp32 / bf16"])
    for shape, idim, layers, hidden, ours, peer, mixed in rows:
        pt_train = B * T / peer["train_s"] if peer else None
        pt_autocast = B * T / peer["autocast_train_s"] if peer and peer["autocast_train_s"] else None
        for v, m in mixed.items():
            o = ours[v]
            print(f"| {shape} | {kernels_label(v, m)} | {bf16_kernel(m)} | {fmt(m['train_frames_per_s'])} | {fmt(o['train_frames_per_s'])} | "
                  f"{fmt(pt_train)} | {fmt(pt_autocast)} | {ratio(m['train_frames_per_s'], pt_train)} | "
                  f"{ratio(m['train_frames_per_s'], pt_autocast)} | {ratio(m['train_frames_per_s'], o['train_frames_per_s'])} | "
                  f"{fmt(m['train_gflops'], 1)} | {o['first_loss']:.1f} -> {o['last_loss']:.2f} / {m['first_loss']:.1f} -> {m['last_loss']:.2f} |")
    print("\nframes/s: higher is better; ratio > 1 means seqlab is faster. GFLOP/s counts the gemm FLOPs of both "
          "(forward, and twice that in backward). PyTorch runs MKL/oneDNN, which OPENBLAS_CORETYPE does not "
          "affect, so it runs once per shape, with glibc's malloc thresholds raised (its best setting, "
          "+26-67% on the larger shapes); its peak RSS includes the ~600 MB of importing torch.")


def decode(args):
    print(f"bench decode: 100 utterances, T {T}, K {K}, peaky and flat emissions, one thread")
    print(f"load average (1/5/15 min) at start: {load()}")
    ours = run_json([os.path.join(args.bin, "bench-decode"), "--reps", str(args.reps), "--json"])
    peer, notes = {}, []
    if args.no_peer:
        notes.append("peers: not run (--no-peer)")
    elif not peer_works("torch", "pyctcdecode", "bench_decode"):
        notes.append(f"pyctcdecode peer: not run ({cannot_import('torch', 'pyctcdecode', 'bench_decode')}); "
                     "../shared/peers/setup.sh installs it; or set PEER_PYTHON to a venv's python that has it, and "
                     "SEQLAB_PEERS_DIR to the peers' directory; seqlab's own figures only")
    else:
        with tempfile.TemporaryDirectory() as results:
            code = peer_prelude(args.max_wait) + (
                f"import runpy\nsys.argv = ['bench_decode.py', '--reps', '{args.reps}', '--max-seconds', '{args.max_seconds}']\n"
                f"runpy.run_path({os.path.join(PEERS, 'bench_decode.py')!r}, run_name='__main__')\n")
            env = dict(os.environ, PEERS_RESULTS_DIR=results, PEERS_TAG="")
            p = subprocess.run([PEER_PYTHON, "-c", code], env=env, capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError("bench_decode.py failed:\n" + p.stderr[-3000:])
            for line in p.stdout.splitlines():
                if line.startswith("NOTE:"):
                    notes.append(line)
            with open(os.path.join(results, "decode.json")) as f:
                raw = json.load(f)["raw"]
            for key, v in raw.items():
                kind, name, width = key.split("|")
                ts = sorted(v["times"])
                peer[(kind, name, width)] = (ts[len(ts) // 2] if len(ts) % 2 else (ts[len(ts) // 2 - 1] + ts[len(ts) // 2]) / 2,
                                             len(ts))
    print(f"load average at end: {load()}\n")
    print("| emissions | beam | seqlab (pruned) utt/s | seqlab (no pruning) utt/s | pyctcdecode utt/s | seqlab/pyctcdecode "
          "| torchaudio utt/s | seqlab/torchaudio | seqlab greedy utt/s | numpy greedy utt/s |")
    print("|" + "---|" * 10)
    find = {(o["emissions"], o["decoder"], o["beam"], o["pruning"]): o for o in ours}
    for kind in ("peaky", "flat"):
        greedy = find[(kind, "best path", "-", "-")]["utt_per_s"]
        ng = peer.get((kind, "greedy numpy", "-"))
        for width in ("16", "64"):
            pruned = find[(kind, "prefix beam search", width, "token −5, beam 10")]["utt_per_s"]
            exact = find[(kind, "prefix beam search", width, "none")]["utt_per_s"]
            pc = peer.get((kind, "pyctcdecode (no LM)", width))
            ta = peer.get((kind, "torchaudio ctc_decoder", width))
            pcs, tas = (100 / pc[0] if pc else None), (100 / ta[0] if ta else None)
            print(f"| {kind} | {width} | {fmt(pruned, 1)} | {fmt(exact, 1)} | {fmt(pcs, 1)}{f' ({pc[1]} reps)' if pc else ''} | "
                  f"{ratio(pruned, pcs)} | {fmt(tas, 1)} | {ratio(pruned, tas)} | {fmt(greedy)} | {fmt(100 / ng[0] if ng else None)} |")
    print("\nseqlab pruned = pyctcdecode's default pruning (token_min_logp -5, beam_prune_logp -10); the ratios use it. "
          "torchaudio = flashlight-text ctc_decoder, lexicon-free, no LM, log_add False.")
    for n in notes:
        print(n)
    if peer and not args.no_compare:
        with tempfile.TemporaryDirectory() as dump:
            subprocess.run([os.path.join(args.bin, "bench-decode"), "--reps", "1", "--dump", dump], check=True,
                           capture_output=True)
            print("\nTop hypotheses, seqlab (pruned) against pyctcdecode (scripts/reference/compare-pyctcdecode.py):\n")
            sys.stdout.flush()
            subprocess.run([PEER_PYTHON, os.path.join(ROOT, "scripts", "reference", "compare-pyctcdecode.py"), dump],
                           check=True)


def ctc(args):
    print(f"bench ctc: CTC loss + gradient, batch {B} x {T} frames, {K} classes, labels of {S}")
    print(f"load average (1/5/15 min) at start: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        data = None
        if peer_works("numpy", "bench_ctc"):
            # The peer's own inputs (bench_ctc.make_data_np), so the summed losses must agree.
            data = os.path.join(tmp, "ctc.bin")
            code = (f"import sys\nsys.path.insert(0, {PEERS!r})\nimport numpy as np, bench_ctc as P\n"
                    f"lp, lab = P.make_data_np()\nwith open({data!r}, 'wb') as f:\n"
                    "    f.write(lp.astype('<f4').tobytes()); f.write(lab.astype('<i4').tobytes())\n")
            subprocess.run([PEER_PYTHON, "-c", code], check=True)
        ours = []
        for threads in (2, 1):
            cmd = [os.path.join(args.bin, "bench-networks"), "ctc", "--iters", str(args.iters), "--threads", str(threads),
                   "--json"] + (["--data", data] if data else [])
            ours.append(run_json(cmd)[0])
        peer = []
        if not args.no_peer and peer_works("torch", "bench_ctc"):
            code = peer_prelude(args.max_wait) + (
                "import bench_ctc as P\n"
                f"for th in (2, 1):\n    r = P.bench_torch(th, {args.iters})\n"
                "    print('JSON' + json.dumps(dict(impl=r['impl'], threads=th, fwdbwd_s=C.median(r['fwdbwd']),"
                " sum_loss=r['sum_loss'], other=r['fwdbwd_other'])))\n")
            peer = run_json([PEER_PYTHON, "-c", code])
    print(f"load average at end: {load()}\n")
    if not peer:
        print(f"PyTorch peer: not run (--no-peer, or {cannot_import('torch', 'bench_ctc')}); "
              "seqlab's own figures follow.\n")
    print("| threads | seqlab ms | seqlab frames/s | PyTorch F.ctc_loss ms | PyTorch frames/s | seqlab/PyTorch | "
          "seqlab sum of losses | PyTorch sum of losses |")
    print("|---|---|---|---|---|---|---|---|")
    for o in ours:
        p = next((r for r in peer if r["threads"] == int(o["threads"])), None)
        peer_ms = f"{p['fwdbwd_s'] * 1e3:.3f}" if p else "-"
        peer_fps = B * T / p["fwdbwd_s"] if p else None
        peer_sum = f"{p['sum_loss']:.3f}" if p else "-"
        print(f"| {int(o['threads'])} | {o['fwdbwd_s'] * 1e3:.3f} | {fmt(o['frames_per_s'])} | {peer_ms} | {fmt(peer_fps)} | "
              f"{ratio(o['frames_per_s'], peer_fps)} | {o['sum_loss']:.3f} | {peer_sum} |")
    print("\nms per call (median): loss and gradient for the whole batch (seqlab's ctcLossBatch works in "
          "float64 internally; PyTorch's F.ctc_loss forward + backward, reduction mean)."
          + ("" if data else " Inputs differ (seeded in each), so the sums of losses need not agree."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("section", choices=["train", "decode", "ctc"])
    ap.add_argument("--bin", required=True, help="folder of the release bench-networks and bench-decode")
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--steps", type=int, default=10, help="train: steps timed for the largest shape (more for smaller ones)")
    ap.add_argument("--rounds", type=int, default=1, help="train: run seqlab and PyTorch in turn this often; report medians")
    ap.add_argument("--coretype", choices=["both", "unset", "haswell", "env"], default="both")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=30.0, help="bench_decode.py: stop repeating a decoder past this")
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--max-wait", type=float, default=5.0, help="cap on the peers' waits for a quiet machine (s)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--no-compare", action="store_true", help="decode: skip the top-hypothesis comparison")
    args = ap.parse_args()
    # Flags that belong to one section are refused elsewhere, so none is parsed and ignored.
    own = {"train": {"--threads", "--steps", "--coretype", "--rounds"}, "decode": {"--reps", "--max-seconds", "--no-compare"},
           "ctc": {"--iters"}}
    given = {a.split("=")[0] for a in sys.argv[1:] if a.startswith("--")}
    for flag in sorted(given & set().union(*own.values()) - own[args.section]):
        ap.error(f"{flag} does not apply to the {args.section} section")
    {"train": train, "decode": decode, "ctc": ctc}[args.section](args)


if __name__ == "__main__":
    main()
