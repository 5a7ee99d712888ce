"""Chinese NLU: intents and entities of residents' messages, trained from Rasa YAML.

::

    from nlu import load_model
    model = load_model("var/models/nlu.tar.gz")
    result = model.parse("锦园小区2号楼楼道灯坏了,晚上很黑")
    result.intent.name, result.entity_values("building")
"""

from nlu.artifact import default_model_path, ensure_model, load_model, read_metadata, save_model
from nlu.data import EntityAnnotation, Example, TrainingData
from nlu.model import NLUModel
from nlu.rasa_io import load_data, write_yaml
from nlu.training import train_model
from nlu.types import FALLBACK_INTENT, Entity, IntentScore, ParseResult

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
