"""Errors raised when a FHIR server cannot answer usefully."""

from __future__ import annotations

from medcite.core.errors import MedciteError


class FhirServerError(MedciteError):
    """A FHIR server refused, failed, timed out or answered something unusable.

    The message names the URL and what the server said (never the access token)."""
