"""NLU quality: k-fold cross-validated accuracy and macro-F1, plus how the fallback behaves.

    uv run python bench/nlu_quality.py                      # training_data/, 5 folds
    uv run python bench/nlu_quality.py --data other.yml     # any Rasa NLU file or directory
    uv run python bench/nlu_quality.py --seeds 1 2 3        # repeat with other fold splits

Each fold trains exactly like ``minsheng nlu train`` (feature selection included) on
that fold's training part only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from nlu.evaluate import cross_validate  # noqa: E402
from nlu.rasa_io import load_data  # noqa: E402
from nlu.training import default_address_dir, lexicon_for, prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", help="Rasa file or directory (repeatable)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    args = parser.parse_args()

    settings = load_settings()
    paths = [Path(p) for p in args.data] if args.data else [Path(settings.training_data_dir)]
    data = load_data(paths)
    words, places = lexicon_for(data, default_address_dir(paths))
    prepared = prepare(data, words, places)
    low = settings.nlu_fallback_threshold
    print(f"data: {', '.join(map(str, paths))}")
    print(f"examples: {len(data.examples)}, intents: {len(data.intents)}, folds: {args.folds}")

    accuracies, macro, weighted = [], [], []
    for seed in args.seeds:
        started = time.perf_counter()
        ev = cross_validate(
            data, folds=args.folds, words=words, places=places, prepared=prepared, seed=seed
        )
        elapsed = time.perf_counter() - started
        accuracies.append(ev.accuracy)
        macro.append(ev.macro_f1)
        weighted.append(ev.weighted_f1)
        pairs = list(zip(ev.y_true, ev.y_pred, ev.confidences, strict=True))
        right = [c for t, p, c in pairs if t == p]
        wrong = [c for t, p, c in pairs if t != p]
        print(
            f"seed {seed}: accuracy {ev.accuracy:.4f}  macro-F1 {ev.macro_f1:.4f}  "
            f"weighted-F1 {ev.weighted_f1:.4f}  ({elapsed:.1f}s)"
        )
        print(
            f"  below the fallback threshold {low}: {sum(c < low for c in right) / len(right):.1%}"
            f" of right answers, {sum(c < low for c in wrong) / max(1, len(wrong)):.1%} of wrong"
        )
        report = ev.report()
        worst = sorted(
            (v["f1-score"], k)
            for k, v in report.items()
            if isinstance(v, dict) and "support" in v and k not in ("macro avg", "weighted avg")
        )[:5]
        print("  weakest intents: " + ", ".join(f"{k} {f:.2f}" for f, k in worst))
    if len(args.seeds) > 1:
        print(
            f"mean over {len(args.seeds)} splits: accuracy {statistics.mean(accuracies):.4f}  "
            f"macro-F1 {statistics.mean(macro):.4f}  weighted-F1 {statistics.mean(weighted):.4f}"
        )


if __name__ == "__main__":
    main()
