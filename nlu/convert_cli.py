"""``minsheng nlu convert IN OUT``: Rasa YAML to a spreadsheet CSV and back.

The direction follows the file names: a ``.csv`` input becomes Rasa YAML, a YAML file or a
training-data directory becomes a CSV. Nothing is written when the input has errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nlu import strings
from nlu.convert import DEFAULT_OUTPUT_ENCODING, CsvErrors, csv_to_yaml, write_csv
from nlu.rasa_io import YAML_SUFFIXES, NLUDataError, load_data

HELP = "在 Rasa YAML 与表格 CSV(text,intent 两列)之间转换,方便在 Excel 里标注"
ARG_SOURCE = "输入:.csv 文件,或 Rasa YAML 文件/训练数据目录"
ARG_TARGET = "输出:.csv(由 YAML 转出)或 .yml(由 CSV 转入)"
ARG_ENCODING = "写 CSV 时的编码(默认 {default},Excel 可直接打开;也可用 gb18030)"
DONE_YAML = "已写入 {count} 条例句到 {path}"
DONE_CSV = "已写入 {count} 条例句到 {path}"
DROPPED = (
    "提示:CSV 只有例句两列,未写入 {synonyms} 组同义词、{regexes} 个正则、"
    "{lookups} 个查找表、{metadata} 处元数据(请保留原 YAML 文件)"
)
BAD_DIRECTION = "无法判断转换方向:一端必须是 .csv,另一端是 .yml/.yaml(或训练数据目录)"
ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")


def cmd_convert(args: argparse.Namespace) -> int:
    source, target = Path(args.source), Path(args.target)
    try:
        if source.suffix.lower() == ".csv" and target.suffix.lower() in YAML_SUFFIXES:
            count = csv_to_yaml(source, target)
            print(DONE_YAML.format(count=count, path=target))
            return 0
        if target.suffix.lower() == ".csv" and source.suffix.lower() != ".csv":
            data = load_data(source)
            report = write_csv(data, target, encoding=args.encoding)
            print(DONE_CSV.format(count=report.examples, path=target))
            dropped = (
                report.dropped_synonyms,
                report.dropped_regexes,
                report.dropped_lookups,
                report.dropped_metadata,
            )
            if any(dropped):
                synonyms, regexes, lookups, metadata = dropped
                print(
                    DROPPED.format(
                        synonyms=synonyms, regexes=regexes, lookups=lookups, metadata=metadata
                    ),
                    file=sys.stderr,
                )
            return 0
    except CsvErrors as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except NLUDataError as exc:
        print(f"{strings.ERROR_PREFIX}{exc}", file=sys.stderr)
        return 1
    print(f"{strings.ERROR_PREFIX}{BAD_DIRECTION}", file=sys.stderr)
    return 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``convert`` to the ``nlu`` command group."""
    convert = sub.add_parser("convert", help=HELP, description=HELP)
    convert.add_argument("source", metavar="IN", help=ARG_SOURCE)
    convert.add_argument("target", metavar="OUT", help=ARG_TARGET)
    convert.add_argument(
        "--encoding",
        choices=ENCODINGS,
        default=DEFAULT_OUTPUT_ENCODING,
        help=ARG_ENCODING.format(default=DEFAULT_OUTPUT_ENCODING),
    )
    convert.set_defaults(handler=cmd_convert)
