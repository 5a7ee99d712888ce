"""The model artifact: ``metadata.json`` plus ``model.joblib``, in a directory or a .tar.gz.

A ``.tar.gz`` path (the default, like Rasa's ``models/*.tar.gz``) is written to a temporary
file and renamed over the old one, so a process loading the model concurrently sees either
the old file or the new one, never half a file. Only load artifacts you trained: joblib
files are pickles, and unpickling runs code. :func:`artifact_digest` names an artifact by its
bytes (never by its own metadata); a caller that keeps the digests of the artifacts it
trained passes them to :func:`load_model` and :func:`ensure_model`, which refuse others.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tarfile
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib

from nlu import strings
from nlu.defaults import (
    DEFAULT_AMBIGUITY_THRESHOLD,
    DEFAULT_FALLBACK_THRESHOLD,
    DEFAULT_MODEL_NAME,
)
from nlu.errors import NLUError
from nlu.model import NLUModel
from nlu.pipeline import FORMAT_VERSION

log = logging.getLogger(__name__)

METADATA_FILE = "metadata.json"
MODEL_FILE = "model.joblib"


def _is_archive(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz", ".tar"))


def _payload(model: NLUModel) -> dict[str, Any]:
    return {
        "tokenizer": model.tokenizer,
        "entities": model.entities,
        "classifier": model.classifier,
        "meaning": model.meaning,
    }


def save_model(model: NLUModel, path: str | Path) -> Path:
    """Write ``model`` to ``path`` (a ``.tar.gz`` file or a directory), atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    meta = json.dumps(model.metadata, ensure_ascii=False, indent=2).encode("utf-8")
    blob = io.BytesIO()
    joblib.dump(_payload(model), blob, compress=3)
    digest = _digest({METADATA_FILE: meta, MODEL_FILE: blob.getvalue()})
    if _is_archive(target):
        fd, tmp_name = tempfile.mkstemp(prefix=".nlu-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                for name, data in ((METADATA_FILE, meta), (MODEL_FILE, blob.getvalue())):
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
            os.chmod(tmp_name, 0o644)  # mkstemp makes it private; models are not secrets
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        model.source_path, model.artifact_digest = target, digest
        return target
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    (staging / METADATA_FILE).write_bytes(meta)
    (staging / MODEL_FILE).write_bytes(blob.getvalue())
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
    model.source_path, model.artifact_digest = target, digest
    return target


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata of an artifact without loading the model."""
    source = Path(path)
    try:
        if _is_archive(source):
            with tarfile.open(source, "r:*") as tar:
                member = tar.extractfile(METADATA_FILE)
                if member is None:
                    raise NLUError(
                        strings.MODEL_MISSING_PART.format(path=source, part=METADATA_FILE)
                    )
                return dict(json.loads(member.read().decode("utf-8")))
        return dict(json.loads((source / METADATA_FILE).read_text("utf-8")))
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise NLUError(strings.MODEL_UNREADABLE.format(path=source, detail=exc)) from exc


Trusted = Callable[[str], bool]

#: Models loaded by digest, most recent last. A model is never mutated after training, so
#: loading the same bytes again (a reload that found nothing new, a second gateway in one
#: process) shares the parts instead of unpickling them again; two entries keep the
#: current model and the one being replaced, no more.
_LOADED: OrderedDict[str, NLUModel] = OrderedDict()
_LOADED_MAX = 2


def _remember(digest: str, model: NLUModel) -> None:
    _LOADED[digest] = model
    _LOADED.move_to_end(digest)
    while len(_LOADED) > _LOADED_MAX:
        _LOADED.popitem(last=False)


def _artifact_bytes(source: Path) -> dict[str, bytes]:
    """The artifact's parts as bytes, read once (what is hashed is what is loaded)."""
    if _is_archive(source):
        with tarfile.open(fileobj=io.BytesIO(source.read_bytes()), mode="r:*") as tar:
            parts = {}
            for name in (METADATA_FILE, MODEL_FILE):
                member = tar.extractfile(name)
                if member is None:
                    raise NLUError(strings.MODEL_MISSING_PART.format(path=source, part=name))
                parts[name] = member.read()
            return parts
    return {name: (source / name).read_bytes() for name in (METADATA_FILE, MODEL_FILE)}


def _digest(parts: dict[str, bytes]) -> str:
    sha = hashlib.sha256()
    for name in (METADATA_FILE, MODEL_FILE):
        sha.update(name.encode() + b"\0" + len(parts[name]).to_bytes(8, "big") + parts[name])
    return "sha256:" + sha.hexdigest()


def artifact_digest(path: str | Path) -> str:
    """The artifact's identity: a hash of its metadata and model bytes (archive or folder)."""
    source = Path(path)
    try:
        return _digest(_artifact_bytes(source))
    except (OSError, KeyError, tarfile.TarError) as exc:
        raise NLUError(strings.MODEL_UNREADABLE.format(path=source, detail=exc)) from exc


def load_model(
    path: str | Path,
    *,
    fallback_threshold: float = DEFAULT_FALLBACK_THRESHOLD,
    ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
    trusted: Trusted | None = None,
) -> NLUModel:
    """Load an artifact written by :func:`save_model`; raises NLUError if it is unusable.

    With ``trusted``, the artifact is unpickled only if ``trusted(digest)`` says so, and the
    bytes checked are the bytes loaded (a file swapped meanwhile is not trusted by accident).
    """
    source = Path(path)
    if trusted is not None:
        try:
            parts = _artifact_bytes(source)
        except (OSError, KeyError, tarfile.TarError) as exc:
            raise NLUError(strings.MODEL_UNREADABLE.format(path=source, detail=exc)) from exc
        digest = _digest(parts)
        if not trusted(digest):
            raise NLUError(strings.MODEL_UNTRUSTED.format(path=source, digest=digest[:19]))
        known = _LOADED.get(digest)
        if known is not None:
            _LOADED.move_to_end(digest)
            model = known.with_thresholds(fallback_threshold, ambiguity_threshold)
            model.source_path = source
            return model
        model = _build(
            source,
            json.loads(parts[METADATA_FILE].decode("utf-8")),
            lambda: joblib.load(io.BytesIO(parts[MODEL_FILE])),
            fallback_threshold,
            ambiguity_threshold,
        )
        model.artifact_digest = digest
        _remember(digest, model)
        return model
    return _build(
        source, read_metadata(source), lambda: _read_payload(source),
        fallback_threshold, ambiguity_threshold,
    )


def _read_payload(source: Path) -> Any:
    if _is_archive(source):
        with tarfile.open(source, "r:*") as tar:
            member = tar.extractfile(MODEL_FILE)
            if member is None:
                raise NLUError(strings.MODEL_MISSING_PART.format(path=source, part=MODEL_FILE))
            return joblib.load(io.BytesIO(member.read()))
    return joblib.load(source / MODEL_FILE)


def _build(
    source: Path,
    metadata: dict[str, Any],
    read_payload: Callable[[], Any],
    fallback_threshold: float,
    ambiguity_threshold: float,
) -> NLUModel:
    if metadata.get("format_version") != FORMAT_VERSION:
        raise NLUError(
            strings.MODEL_OLD_FORMAT.format(
                path=source, found=metadata.get("format_version"), expected=FORMAT_VERSION
            )
        )
    try:
        payload = read_payload()
    except NLUError:
        raise
    except Exception as exc:  # a corrupt pickle can raise almost anything
        raise NLUError(strings.MODEL_UNREADABLE.format(path=source, detail=exc)) from exc
    model = NLUModel(
        payload["tokenizer"],
        payload["entities"],
        payload["classifier"],
        metadata,
        fallback_threshold=fallback_threshold,
        ambiguity_threshold=ambiguity_threshold,
        meaning=payload.get("meaning"),
    )
    model.source_path = source
    try:
        model.parse("你好")  # an artifact pickled by older code fails here, not mid-request
    except Exception as exc:
        raise NLUError(strings.MODEL_INCOMPATIBLE.format(path=source, detail=exc)) from exc
    return model


def default_model_path(model_dir: str | Path) -> Path:
    """Where a gateway keeps (and looks for) its NLU model inside ``model_dir``."""
    return Path(model_dir) / DEFAULT_MODEL_NAME


def ensure_model(
    training_data_dir: str | Path,
    path: str | Path,
    *,
    fallback_threshold: float = DEFAULT_FALLBACK_THRESHOLD,
    ambiguity_threshold: float = DEFAULT_AMBIGUITY_THRESHOLD,
    trusted: Trusted | None = None,
) -> NLUModel:
    """Load the model at ``path``, training it first if it is missing or its data changed
    (or, with ``trusted``, if the artifact there is not one of the trusted digests).

    "Changed" means the hash of the training data in ``training_data_dir`` (examples,
    synonyms, tables, dictionary and pipeline version) differs from the one recorded in
    the model's metadata.
    """
    from nlu.pipeline import default_address_dir, fingerprint, lexicon_for
    from nlu.rasa_io import load_data

    target = Path(path)
    data_dir = Path(training_data_dir)
    data = load_data(data_dir)
    words, places = lexicon_for(data, default_address_dir([data_dir]))
    digest = fingerprint(data, words, places)
    if target.exists():
        try:
            if read_metadata(target).get("training_data_hash") == digest:
                return load_model(
                    target,
                    fallback_threshold=fallback_threshold,
                    ambiguity_threshold=ambiguity_threshold,
                    trusted=trusted,
                )
            log.info("training data changed since %s was trained; retraining", target)
        except NLUError as exc:
            log.warning("cannot use the model at %s (%s); retraining", target, exc)
    else:
        log.info("no NLU model at %s; training one from %s", target, data_dir)
    from nlu.training import train_model  # scikit-learn: only where a model is trained

    model = train_model(data, address_dir=default_address_dir([data_dir]))
    model.metadata["training_data"] = [str(data_dir)]
    save_model(model, target)
    return model.with_thresholds(fallback_threshold, ambiguity_threshold)
