#!/usr/bin/env bash
# Create .venv with the exact locked dependencies (uv.lock). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
if ! python3 -m uv --version 2>/dev/null | grep -q "$UV_VERSION"; then
  echo "bootstrap: installing uv $UV_VERSION"
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never
# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set no .pyc is ever written, and
# every `minsheng` command would compile scikit-learn and SciPy afresh (seconds each time).
python3 -m uv sync --frozen --quiet --compile-bytecode
echo "bootstrap: .venv ready ($(.venv/bin/python --version))"
