"""Real hotline messages: k-fold macro-F1 of the pipeline and parse latency of its model.

    uv run python bench/nlu_hotline.py ../shared/data/hotline_train.yml
    uv run python bench/nlu_hotline.py ../shared/data/hotline_train.yml --model-kind nb-words+chars
    uv run python bench/nlu_hotline.py DATA --folds 5 --seeds 42 1 --skip-latency

DATA is any Rasa NLU file; the one this was written for is the training part of a public
split of 群众留言 (2,200 messages, 7 domain labels, cut at 150 characters), kept in
``../shared/data/`` and never in this repository. Each fold trains exactly like
``minsheng nlu train`` (model selection included, unless ``--model-kind`` pins one) on
that fold's training part only and is scored on the raw best intent, as the published
figures for this split are (Rasa DIET 0.864, TF-IDF+SVM 0.859 on its test part).

Then one model is trained on all of DATA (the candidates' inner scores and the choice are
printed) and every message is parsed one at a time, single thread, after a warm-up:
p50 and p95 of ``NLUModel.parse``, for these long messages and for short chat lines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu.classifier import ClassifierConfig  # noqa: E402
from nlu.defaults import AUTO_MODEL_KIND, MODEL_KINDS  # noqa: E402
from nlu.evaluate import cross_validate  # noqa: E402
from nlu.model import NLUModel  # noqa: E402
from nlu.rasa_io import load_data  # noqa: E402
from nlu.training import lexicon_for, prepare, train_model  # noqa: E402

SHORT = ["电梯坏了", "好的", "楼道灯不亮了，晚上很黑", "我的工单怎么样了", "jkjkjkjk", "谢谢"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def latency(model: NLUModel, texts: list[str], rounds: int = 1) -> tuple[float, float]:
    """(p50, p95) of one parse, in milliseconds."""
    for text in texts[:50]:
        model.parse(text)  # warm-up
    times: list[float] = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            model.parse(text)
            times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), percentile(times, 95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="Rasa NLU file (e.g. ../shared/data/hotline_train.yml)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument(
        "--model-kind", default=AUTO_MODEL_KIND, choices=(AUTO_MODEL_KIND, *MODEL_KINDS)
    )
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    auto = args.model_kind == AUTO_MODEL_KIND
    config = None if auto else ClassifierConfig.pinned(args.model_kind)

    data = load_data(Path(args.data))
    lengths = [len(e.text) for e in data.examples]
    print(
        f"{Path(args.data).name}: {len(lengths)} messages, {len(data.intents)} labels, "
        f"length median {statistics.median(lengths):.0f}; model kind {args.model_kind}",
        flush=True,
    )
    words, places = lexicon_for(data, None)
    prepared = prepare(data, words, places)
    f1s = []
    for seed in args.seeds:
        started = time.perf_counter()
        ev = cross_validate(
            data,
            folds=args.folds,
            config=config,
            words=words,
            places=places,
            prepared=prepared,
            seed=seed,
        )
        f1s.append(ev.macro_f1)
        print(
            f"{args.folds}-fold CV, seed {seed}: macro-F1 {ev.macro_f1:.4f}  "
            f"accuracy {ev.accuracy:.4f}  ({time.perf_counter() - started:.0f}s)",
            flush=True,
        )
    if len(f1s) > 1:
        print(f"mean macro-F1 {statistics.mean(f1s):.4f} over {len(f1s)} splits")
    if args.skip_latency:
        return
    started = time.perf_counter()
    model = train_model(data, config=config)
    selection = model.metadata["feature_selection"]
    print(f"full model: {time.perf_counter() - started:.0f}s to train; selection {selection}")
    long_p50, long_p95 = latency(model, [e.text for e in data.examples])
    short_p50, short_p95 = latency(model, SHORT, rounds=200)
    print(f"parse p50 {long_p50:.2f} ms, p95 {long_p95:.2f} ms (these messages)")
    print(f"parse p50 {short_p50:.2f} ms, p95 {short_p95:.2f} ms (short chat lines)")


if __name__ == "__main__":
    main()
