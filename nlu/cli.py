"""``minsheng nlu ...``: the trainers' tools (validate, train, test, parse, review).

The NLU is a library: this module reads no gateway settings. Paths and thresholds come
from the command line, falling back to the :class:`NluCliDefaults` the caller gives
:func:`register_cli` (the gateway's composition root builds them from its settings;
``python -m nlu.cli`` uses the built-in ones). Exporting the review queue needs the
gateway's database, so ``review`` works when the caller passes a :data:`ReviewExporter`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nlu import strings
from nlu.defaults import (
    AUTO_MODEL_KIND,
    DEFAULT_AMBIGUITY_THRESHOLD,
    DEFAULT_FALLBACK_THRESHOLD,
    DEFAULT_MIN_EXAMPLES,
    DEFAULT_MODEL_NAME,
    MODEL_KINDS,
)
from nlu.errors import NLUError

DEFAULT_RESULTS = Path("results")
DEFAULT_TRAIN_FOLDS = 5


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """What ``nlu review`` was asked to export."""

    out: Path
    include_exported: bool = False
    limit: int | None = None
    mark: bool = True
    database_url: str | None = None


# Exports the review queue as asked; returns how many messages were written.
ReviewExporter = Callable[[ReviewRequest], int]


@dataclass(frozen=True, slots=True)
class NluCliDefaults:
    """Paths and thresholds the commands use when the command line does not name them."""

    training_data_dir: Path = Path("training_data")
    model_path: Path = Path("var/models") / DEFAULT_MODEL_NAME
    fallback_threshold: float = DEFAULT_FALLBACK_THRESHOLD
    ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD
    export_review: ReviewExporter | None = None
    # Told the digest and path of each artifact `train` writes, so a gateway will load it.
    record_trusted: Callable[[str, Path], None] | None = None


# Called when a command runs (not when the parser is built), so a broken configuration
# only fails the commands that need it.
DefaultsProvider = Callable[[], NluCliDefaults]


def _defaults(args: argparse.Namespace) -> NluCliDefaults:
    provider: DefaultsProvider = args.nlu_defaults
    return provider()


def _data_paths(args: argparse.Namespace) -> list[Path]:
    if args.data:
        return [Path(p) for p in args.data]
    return [Path(_defaults(args).training_data_dir)]


def _model_path(args: argparse.Namespace) -> Path:
    return Path(args.model) if args.model else Path(_defaults(args).model_path)


@contextmanager
def _progress(desc: str) -> Iterator[tuple[Callable[[str], None], Callable[[int], None]]]:
    """(step, planned) callbacks drawing a progress bar whose total grows as steps are
    announced; log lines and warnings are printed above the bar, never into it."""
    import logging

    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    bar = tqdm(total=0, desc=desc, unit="步", file=sys.stderr, dynamic_ncols=True)

    def step(name: str) -> None:
        bar.set_postfix_str(name, refresh=False)
        bar.update(1)

    def planned(count: int) -> None:
        bar.total = (bar.total or 0) + count
        bar.refresh()

    logging.captureWarnings(True)
    try:
        with logging_redirect_tqdm(), bar:
            yield step, planned
    finally:
        logging.captureWarnings(False)


def cmd_validate(args: argparse.Namespace) -> int:
    from nlu.validate import validate_paths

    report = validate_paths(_data_paths(args), min_examples=args.min_examples)
    for problem in report.problems:
        print(problem)
    examples, intents = len(report.data.examples), len(report.data.intents)
    if report.problems:
        print(
            strings.VALIDATE_SUMMARY.format(
                errors=len(report.errors),
                warnings=len(report.warnings),
                examples=examples,
                intents=intents,
            )
        )
    else:
        print(strings.VALIDATE_OK.format(examples=examples, intents=intents))
    return report.exit_code(fail_on_warnings=args.fail_on_warnings)


def _classifier_config(kind: str) -> Any:
    """The ClassifierConfig for ``--model-kind`` (None: select automatically)."""
    if kind == AUTO_MODEL_KIND:
        return None
    if kind not in MODEL_KINDS:
        raise NLUError(strings.UNKNOWN_MODEL_KIND.format(kind=kind, kinds="、".join(MODEL_KINDS)))
    from nlu.classifier import ClassifierConfig

    return ClassifierConfig.pinned(kind)


def _model_choice(selection: dict[str, Any], kind: str) -> str:
    """The line saying which model was trained, and why that one."""
    if selection.get("pinned"):
        return strings.TRAIN_PINNED.format(kind=selection.get("features", kind))
    scores: dict[str, float] = selection.get("macro_f1") or {}
    if not scores:
        return strings.TRAIN_ONLY.format(kind=selection.get("features", kind))
    listed = ",".join(strings.TRAIN_SCORE.format(kind=k, f1=v) for k, v in scores.items())
    return strings.TRAIN_CHOSEN.format(kind=selection["features"], scores=listed)


def cmd_train(args: argparse.Namespace) -> int:
    from nlu.artifact import save_model
    from nlu.training import train_model

    paths = _data_paths(args)
    out = Path(args.out) if args.out else Path(_defaults(args).model_path)
    folds = args.folds if args.folds >= 2 else 0
    config = _classifier_config(args.model_kind)
    with _progress(strings.TRAIN_PROGRESS) as (step, planned):
        model = train_model(
            paths, config=config, cv_folds=folds, progress=step, planned=planned
        )
    save_model(model, out)
    record = _defaults(args).record_trusted
    if record is not None and model.artifact_digest is not None:
        record(model.artifact_digest, out)
    meta = model.metadata
    print(
        strings.TRAIN_DONE.format(
            path=out,
            version=model.version,
            examples=meta["n_examples"],
            intents=len(meta["intents"]),
        )
    )
    print(_model_choice(meta.get("feature_selection") or {}, model.classifier.model_kind))
    cv = meta["metrics"].get("cross_validation")
    if cv:
        print(strings.TRAIN_CV.format(**cv))
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from nlu.evaluate import cross_validate, evaluate_model
    from nlu.pipeline import default_address_dir, lexicon_for
    from nlu.rasa_io import load_data

    paths = _data_paths(args)
    data = load_data(paths)
    thresholds = _thresholds(args)
    if args.cross_validation:
        words, places = lexicon_for(data, default_address_dir(paths))
        with _progress(strings.TEST_PROGRESS) as (step, planned):
            result = cross_validate(
                data,
                folds=args.folds,
                config=_classifier_config(args.model_kind),
                words=words,
                places=places,
                progress=step,
                planned=planned,
                thresholds=thresholds,
            )
    else:
        from nlu.artifact import load_model

        model = load_model(_model_path(args)).with_thresholds(*thresholds)
        unknown = sorted(set(data.intents) - set(model.intents))
        if unknown:
            print(strings.TEST_UNKNOWN_INTENTS.format(intents="、".join(unknown)))
        result = evaluate_model(model, data, gateway=True)
    out_dir = Path(args.out or DEFAULT_RESULTS)
    files = result.write(out_dir)
    print(
        strings.TEST_DONE.format(
            accuracy=result.accuracy,
            macro_f1=result.macro_f1,
            weighted_f1=result.weighted_f1,
            count=len(result.y_true),
            errors=len(result.errors()),
        )
    )
    print(
        strings.TEST_GATEWAY.format(
            fallback=thresholds[0],
            ambiguity=thresholds[1],
            count=result.fallback_count,
            rate=result.fallback_count / max(len(result.y_true), 1),
        )
    )
    print(strings.TEST_RAW.format(accuracy=result.raw_accuracy, macro_f1=result.raw_macro_f1))
    if not args.cross_validation and any(e.entities for e in data.examples):
        from nlu.evaluate import ENTITY_REPORT_FILE, evaluate_entities

        entity_report = evaluate_entities(model, data)
        files["entities"] = out_dir / ENTITY_REPORT_FILE
        files["entities"].write_text(
            json.dumps(entity_report, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if "macro avg" in entity_report:
            print(strings.TEST_ENTITIES.format(f1=entity_report["macro avg"]["f1-score"]))
    print(strings.TEST_FILES.format(paths="、".join(str(p) for p in files.values())))
    return 0


def _thresholds(args: argparse.Namespace) -> tuple[float, float]:
    """(fallback, ambiguity): the command line's, else the gateway's."""
    defaults = _defaults(args)
    fallback: float = (
        defaults.fallback_threshold if args.fallback_threshold is None else args.fallback_threshold
    )
    ambiguity: float = (
        defaults.ambiguity_threshold
        if args.ambiguity_threshold is None
        else args.ambiguity_threshold
    )
    return fallback, ambiguity


def cmd_parse(args: argparse.Namespace) -> int:
    from nlu.artifact import ensure_model, load_model

    defaults = _defaults(args)
    fallback, ambiguity = _thresholds(args)
    if args.model:
        model = load_model(args.model, fallback_threshold=fallback, ambiguity_threshold=ambiguity)
    else:
        model = ensure_model(
            defaults.training_data_dir,
            defaults.model_path,
            fallback_threshold=fallback,
            ambiguity_threshold=ambiguity,
        )
    print(json.dumps(model.parse(args.text).to_dict(), ensure_ascii=False, indent=2))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    exporter = _defaults(args).export_review
    if exporter is None:
        raise NLUError(strings.REVIEW_UNAVAILABLE)
    out = Path(args.out) if args.out else _default_review_path()
    request = ReviewRequest(
        out=out,
        include_exported=args.all,
        limit=args.limit,
        mark=not args.no_mark,
        database_url=args.database_url,
    )
    count = exporter(request)
    if count:
        print(strings.REVIEW_DONE.format(count=count, path=out))
    else:
        print(strings.REVIEW_NONE)
    return 0


def _default_review_path() -> Path:
    return DEFAULT_RESULTS / f"review-{datetime.now(UTC):%Y%m%d-%H%M%S}.yml"


# --------------------------------------------------------------------------- wiring


def register_cli(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    defaults: DefaultsProvider = NluCliDefaults,
) -> None:
    """Add the ``nlu`` command group to a program's sub-commands.

    ``defaults`` is called when a command runs and gives the paths and thresholds the
    command line leaves out (and the review exporter).
    """
    group = subparsers.add_parser(
        "nlu", help=strings.CLI_GROUP_HELP, description=strings.CLI_GROUP_HELP
    )
    group.set_defaults(nlu_defaults=defaults)
    sub = group.add_subparsers(dest="nlu_command", required=True, metavar="ACTION")

    validate = sub.add_parser(
        "validate", help=strings.CLI_VALIDATE_HELP, description=strings.CLI_VALIDATE_HELP
    )
    validate.add_argument("--data", action="append", metavar="PATH", help=strings.ARG_DATA)
    validate.add_argument(
        "--min-examples",
        type=int,
        default=DEFAULT_MIN_EXAMPLES,
        help=strings.ARG_MIN_EXAMPLES.format(default=DEFAULT_MIN_EXAMPLES),
    )
    validate.add_argument(
        "--fail-on-warnings", action="store_true", help=strings.ARG_FAIL_ON_WARNINGS
    )
    validate.set_defaults(handler=cmd_validate)

    train = sub.add_parser("train", help=strings.CLI_TRAIN_HELP, description=strings.CLI_TRAIN_HELP)
    train.add_argument("--data", action="append", metavar="PATH", help=strings.ARG_DATA)
    train.add_argument("--out", metavar="PATH", help=strings.ARG_OUT_MODEL)
    train.add_argument(
        "--folds",
        type=int,
        default=DEFAULT_TRAIN_FOLDS,
        help=strings.ARG_TRAIN_FOLDS.format(default=DEFAULT_TRAIN_FOLDS),
    )
    _add_model_kind(train)
    train.set_defaults(handler=cmd_train)

    test = sub.add_parser("test", help=strings.CLI_TEST_HELP, description=strings.CLI_TEST_HELP)
    test.add_argument("--data", action="append", metavar="PATH", help=strings.ARG_TEST_DATA)
    test.add_argument("--model", metavar="PATH", help=strings.ARG_MODEL)
    test.add_argument("--out", metavar="DIR", help=strings.ARG_OUT_DIR)
    # The old spelling still works (scripts use it), unlisted: one spelling is shown.
    test.add_argument("--out-dir", dest="out", help=argparse.SUPPRESS)
    test.add_argument("--cross-validation", action="store_true", help=strings.ARG_CV)
    test.add_argument("--folds", type=int, default=5, help=strings.ARG_FOLDS)
    _add_model_kind(test)
    test.add_argument(
        "--fallback-threshold",
        type=float,
        help=strings.ARG_TEST_FALLBACK.format(default=DEFAULT_FALLBACK_THRESHOLD),
    )
    test.add_argument(
        "--ambiguity-threshold",
        type=float,
        help=strings.ARG_TEST_AMBIGUITY.format(default=DEFAULT_AMBIGUITY_THRESHOLD),
    )
    test.set_defaults(handler=cmd_test)

    parse = sub.add_parser("parse", help=strings.CLI_PARSE_HELP, description=strings.CLI_PARSE_HELP)
    parse.add_argument("text", help=strings.ARG_TEXT)
    parse.add_argument("--model", metavar="PATH", help=strings.ARG_MODEL)
    parse.add_argument(
        "--fallback-threshold",
        type=float,
        help=strings.ARG_FALLBACK_THRESHOLD.format(default=DEFAULT_FALLBACK_THRESHOLD),
    )
    parse.add_argument(
        "--ambiguity-threshold",
        type=float,
        help=strings.ARG_AMBIGUITY_THRESHOLD.format(default=DEFAULT_AMBIGUITY_THRESHOLD),
    )
    parse.set_defaults(handler=cmd_parse)

    review = sub.add_parser(
        "review", help=strings.CLI_REVIEW_HELP, description=strings.CLI_REVIEW_HELP
    )
    review.add_argument("--out", metavar="FILE", help=strings.ARG_REVIEW_OUT)
    review.add_argument("--all", action="store_true", help=strings.ARG_REVIEW_ALL)
    review.add_argument("--limit", type=int, help=strings.ARG_REVIEW_LIMIT)
    review.add_argument("--no-mark", action="store_true", help=strings.ARG_REVIEW_NO_MARK)
    review.add_argument("--database-url", help=strings.ARG_DATABASE_URL)
    review.set_defaults(handler=cmd_review)

    # Rasa YAML <-> spreadsheet CSV lives in its own module.
    from nlu.convert_cli import register as register_convert

    register_convert(sub)


def _add_model_kind(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model-kind",
        default=AUTO_MODEL_KIND,
        choices=(AUTO_MODEL_KIND, *MODEL_KINDS),
        help=strings.ARG_MODEL_KIND.format(kinds="、".join(MODEL_KINDS)),
    )


def main(argv: Sequence[str] | None = None, defaults: DefaultsProvider = NluCliDefaults) -> int:
    """``python -m nlu.cli nlu train ...`` without the rest of the gateway's CLI."""
    import logging

    parser = argparse.ArgumentParser(prog="python -m nlu.cli")
    parser.add_argument("-v", "--verbose", action="store_true")
    register_cli(
        parser.add_subparsers(dest="command", required=True, metavar="COMMAND"), defaults
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.handler(args) or 0)
    except NLUError as exc:
        print(f"{strings.ERROR_PREFIX}{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
