"""Ask the shim to deliver: `POST {shim_url}/_lectern/deliver` with `Authorization: Bearer <token>`.

Publish calls this only after every file is uploaded, so followers' servers that fetch what an activity points to
find it live. The shim decides what is new (delivery is idempotent: activities are deduplicated by id), so calling
it again after a publish that changed nothing is harmless, and is how a failed trigger is retried.

The shim answers 202 with `{"status": "queued", "activities": n, "deliveries": m, "first_run": bool}`, and refusals
with `{"status": "error", "reason": ..., "detail": ...}` (federation_shim/app.py); both are summed up in one line.

The token goes only over https, or plain http to a loopback address (a shim on the same machine, tests). Redirects
are not followed, so the token is never sent to another address than the one configured.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from lectern.publish.errors import DeliveryTriggerFailed

DELIVER_PATH = "/_lectern/deliver"
TOKEN_ENV = "LECTERN_DELIVER_TOKEN"
TIMEOUT = 10.0


@dataclass(frozen=True)
class TriggerResult:
    url: str
    status: int
    body: str

    @property
    def summary(self) -> str:
        """What the shim said, in a few words: how much it queued, or its body as it came."""
        answer = _json(self.body)
        if answer.get("status") != "queued":
            return self.body[:200]
        if answer.get("first_run"):
            return "first run: the resources already published are recorded, followers hear of changes from now on"
        return f"queued {answer.get('activities', 0)} activities as {answer.get('deliveries', 0)} deliveries"


def _json(body: str) -> dict[str, object]:
    try:
        document = json.loads(body)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def deliver_url(shim_url: str) -> str:
    parts = urlsplit(shim_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DeliveryTriggerFailed(f"--shim-url {shim_url!r} is not an address such as https://oer.example.edu")
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        raise DeliveryTriggerFailed(
            f"refusing to send the delivery token over plain http to {parts.netloc}: use an https --shim-url"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}{DELIVER_PATH}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def trigger_delivery(shim_url: str, token: str, timeout: float = TIMEOUT) -> TriggerResult:
    """POST the trigger; returns the shim's answer (2xx). Raises DeliveryTriggerFailed with one line to act on."""
    url = deliver_url(shim_url)
    request = urllib.request.Request(
        url,
        data=b"",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "User-Agent": "lectern-publish", "Content-Length": "0"},
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(2000).decode("utf-8", "replace")
            return TriggerResult(url, response.status, " ".join(body.split()))
    except urllib.error.HTTPError as error:
        detail = str(_json(error.read(2000).decode("utf-8", "replace")).get("detail", "")).rstrip(".")
        raise DeliveryTriggerFailed(_status_message(url, error.code, error.headers.get("Location"), detail)) from None
    except TimeoutError:
        raise DeliveryTriggerFailed(
            f"the shim at {url} did not answer within {timeout:g} s: check that it runs, then run lectern publish again"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryTriggerFailed(
            f"cannot reach the shim at {url} ({reason}): check --shim-url and that the shim runs, "
            "then run lectern publish again"
        ) from None


def _status_message(url: str, status: int, location: str | None, detail: str) -> str:
    if status == 401:
        return (
            f"the shim at {url} refused the delivery token (HTTP 401): set {TOKEN_ENV} to the token the shim "
            "was started with"
        )
    if status == 403:
        return (
            f"the shim at {url} refused the trigger (HTTP 403{': ' + detail if detail else ''}): set {TOKEN_ENV} "
            "where the shim runs, and the same token here"
        )
    if status == 404:
        return f"the shim at {url} has no delivery endpoint (HTTP 404): check --shim-url, or update the shim"
    if 300 <= status < 400:
        return f"the shim at {url} redirects to {location} (HTTP {status}): pass that address as --shim-url"
    said = f" ({detail})" if detail else ""
    return f"the shim at {url} answered HTTP {status}{said}: see its log, then run lectern publish again"
