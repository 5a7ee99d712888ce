"""Training time on a hotline-sized set: ~2,700 long complaints, as `minsheng nlu train` runs.

    uv run python bench/nlu_train_time.py                 # 2,700 messages, CV folds 5 and 0
    uv run python bench/nlu_train_time.py --size 5000 --folds 0

The public hotline set the project is judged on has ~2,700 messages of 100-400+
characters and 7 labels; we do not have it, so this makes a set of that size and shape
from tests/nlu/data/hotline_complaints.yml: each synthetic message joins one to three
complaints of the same label, clauses shuffled, and one in ten gets a random label (real
sets are not separable, and a separable one makes the SVMs converge unrealistically fast).
The *quality* figures of such a set mean nothing (it is built from few sources); only the
time and memory are measured here.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu.classifier import CANDIDATES, ClassifierConfig  # noqa: E402
from nlu.data import Example, TrainingData  # noqa: E402
from nlu.rasa_io import load_data  # noqa: E402
from nlu.training import train_model  # noqa: E402

SOURCE = ROOT / "tests" / "nlu" / "data" / "hotline_complaints.yml"
_CLAUSE = re.compile(r"[^，。！？；]+[，。！？；]?")


def enlarge(data: TrainingData, size: int, seed: int = 7, noise: float = 0.1) -> TrainingData:
    """``size`` synthetic messages with the source's label proportions and longer texts."""
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = {}
    for example in data.examples:
        by_label.setdefault(example.intent, []).append(example.text)
    labels = [e.intent for e in data.examples]
    examples = []
    for _ in range(size):
        label = rng.choice(labels)
        parts = rng.sample(by_label[label], rng.randint(1, 3))
        clauses = [c for text in parts for c in _CLAUSE.findall(text)]
        rng.shuffle(clauses)
        if rng.random() < noise:
            label = rng.choice(labels)
        examples.append(Example("".join(clauses)[: rng.randint(100, 900)], label))
    return TrainingData(examples=examples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2700)
    parser.add_argument("--folds", type=int, nargs="+", default=[5, 0])
    args = parser.parse_args()

    data = enlarge(load_data(SOURCE), args.size)
    lengths = [len(e.text) for e in data.examples]
    print(
        f"synthetic set: {len(lengths)} messages, {len(data.intents)} labels, length median "
        f"{statistics.median(lengths):.0f}, max {max(lengths)} characters"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    for folds in args.folds:
        started = time.perf_counter()
        model = train_model(data, cv_folds=folds)
        elapsed = time.perf_counter() - started
        selection = model.metadata["feature_selection"]
        cv = model.metadata["metrics"].get("cross_validation")
        print(
            f"train --folds {folds}: {elapsed:.1f} s  (chose {selection.get('features')}"
            + (f", CV macro-F1 {cv['macro_f1']:.3f} on synthetic data" if cv else "")
            + ")"
        )
    # The final fit of each candidate on its own (what selection adds to is the chosen one):
    # NB-SVM fits one binary SVM per label on rescaled features, so it costs the most.
    for name, candidate in CANDIDATES.items():
        config = ClassifierConfig(features=candidate.features, model=candidate.model)
        started = time.perf_counter()
        train_model(data, cv_folds=0, config=config)
        print(f"  final fit of {name} alone: {time.perf_counter() - started:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
