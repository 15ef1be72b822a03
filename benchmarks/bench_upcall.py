"""Upcall detection: the reference spectrogram CNN vs the band-energy baseline vs a 1-D CNN on framed audio.

Run by hand (never in tests)::

    python benchmarks/bench_upcall.py [--threads 2] [--budget 60] [--device cpu]

All three are trained on the course's training split (4000 clips) and scored on the same test
split (2000 clips, its own seed). The CNN and the 1-D model get the same wall-clock training
budget (``--budget`` seconds, default 60) on ``--threads`` CPU threads (default 2). Targets: the
CNN >= 95 % test accuracy, the band-energy baseline <= 75 %.

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from course.audio import features
from course.audio_models import (
    BandEnergyBaseline,
    FramedAudioCNN,
    UpcallCNN,
    evaluate,
    frames_for_1d,
    set_threads,
    train,
)
from course.data import load_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--budget", type=float, default=60.0, help="training seconds per model")
    parser.add_argument("--epochs", type=int, default=15, help="at most this many epochs")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    set_threads(args.threads)

    t = time.perf_counter()
    train_clips, test_clips = load_split("train"), load_split("test")
    t_data = time.perf_counter() - t
    t = time.perf_counter()
    x_train, x_test = features(train_clips.audio), features(test_clips.audio)
    t_feat = time.perf_counter() - t
    print(f"data: {len(train_clips)} train / {len(test_clips)} test clips in {t_data:.1f} s, spectrograms {t_feat:.1f} s")

    t = time.perf_counter()
    baseline = BandEnergyBaseline().fit(train_clips.audio, train_clips.labels)
    base_acc = baseline.score(test_clips.audio, test_clips.labels)
    t_base = time.perf_counter() - t
    print(f"band-energy baseline: test accuracy {base_acc:.3f} ({t_base:.2f} s)")

    torch.manual_seed(0)
    cnn = UpcallCNN()
    hist = train(cnn, x_train, train_clips.labels, epochs=args.epochs, time_budget=args.budget, device=args.device)
    cnn_acc = evaluate(cnn, x_test, test_clips.labels, device=args.device)
    print(f"spectrogram CNN: test accuracy {cnn_acc:.3f} after {len(hist['loss'])} epochs, {hist['time'][-1]:.1f} s")

    f_train, f_test = frames_for_1d(train_clips.audio), frames_for_1d(test_clips.audio)
    torch.manual_seed(0)
    cnn1d = FramedAudioCNN()
    hist1d = train(cnn1d, f_train, train_clips.labels, epochs=4 * args.epochs, time_budget=args.budget, device=args.device)
    acc1d = evaluate(cnn1d, f_test, test_clips.labels, device=args.device)
    print(f"1-D CNN on framed audio: test accuracy {acc1d:.3f} after {len(hist1d['loss'])} epochs, {hist1d['time'][-1]:.1f} s")

    per_kind = {}
    pred = np.asarray(cnn(torch.as_tensor(x_test).to(next(cnn.parameters()).device)).argmax(1).cpu())
    for kind in np.unique(test_clips.kinds):
        sel = test_clips.kinds == kind
        per_kind[str(kind)] = round(float(np.mean(pred[sel] == test_clips.labels[sel])), 4)
    print("CNN accuracy per kind of clip:", per_kind)
    result = {
        "bench": "upcall",
        "threads": args.threads,
        "device": str(args.device),
        "train_clips": len(train_clips),
        "test_clips": len(test_clips),
        "cnn_test_accuracy": round(cnn_acc, 4),
        "cnn_train_seconds": round(hist["time"][-1], 2),
        "cnn_epochs": len(hist["loss"]),
        "cnn_parameters": sum(p.numel() for p in cnn.parameters()),
        "baseline_test_accuracy": round(base_acc, 4),
        "baseline_seconds": round(t_base, 3),
        "conv1d_test_accuracy": round(acc1d, 4),
        "conv1d_train_seconds": round(hist1d["time"][-1], 2),
        "conv1d_epochs": len(hist1d["loss"]),
        "conv1d_parameters": sum(p.numel() for p in cnn1d.parameters()),
        "cnn_vs_baseline_accuracy_gain": round(cnn_acc - base_acc, 4),
        "cnn_per_kind": per_kind,
        "targets_met": bool(cnn_acc >= 0.95 and base_acc <= 0.75 and hist["time"][-1] <= args.budget + 5),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
