"""The FHIR client against a misbehaving server on loopback: 429, 5xx, timeouts, next-link loops.

The client must retry within its bounds, then fail with a clear error, and never hang.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from medcite.tools.fhir import FhirServerError, ServerSource
from medcite.tools.fhir.query import SearchQuery

TOKEN = "s3cret-token-value"


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class ScriptedServer:
    """Answers each request with the next scripted reply (the last one repeats)."""

    base_url: str
    script: list[Callable[[str], Reply]]
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def reply(self, path: str) -> Reply:
        step = self.script[min(len(self.requests) - 1, len(self.script) - 1)]
        return step(path)


def _bundle(entries: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    links = [{"relation": "next", "url": next_url}] if next_url else []
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in entries],
    }


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female"}


@pytest.fixture()
def scripted() -> Iterator[Callable[..., ScriptedServer]]:
    servers: list[ThreadingHTTPServer] = []

    def start(*script: Callable[[str], Reply]) -> ScriptedServer:
        state: dict[str, ScriptedServer] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                scripted = state["server"]
                scripted.requests.append((self.path, self.headers.get("Authorization")))
                reply = scripted.reply(self.path)
                time.sleep(reply.delay_s)
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    for k, v in {"Content-Type": "application/fhir+json", **reply.headers}.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        state["server"] = ScriptedServer(f"http://127.0.0.1:{httpd.server_port}/fhir", list(script))
        return state["server"]

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def _source(server: ScriptedServer, **options: Any) -> ServerSource:
    defaults: dict[str, Any] = {"token": TOKEN, "max_retries": 2, "backoff_s": 0.01, "timeout_s": 5.0}
    return ServerSource(server.base_url, **{**defaults, **options})


def test_429_is_retried_after_the_servers_retry_after(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(lambda p: Reply(429, {}, {"Retry-After": "1"}), lambda p: Reply(200, PATIENT))
    started = time.monotonic()
    assert _source(server).read("Patient", "p1") == PATIENT
    assert time.monotonic() - started >= 1.0
    assert len(server.requests) == 2


def test_5xx_is_retried_then_fails_clearly(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(lambda p: Reply(503, {"resourceType": "OperationOutcome", "issue": []}))
    with pytest.raises(FhirServerError, match=r"failed after 3 attempts: last error HTTP 503"):
        _source(server).read("Patient", "p1")
    assert len(server.requests) == 3


def test_a_transient_500_recovers(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(lambda p: Reply(500, {}), lambda p: Reply(200, _bundle([PATIENT])))
    assert _source(server).patient_ids() == ["p1"]


def test_timeouts_are_retried_then_fail(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(lambda p: Reply(200, PATIENT, delay_s=1.5))
    with pytest.raises(FhirServerError, match="failed after 2 attempts: last error timed out"):
        _source(server, timeout_s=0.3, max_retries=1).read("Patient", "p1")
    assert len(server.requests) == 2


def test_an_excessive_retry_after_fails_at_once(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(lambda p: Reply(429, {}, {"Retry-After": "3600"}))
    with pytest.raises(FhirServerError, match="asked to retry after 3600 s, over the 30 s limit"):
        _source(server).read("Patient", "p1")
    assert len(server.requests) == 1


def test_4xx_fails_at_once_with_the_operation_outcome(scripted: Callable[..., ScriptedServer]) -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": "Unknown parameter 'foo'"}],
    }
    server = scripted(lambda p: Reply(400, outcome))
    with pytest.raises(FhirServerError, match=r"/fhir/Condition answered 400: Unknown parameter 'foo'"):
        _source(server).search(SearchQuery(resource_type="Condition", patient="p1"))
    assert len(server.requests) == 1


def test_a_next_link_loop_is_detected(scripted: Callable[..., ScriptedServer]) -> None:
    holder: dict[str, str] = {}

    def page(path: str) -> Reply:
        second = "_page=2" in path
        return Reply(200, _bundle([PATIENT], holder["base"] + ("/Patient?_page=1" if second else "/Patient?_page=2")))

    server = scripted(page)
    holder["base"] = server.base_url
    with pytest.raises(FhirServerError, match="next link that loops back to an earlier page after 3 pages"):
        _source(server).patient_ids()
    assert len(server.requests) == 3


def test_a_next_link_to_another_origin_is_not_followed(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(lambda p: Reply(200, _bundle([PATIENT], "http://127.0.0.2:9/fhir/Patient?page=2")))
    with pytest.raises(FhirServerError, match="next link to another origin"):
        _source(server).patient_ids()
    assert len(server.requests) == 1


def test_non_json_answers_fail_clearly(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(lambda p: Reply(200, b"<html>login</html>", {"Content-Type": "text/html"}))
    with pytest.raises(FhirServerError, match="did not answer with a JSON resource"):
        _source(server).read("Patient", "p1")


def test_missing_resources_read_as_none(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(lambda p: Reply(404, {"resourceType": "OperationOutcome", "issue": []}))
    assert _source(server).read("Patient", "nobody") is None


def test_invalid_resources_from_a_server_are_left_out_and_reported(scripted: Callable[..., ScriptedServer]) -> None:
    good = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "code": {"text": "Asthma"},
        "onsetDateTime": "2020-01-01",
    }
    bad = {**good, "id": "c2", "onsetDateTime": "the spring of 2020"}
    server = scripted(lambda p: Reply(200, _bundle([good, bad])))
    source = _source(server)
    found = source.search(SearchQuery(resource_type="Condition", patient="p1"))
    assert [r["id"] for r in found] == ["c1"]
    (issue,) = source.report.excluded
    assert issue.key == "Condition/c2" and "onsetDateTime" in issue.message
    assert not source.report.complete


def test_the_token_is_sent_but_never_logged_or_shown(
    scripted: Callable[..., ScriptedServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = scripted(
        lambda p: Reply(401, {"resourceType": "OperationOutcome", "issue": [{"diagnostics": "token expired"}]})
    )
    source = _source(server)
    with caplog.at_level(logging.DEBUG), pytest.raises(FhirServerError) as error:
        source.read("Patient", "p1")
    assert server.requests[0][1] == f"Bearer {TOKEN}"
    assert "token expired (check MEDCITE_FHIR_TOKEN)" in str(error.value)
    shown = [str(error.value), repr(source), source.description, caplog.text]
    assert caplog.text and not any(TOKEN in text for text in shown)


def test_a_reply_nested_too_deeply_fails_clearly(scripted: Callable[..., ScriptedServer]) -> None:
    deep = b'{"resourceType": "Patient", "id": "p1", "extension": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    server = scripted(lambda p: Reply(200, deep))
    with pytest.raises(FhirServerError, match=r"answered with JSON nested more than 100 levels deep \(limit: MEDCITE"):
        _source(server).read("Patient", "p1")


def test_server_resources_get_the_same_limits_as_files(scripted: Callable[..., ScriptedServer]) -> None:
    """NaN and over-deep resources are left out and reported; over-long text is cut with a warning."""
    condition = {"resourceType": "Condition", "subject": {"reference": "Patient/p1"}, "onsetDateTime": "2020-01-01"}
    good = {**condition, "id": "c1", "code": {"text": "Asthma " + "x" * 25_000}}
    nested: Any = {"url": "http://x.org/leaf", "valueString": "x"}
    for _ in range(60):
        nested = {"url": "http://x.org/n", "extension": [nested]}
    deep = {**condition, "id": "c2", "code": {"text": "Deep"}, "extension": [nested]}
    body = json.dumps(_bundle([good, deep, {**condition, "id": "c3", "code": {"text": "NaN"}, "x": "__NAN__"}]))
    server = scripted(lambda p: Reply(200, body.replace('"__NAN__"', "NaN").encode()))
    source = _source(server)
    found = source.search(SearchQuery(resource_type="Condition", patient="p1"))
    assert [r["id"] for r in found] == ["c1"]
    assert found[0]["code"]["text"].endswith("[… truncated: 5,007 more characters not shown]")
    issues = {i.key: (i.severity, i.message) for i in source.report.issues}
    assert issues["Condition/c1"] == (
        "warning",
        "text at Condition.code.text has 25,007 characters; kept the first 20,000 (limit: MEDCITE_FHIR_MAX_TEXT_CHARS)",
    )
    assert issues["Condition/c2"][0] == "error" and "nested more than 100 levels deep" in issues["Condition/c2"][1]
    assert issues["Condition/c3"] == ("error", "NaN at Condition.x is not a number FHIR can hold")
