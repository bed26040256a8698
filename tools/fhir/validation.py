"""Structural validation of raw resources with the ``fhir.resources.R4B`` models."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import ValidationError


@cache
def _model(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.resource import Resource

    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return None
    return model if issubclass(model, Resource) else None


def is_resource_type(name: Any) -> bool:
    """Whether ``name`` is a FHIR R4 resource type (``Patient``; not ``Patinet`` or ``Coding``)."""
    return isinstance(name, str) and bool(name) and _model(name) is not None


def validation_error(resource: Any) -> str | None:
    """None when ``resource`` is a valid R4B resource, else a short reason naming the element."""
    if not isinstance(resource, dict):
        return "not a JSON object"
    rtype = resource.get("resourceType")
    if not is_resource_type(rtype):
        return f"resourceType {rtype!r} is not a FHIR R4 resource type"
    if rtype == "Bundle":
        return "a Bundle nested inside a Bundle is not supported"
    try:
        _model(rtype).model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"fails R4B validation at {rtype}.{loc}: {first.get('msg')}{more}"
    except (ValueError, TypeError) as exc:
        return f"fails R4B validation: {exc}"
    return None
