"""Who is calling: user, roles, area and correlation id, carried with every RPC.

The gateway builds a :class:`CallerContext` from the verified token and sends it as
nameko context headers; nameko copies them into ``worker_ctx.data`` and forwards them
on every onward call, so a service deep in a call chain still filters by the original
caller's area.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

USER_KEY = "user_id"
ROLES_KEY = "roles"
AREA_KEY = "area"
CORRELATION_KEY = "correlation_id"


class CallerContext(BaseModel):
    """The identity a service acts for."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    roles: tuple[str, ...] = Field(default=())
    area: str
    correlation_id: str

    def has_any_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def to_data(self) -> dict[str, Any]:
        """As nameko context data (header values must be plain AMQP types)."""
        return {
            USER_KEY: self.user_id,
            ROLES_KEY: ",".join(self.roles),
            AREA_KEY: self.area,
            CORRELATION_KEY: self.correlation_id,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CallerContext | None:
        """Rebuild from nameko context data; ``None`` if the call carried no caller."""
        user, area = data.get(USER_KEY), data.get(AREA_KEY)
        if not user or not area:
            return None
        roles = tuple(r for r in str(data.get(ROLES_KEY, "")).split(",") if r)
        return cls(
            user_id=str(user),
            roles=roles,
            area=str(area),
            correlation_id=str(data.get(CORRELATION_KEY, "")),
        )
