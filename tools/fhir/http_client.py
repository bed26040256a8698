"""HTTP access to a FHIR R4 REST server: timeouts, bounded retries, paging, and readable errors.

* 429 and 5xx answers, timeouts and dropped connections are retried with exponential backoff;
  a ``Retry-After`` header is honoured up to ``max_wait_s`` (a longer demand fails at once).
* Other 4xx answers fail at once with the server's OperationOutcome text.
* Search paging follows ``Bundle.link[next]`` up to ``max_pages`` pages, only on the server's own
  origin (so the token never leaves it), and stops on a link it has already visited.
* The bearer token is sent as a header and never logged or put into messages.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from medcite.tools.fhir.errors import FhirServerError
from medcite.tools.fhir.json_input import JsonProblem, parse_json

log = logging.getLogger(__name__)

QueryList = list[tuple[str, str]]
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
FHIR_JSON = "application/fhir+json"


def outcome_text(body: Any) -> str | None:
    """The diagnostics / details of an OperationOutcome, joined."""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return None
    texts = []
    for issue in body.get("issue") or []:
        if isinstance(issue, dict):
            text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or issue.get("code")
            if text:
                texts.append(str(text))
    return "; ".join(texts) or None


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class FhirHttpClient:
    """GET-only client for one FHIR base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str = "",
        timeout_s: float = 30.0,
        max_retries: int = 3,
        max_pages: int = 50,
        backoff_s: float = 0.5,
        max_wait_s: float = 30.0,
        max_depth: int = 100,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise FhirServerError(f"FHIR base URL must start with http:// or https://: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.max_pages = max_pages
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s
        self.max_depth = max_depth
        headers = {"Accept": FHIR_JSON}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            follow_redirects=False,
        )
        self.requests_sent = 0

    def __repr__(self) -> str:
        return f"FhirHttpClient({self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def _wait(self, attempt: int, response: httpx.Response | None, url: str) -> None:
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        delay = asked if asked is not None else self.backoff_s * (2**attempt)
        if delay > self.max_wait_s:
            raise FhirServerError(
                f"FHIR server at {url} asked to retry after {delay:.0f} s, over the {self.max_wait_s:.0f} s limit"
            )
        time.sleep(delay)

    def get(self, path: str, params: QueryList | None = None, *, missing_ok: bool = False) -> Any:
        """GET JSON; None for 404/410 when ``missing_ok``. Raises :class:`FhirServerError`."""
        url = self.url(path)
        failure, throttled = "", None
        for attempt in range(self.max_retries + 1):
            if attempt:
                self._wait(attempt - 1, throttled, url)
            throttled = None
            try:
                self.requests_sent += 1
                log.debug("GET %s (attempt %d)", url, attempt + 1)
                response = self._http.get(url, params=httpx.QueryParams(tuple(params)) if params else None)
            except httpx.TimeoutException:
                failure = "timed out"
                continue
            except httpx.TransportError as exc:
                failure = f"connection failed ({type(exc).__name__})"
                continue
            if response.status_code in RETRY_STATUSES:
                failure, throttled = f"HTTP {response.status_code}", response
                continue
            return self._decode(response, url, missing_ok)
        raise FhirServerError(
            f"FHIR server at {url} failed after {self.max_retries + 1} attempts: last error {failure}"
        )

    def _decode(self, response: httpx.Response, url: str, missing_ok: bool) -> Any:
        status = response.status_code
        try:  # a searchset wraps resources in Bundle > entry[] > entry
            body = parse_json(response.text, self.max_depth, outer=3) if response.content else None
        except JsonProblem as exc:
            if "nested more than" in exc.message and status < 300:
                raise FhirServerError(f"FHIR server at {url} answered with JSON {exc.message}") from None
            body = None
        if missing_ok and status in (404, 410):
            return None
        if status >= 400:
            said = outcome_text(body) or response.reason_phrase or "no details"
            hint = " (check MEDCITE_FHIR_TOKEN)" if status in (401, 403) else ""
            raise FhirServerError(f"FHIR server at {url} answered {status}: {said}{hint}")
        if status >= 300:
            raise FhirServerError(f"FHIR server at {url} answered {status} (redirects are not followed)")
        if not isinstance(body, dict):
            raise FhirServerError(f"FHIR server at {url} did not answer with a JSON resource")
        return body

    def pages(self, path: str, params: QueryList) -> Iterator[dict[str, Any]]:
        """Every searchset page of a search, following ``next`` links within the limits."""
        page = self.get(path, params)
        visited = {str(httpx.URL(self.url(path), params=params))}
        for count in range(1, self.max_pages + 1):
            if page.get("resourceType") != "Bundle":
                raise FhirServerError(
                    f"FHIR server at {self.url(path)} answered a search with {page.get('resourceType')!r}, not a Bundle"
                )
            yield page
            next_url = next(
                (
                    link.get("url")
                    for link in page.get("link") or []
                    if isinstance(link, dict) and link.get("relation") == "next"
                ),
                None,
            )
            if not next_url:
                return
            next_url = self.url(next_url)
            if _origin(next_url) != _origin(self.base_url):
                raise FhirServerError(
                    f"FHIR server at {self.base_url} sent a next link to another origin "
                    f"({_origin(next_url)[1]}); not followed"
                )
            if next_url in visited:
                raise FhirServerError(
                    f"FHIR server at {self.base_url} sent a next link that loops back to "
                    f"an earlier page after {count} pages: {next_url}"
                )
            if count == self.max_pages:
                break
            visited.add(next_url)
            page = self.get(next_url)
        raise FhirServerError(
            f"search {self.url(path)} has more than {self.max_pages} pages "
            "(raise MEDCITE_FHIR_MAX_PAGES or narrow the search)"
        )
