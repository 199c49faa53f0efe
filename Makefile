# The two commands: `make run` starts the platform, `make test` runs every test.
.PHONY: run stop restart status test lint bench-rpc bench-gateway bench-eligibility bench-db bench-solidarity bench-veille bench-reporting bench-smoke topology generate

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

# Benchmarks: each prints its figures next to a baseline measured in the same run.
# BENCH_ARGS passes options (BENCH_ARGS=--smoke: seconds, tiny sizes); bench-smoke runs them all so.
bench-rpc:
	scripts/platform.sh up
	.venv/bin/python -m bench.rpc_bench $(BENCH_ARGS)

bench-gateway:
	scripts/platform.sh up
	.venv/bin/python -m bench.gateway_bench $(BENCH_ARGS)

bench-eligibility:
	scripts/platform.sh up
	.venv/bin/python -m bench.eligibility_bench $(BENCH_ARGS)

bench-db:
	scripts/platform.sh up
	.venv/bin/python -m bench.db_bench $(BENCH_ARGS)

bench-solidarity:
	scripts/platform.sh up
	.venv/bin/python -m bench.solidarity_bench $(BENCH_ARGS)

bench-veille:
	.venv/bin/python -m bench.veille_bench $(BENCH_ARGS)

bench-reporting:
	.venv/bin/python -m bench.reporting_bench $(BENCH_ARGS)

bench-smoke:
	$(MAKE) bench-rpc bench-gateway bench-eligibility bench-db bench-solidarity bench-veille bench-reporting BENCH_ARGS=--smoke

# Every registration of the services (compose, k8s, Prometheus, topology, platform.sh, Dockerfile,
# pyproject.toml, docs/conventions.md) from gateway/service.toml and services/*/service.toml.
generate:
	.venv/bin/python scripts/generate.py

topology:
	.venv/bin/python -m common.topology > deploy/rabbitmq/definitions.json
