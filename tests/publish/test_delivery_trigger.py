"""After the upload, publish asks the shim to deliver: POST /_lectern/deliver with the bearer token, against a tiny
server on loopback that stands in for the shim (the real endpoint comes with the delivery work)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from lectern import publish
from lectern.cli import main
from lectern.publish.delivery_trigger import deliver_url, trigger_delivery
from lectern.publish.errors import DeliveryTriggerFailed
from lectern.publish.publisher import PublishReport, PublishRequest
from lectern.publish.publisher import publish as real_publish
from lectern.settings import Settings

from .conftest import failing_session


@dataclass
class FakeShim:
    """Answers every POST with `status`; records each request, and calls `on_request` while handling it."""

    status: int = 202
    body: bytes = b'{"status": "queued", "activities": 2, "deliveries": 5, "first_run": false}'
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    on_request: Callable[[], None] = lambda: None
    url: str = ""


@pytest.fixture
def shim() -> Iterator[FakeShim]:
    fake = FakeShim()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            fake.on_request()
            fake.requests.append((self.path, dict(self.headers.items())))
            self.send_response(fake.status)
            for name, value in fake.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(fake.body)))
            self.end_headers()
            self.wfile.write(fake.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def test_the_trigger_posts_with_the_bearer_token(shim: FakeShim) -> None:
    result = trigger_delivery(shim.url + "/", "s3cret")

    assert result.status == 202
    assert result.summary == "queued 2 activities as 5 deliveries"
    [(path, headers)] = shim.requests
    assert path == "/_lectern/deliver"
    assert headers["Authorization"] == "Bearer s3cret"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            401,
            "refused the delivery token (HTTP 401): set LECTERN_DELIVER_TOKEN to the token the shim was started with",
        ),
        (404, "has no delivery endpoint (HTTP 404): check --shim-url, or update the shim"),
        (
            403,
            "refused the trigger (HTTP 403: set it where the shim runs): set LECTERN_DELIVER_TOKEN where the "
            "shim runs, and the same token here",
        ),
        (503, "answered HTTP 503 (set it where the shim runs): see its log, then run lectern publish again"),
    ],
)
def test_a_refusal_is_one_line_saying_what_to_do(shim: FakeShim, status: int, expected: str) -> None:
    shim.status = status
    shim.body = b'{"status": "error", "reason": "test", "detail": "set it where the shim runs."}'
    with pytest.raises(DeliveryTriggerFailed) as failed:
        trigger_delivery(shim.url, "wrong")
    assert str(failed.value) == f"the shim at {shim.url}/_lectern/deliver {expected}"


def test_a_redirect_is_not_followed_so_the_token_stays_where_it_was_sent(shim: FakeShim) -> None:
    shim.status, shim.headers = 308, {"Location": "https://elsewhere.example/_lectern/deliver"}
    with pytest.raises(DeliveryTriggerFailed) as failed:
        trigger_delivery(shim.url, "s3cret")
    assert str(failed.value).endswith(
        "redirects to https://elsewhere.example/_lectern/deliver (HTTP 308): pass that address as --shim-url"
    )
    assert len(shim.requests) == 1


def test_a_shim_that_does_not_answer_times_out() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(DeliveryTriggerFailed) as failed:
            trigger_delivery(url, "s3cret", timeout=0.2)
    assert str(failed.value) == (
        f"the shim at {url}/_lectern/deliver did not answer within 0.2 s: check that it runs, "
        "then run lectern publish again"
    )


def test_an_unreachable_shim_says_to_check_the_address() -> None:
    with socket.socket() as closed:  # bound and never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        with pytest.raises(DeliveryTriggerFailed) as failed:
            trigger_delivery(url, "s3cret")
    assert str(failed.value).startswith(f"cannot reach the shim at {url}/_lectern/deliver (")
    assert str(failed.value).endswith("check --shim-url and that the shim runs, then run lectern publish again")


def test_the_token_never_travels_over_plain_http_to_another_host() -> None:
    with pytest.raises(DeliveryTriggerFailed) as refused:
        deliver_url("http://oer.example.edu")
    assert str(refused.value) == (
        "refusing to send the delivery token over plain http to oer.example.edu: use an https --shim-url"
    )
    assert deliver_url("https://oer.example.edu/") == "https://oer.example.edu/_lectern/deliver"


def publish_args(settings: Settings, output: Path, s3_url: str, bucket: str, shim: FakeShim) -> list[str]:
    return [
        "--settings",
        str(settings.settings_file),
        "publish",
        "--bucket",
        bucket,
        "--endpoint-url",
        s3_url,
        "--output",
        str(output),
        "--shim-url",
        shim.url,
    ]


def test_publish_triggers_delivery_once_the_files_are_live_and_says_when_it_cannot(
    built_site: tuple[Settings, Path],
    output: Path,
    s3_url: str,
    bucket: str,
    s3: Any,
    shim: FakeShim,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LECTERN_DELIVER_TOKEN", "s3cret")
    outbox = "ap/actors/fractions/outbox.json"
    live: list[int] = []
    shim.on_request = lambda: live.append(s3.head_object(Bucket=bucket, Key=outbox)["ContentLength"])

    assert main(publish_args(built_site[0], output, s3_url, bucket, shim)) == 0

    assert live == [(output / outbox).stat().st_size]  # the outbox was in the bucket when the shim was called
    assert shim.requests[0][1]["Authorization"] == "Bearer s3cret"
    assert (
        f"Delivery triggered at {shim.url}/_lectern/deliver (HTTP 202): queued 2 activities as 5 deliveries."
        in capsys.readouterr().out
    )

    monkeypatch.delenv("LECTERN_DELIVER_TOKEN")
    assert main(publish_args(built_site[0], output, s3_url, bucket, shim)) == 0

    assert len(shim.requests) == 1
    assert "Delivery not triggered: LECTERN_DELIVER_TOKEN is not set" in capsys.readouterr().out


def test_a_failed_upload_triggers_nothing(
    built_site: tuple[Settings, Path],
    output: Path,
    s3_url: str,
    bucket: str,
    shim: FakeShim,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LECTERN_DELIVER_TOKEN", "s3cret")

    def publish_with_a_failure(request: PublishRequest) -> PublishReport:
        return real_publish(request, session=failing_session("ap/objects/fractions/fraction-strips.json"))

    monkeypatch.setattr(publish.cli, "publish", publish_with_a_failure)

    assert main(publish_args(built_site[0], output, s3_url, bucket, shim)) == 1

    assert shim.requests == []
    err = capsys.readouterr().err
    assert err.startswith("lectern: 1 file could not be uploaded, first ap/objects/fractions/fraction-strips.json")
    assert "nothing was deleted or delivered" in err


def test_a_dry_run_triggers_nothing_and_writes_the_paths_it_would_change(
    built_site: tuple[Settings, Path],
    output: Path,
    s3_url: str,
    bucket: str,
    shim: FakeShim,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LECTERN_DELIVER_TOKEN", "s3cret")
    paths_file = tmp_path / "changed.txt"
    args = publish_args(built_site[0], output, s3_url, bucket, shim)

    assert main([*args, "--dry-run", "--changed-paths", str(paths_file)]) == 0

    assert shim.requests == []
    paths = paths_file.read_text(encoding="utf-8").splitlines()
    assert "/" in paths and "/index.html" in paths and "/ap/actors/library.json" in paths
    out = capsys.readouterr().out
    assert "upload  index.html  (new)" in out
    assert "Nothing was changed." in out
    assert "Delivery" not in out
