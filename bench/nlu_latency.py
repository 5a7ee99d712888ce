"""NLU parse latency (median, p99) for messages up to 200 characters, and process RSS.

    uv run python bench/nlu_latency.py                 # trains a model from training_data/
    uv run python bench/nlu_latency.py --model M       # or loads one

Messages are the training examples plus longer ones made by joining several (cut at
200 characters), parsed one at a time in a single thread, after a warm-up.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model artifact (default: train one into a temp dir)")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--max-chars", type=int, default=200)
    args = parser.parse_args()

    baseline = rss_mib()
    from bot.config import load_settings
    from nlu import load_data, load_model

    settings = load_settings()
    data = load_data(settings.training_data_dir)
    if args.model:
        model_path = Path(args.model)
    else:
        # Train in a child process so the RSS below is that of a process that only loaded
        # a model, as the gateway does.
        model_path = Path(tempfile.mkdtemp()) / "nlu.tar.gz"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "nlu.cli",
                "nlu",
                "train",
                "--folds",
                "0",
                "--out",
                str(model_path),
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    gc.collect()
    before_load = rss_mib()
    model = load_model(model_path)
    loaded = rss_mib()

    rng = random.Random(7)
    texts = [e.text for e in data.examples]
    messages: list[str] = []
    while len(messages) < args.messages:
        if rng.random() < 0.5:
            messages.append(rng.choice(texts)[: args.max_chars])
        else:
            joined = "，".join(rng.sample(texts, 12))
            messages.append(joined[: rng.randint(100, args.max_chars)])

    for text in messages[:200]:  # warm-up: caches, lazy imports, branch predictors
        model.parse(text)
    timings: dict[str, list[float]] = {"short (<50 chars)": [], "long (100-200 chars)": []}
    every: list[float] = []
    for text in messages:
        started = time.perf_counter()
        model.parse(text)
        ms = (time.perf_counter() - started) * 1000
        every.append(ms)
        timings["short (<50 chars)" if len(text) < 50 else "long (100-200 chars)"].append(ms)

    load1, load5, _ = os.getloadavg()
    print(f"model: {model.version} ({len(model.intents)} intents)")
    print(f"machine: {os.cpu_count()} CPUs, load average {load1:.2f} (1 min) {load5:.2f} (5 min)")
    print(f"parsed {len(every)} messages of up to {args.max_chars} characters, one at a time")
    print(
        f"all:   median {statistics.median(every):.3f} ms  p99 {percentile(every, 99):.3f} ms  "
        f"max {max(every):.3f} ms"
    )
    for name, values in timings.items():
        if values:
            print(
                f"{name}: n={len(values)} median {statistics.median(values):.3f} ms  "
                f"p99 {percentile(values, 99):.3f} ms"
            )
    print(
        f"RSS: {loaded:.0f} MiB with the model loaded (interpreter + libraries before "
        f"loading: {before_load:.0f} MiB; bare interpreter: {baseline:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
