# The two commands: `make run` starts the platform, `make test` runs every test.
.PHONY: run stop status test lint bench-rpc topology

run:
	scripts/platform.sh up

stop:
	scripts/platform.sh down

status:
	scripts/platform.sh status

test:
	scripts/test.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

bench-rpc:
	scripts/platform.sh up
	.venv/bin/python -m bench.rpc_bench

topology:
	.venv/bin/python -m common.topology > deploy/rabbitmq/definitions.json
