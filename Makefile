# The two commands of the README: `make run` and `make test`.
.PHONY: run test lint setup services

setup:
	bash scripts/bootstrap.sh

run: setup
	.venv/bin/minsheng serve

services:
	bash scripts/ensure-services.sh

test: setup services
	.venv/bin/python -m pytest -q -p no:cacheprovider

lint: setup
	.venv/bin/ruff check .
