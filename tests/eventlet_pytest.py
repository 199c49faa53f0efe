"""Run pytest under eventlet's monkey patch, as nameko services run.

Service tests need it; gateway tests must not have it (it breaks asyncio), which is
why they run in separate pytest processes (see scripts/test.sh).
"""

import eventlet

eventlet.monkey_patch()

import sys  # noqa: E402

import pytest  # noqa: E402

if __name__ == "__main__":
    sys.exit(pytest.main(sys.argv[1:]))
