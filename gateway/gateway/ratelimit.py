"""Per-user rate limit (moving window), with the ``limits`` library.

Applied after the token is verified, so the key is the user, not an address that a
whole directorate's office may share. Memory storage limits each gateway replica on
its own; ``async+redis://`` shares the budget across replicas.
"""

from __future__ import annotations

import math
import time

from limits import parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from common.errors import RateLimited


class UserRateLimiter:
    def __init__(self, spec: str, storage_uri: str = "async+memory://") -> None:
        self.items = parse_many(spec)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    async def check(self, user_id: str) -> None:
        """Count one request of ``user_id``; raise RateLimited past any limit."""
        for item in self.items:
            if not await self.limiter.hit(item, "user", user_id):
                stats = await self.limiter.get_window_stats(item, "user", user_id)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                raise RateLimited("too many requests", {"retry_after": retry_after})
