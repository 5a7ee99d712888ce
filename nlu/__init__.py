"""Chinese NLU: intents and entities of residents' messages, trained from Rasa YAML.

::

    from nlu import load_model
    model = load_model("var/models/nlu.tar.gz")
    result = model.parse("锦园小区2号楼楼道灯坏了,晚上很黑")
    result.intent.name, result.entity_values("building")

Training, loading and the model itself are imported on first use: they pull in
scikit-learn and jieba (seconds), which ``import nlu.errors`` or ``minsheng nlu --help``
must not pay for.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from nlu.data import EntityAnnotation, Example, TrainingData
from nlu.types import FALLBACK_INTENT, Entity, IntentScore, ParseResult

if TYPE_CHECKING:
    from nlu.artifact import (
        default_model_path,
        ensure_model,
        load_model,
        read_metadata,
        save_model,
    )
    from nlu.model import NLUModel
    from nlu.rasa_io import load_data, write_yaml
    from nlu.training import train_model

_LAZY = {
    "default_model_path": "nlu.artifact",
    "ensure_model": "nlu.artifact",
    "load_model": "nlu.artifact",
    "read_metadata": "nlu.artifact",
    "save_model": "nlu.artifact",
    "NLUModel": "nlu.model",
    "load_data": "nlu.rasa_io",
    "write_yaml": "nlu.rasa_io",
    "train_model": "nlu.training",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nlu' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "FALLBACK_INTENT",
    "Entity",
    "EntityAnnotation",
    "Example",
    "IntentScore",
    "NLUModel",
    "ParseResult",
    "TrainingData",
    "default_model_path",
    "ensure_model",
    "load_data",
    "load_model",
    "read_metadata",
    "save_model",
    "train_model",
    "write_yaml",
]
