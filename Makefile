# The two commands: `make run` starts the platform, `make test` runs every test.
.PHONY: run stop restart status test lint bench-rpc bench-gateway bench-eligibility topology

run:
	scripts/platform.sh up

stop:
	scripts/platform.sh down

restart:
	scripts/platform.sh restart

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

bench-gateway:
	scripts/platform.sh up
	.venv/bin/python -m bench.gateway_bench

bench-eligibility:
	scripts/platform.sh up
	.venv/bin/python -m bench.eligibility_bench

topology:
	.venv/bin/python -m common.topology > deploy/rabbitmq/definitions.json
