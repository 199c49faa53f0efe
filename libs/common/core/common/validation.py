"""Turn pydantic validation failures into a stable, field-level error report."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from common.errors import ValidationFailed

ModelT = TypeVar("ModelT", bound=BaseModel)


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """``[{"field": "members.0.sex", "code": "literal_error", "message": ...}]``."""
    return [
        {
            "field": ".".join(str(part) for part in err["loc"]),
            "code": err["type"],
            "message": err["msg"],
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]


def parse(model: type[ModelT], payload: Any) -> ModelT:
    """Validate ``payload`` against ``model`` or raise ValidationFailed with field errors."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed("the request is invalid", {"errors": field_errors(exc)}) from None
