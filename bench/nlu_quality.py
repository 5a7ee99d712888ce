"""NLU quality: k-fold cross-validated accuracy and macro-F1, plus how the fallback behaves.

    uv run python bench/nlu_quality.py                      # training_data/, 5 folds
    uv run python bench/nlu_quality.py --data other.yml     # any Rasa NLU file or directory
    uv run python bench/nlu_quality.py --seeds 1 2 3        # repeat with other fold splits
    uv run python bench/nlu_quality.py --typos              # + held-out sets, with typos

Each fold trains exactly like ``minsheng nlu train`` (feature selection included) on
that fold's training part only.

``--typos`` also trains one model on all the data and scores the held-out chat sets of
tests/nlu/data/ as written and with 10% / 20% of their Chinese characters swapped for a
homophone (another character of the training data with the same toneless pinyin), the
typos pinyin input and voice-to-text make. Three random swaps per rate, averaged.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from nlu.data import Example, TrainingData  # noqa: E402
from nlu.evaluate import cross_validate, evaluate_model  # noqa: E402
from nlu.pinyin import syllable  # noqa: E402
from nlu.rasa_io import load_data  # noqa: E402
from nlu.training import default_address_dir, lexicon_for, prepare, train_model  # noqa: E402

HELDOUT = [ROOT / "tests" / "nlu" / "data" / n for n in ("heldout_chat.yml", "heldout_voice.yml")]


def homophones(data: TrainingData) -> dict[str, list[str]]:
    """Toneless syllable -> the Chinese characters of ``data`` that sound like it."""
    pool: dict[str, set[str]] = {}
    for example in data.examples:
        for char in example.text:
            sound = syllable(char)
            if sound and "\u4e00" <= char <= "\u9fff":
                pool.setdefault(sound, set()).add(char)
    return {k: sorted(v) for k, v in pool.items() if len(v) > 1}


def with_typos(text: str, rate: float, pool: dict[str, list[str]], rng: random.Random) -> str:
    out = []
    for char in text:
        sound = syllable(char)
        if sound in pool and rng.random() < rate:
            out.append(rng.choice([c for c in pool[sound] if c != char] or [char]))
        else:
            out.append(char)
    return "".join(out)


def typo_report(data: TrainingData, paths: list[Path]) -> None:
    model = train_model(data)
    pool = homophones(data)
    print(f"held-out sets, model trained on all {len(data.examples)} examples:")
    for path in HELDOUT:
        heldout = load_data(path)
        clean = evaluate_model(model, heldout).accuracy
        line = f"  {path.name} ({len(heldout.examples)}): clean {clean:.4f}"
        for rate in (0.1, 0.2):
            scores = []
            for seed in (3, 4, 5):
                rng = random.Random(seed)
                typos = [
                    Example(with_typos(e.text, rate, pool, rng), e.intent) for e in heldout.examples
                ]
                scores.append(evaluate_model(model, TrainingData(examples=typos)).accuracy)
            line += f"  {rate:.0%} typos {statistics.mean(scores):.4f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", help="Rasa file or directory (repeatable)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--typos", action="store_true", help="also score the held-out sets")
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

    if args.typos:
        typo_report(data, paths)


if __name__ == "__main__":
    main()
