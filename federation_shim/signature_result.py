"""What checking an HTTP signature concluded, and the rules both signature schemes share.

Verification never raises for a bad request: it returns a :class:`VerificationResult` whose
``reason`` is one of :class:`Reason` (machine-readable, stable: log it, count it, map it to a
status) and whose ``detail`` is a sentence for the operator. One place in the app turns results
into HTTP responses (401 for most reasons, 503 when ``retryable``).

The time window follows Mastodon (``app/lib/signed_request.rb``, ``matches_time_window?``):
a signature is created at ``(created)``/``created`` or at the ``Date`` header; it expires at
``expires`` if given, else 5 minutes after creation, and never later than 12 hours after
creation (``EXPIRATION_WINDOW_LIMIT``). It is refused if created more than 1 hour in the future,
or if now is more than 1 hour (``CLOCK_SKEW_MARGIN``) past its expiry. So a plain ``Date`` is
accepted from 1 h 05 min in the past to 1 h in the future.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from .keys import PublicKey

__all__ = [
    "DEFAULT_POLICY",
    "PendingSignature",
    "Reason",
    "VerificationPolicy",
    "VerificationResult",
    "activity_actor_id",
    "check_signer_is_actor",
    "check_time_window",
    "http_status",
]


class Reason(StrEnum):
    """Why a request was accepted or refused. The values are part of our log/API vocabulary."""

    VERIFIED = "verified"
    NO_SIGNATURE = "no_signature"
    UNPARSABLE_SIGNATURE = "unparsable_signature"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    UNSUPPORTED_COMPONENT = "unsupported_component"
    REQUEST_TARGET_NOT_SIGNED = "request_target_not_signed"
    HOST_NOT_SIGNED = "host_not_signed"
    DATE_NOT_SIGNED = "date_not_signed"
    DIGEST_NOT_SIGNED = "digest_not_signed"
    SIGNED_HEADER_MISSING = "signed_header_missing"
    DIGEST_MISMATCH = "digest_mismatch"
    DIGEST_MALFORMED = "digest_malformed"
    DIGEST_UNSUPPORTED = "digest_unsupported"
    INVALID_DATE = "invalid_date"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    INVALID_KEY_ID = "invalid_key_id"
    KEY_FETCH_FAILED = "key_fetch_failed"
    KEY_FETCH_LIMITED = "key_fetch_limited"
    INVALID_SIGNATURE = "invalid_signature"
    SIGNER_IS_NOT_ACTOR = "signer_is_not_actor"


@dataclass(frozen=True)
class VerificationResult:
    """The verdict on one request.

    ``key_id`` is set as soon as the signature could be parsed; ``signer`` (the actor id owning
    the key) once the key was found. ``scheme`` is ``"cavage"`` or ``"rfc9421"`` when known.
    ``retryable`` is true when the failure was on our side of the network (key fetch timed out,
    remote 5xx, or we refused to fetch from that host again so soon), so answering 503 lets the sender retry;
    ``retry_after`` is then the number of seconds after which trying again makes sense, when known.
    """

    ok: bool
    reason: Reason
    detail: str
    key_id: str | None = None
    signer: str | None = None
    scheme: str | None = None
    retryable: bool = False
    retry_after: int | None = None

    @classmethod
    def failure(
        cls, reason: Reason, detail: str, *, key_id: str | None = None, scheme: str | None = None
    ) -> VerificationResult:
        return cls(False, reason, detail, key_id=key_id, scheme=scheme)


@dataclass(frozen=True)
class VerificationPolicy:
    """Knobs of verification. The defaults are Mastodon's; tests may tighten them."""

    clock_skew: timedelta = timedelta(hours=1)  # CLOCK_SKEW_MARGIN
    default_lifetime: timedelta = timedelta(minutes=5)  # when no expires is given
    max_lifetime: timedelta = timedelta(hours=12)  # EXPIRATION_WINDOW_LIMIT
    # Mastodon requires a signed Host only on GET, Akkoma on every method; so do we (False: Mastodon's rule).
    require_host_on_post: bool = True
    # Older Mastodon signed (request-target) without the query string; Mastodon still accepts
    # that. It means a query added to a signed request goes unnoticed; set False to refuse.
    accept_request_target_without_query: bool = True


DEFAULT_POLICY = VerificationPolicy()


@dataclass(frozen=True)
class PendingSignature:
    """A signature that passed every check but the cryptographic one, waiting for its key.

    ``check(public_key)`` returns None when the signature verifies with that key, else
    ``Reason.INVALID_SIGNATURE`` or ``Reason.UNSUPPORTED_ALGORITHM`` (key type does not fit).
    """

    scheme: str
    key_id: str
    check: Callable[[PublicKey], Reason | None]


def check_time_window(
    created: datetime, expires: datetime | None, now: datetime, policy: VerificationPolicy
) -> tuple[Reason, str] | None:
    """None if a signature created/expiring at these times is acceptable now, else why not."""
    if created > now + policy.clock_skew:
        ahead = created - now
        return Reason.NOT_YET_VALID, f"signature created {ahead} in the future (limit {policy.clock_skew})"
    effective = expires if expires is not None else created + policy.default_lifetime
    effective = min(effective, created + policy.max_lifetime)
    if now > effective + policy.clock_skew:
        return (
            Reason.EXPIRED,
            f"signature created {now - created} ago expired at {effective.isoformat()} "
            f"(allowed clock skew {policy.clock_skew})",
        )
    return None


def http_status(result: VerificationResult) -> int:
    """The HTTP status answering a refused request: 400 when the request itself is malformed in a way no key could
    change (a Digest or Content-Digest that is not a digest), 503 when trying again later may succeed, else 401."""
    if result.reason is Reason.DIGEST_MALFORMED:
        return 400
    return 503 if result.retryable else 401


def activity_actor_id(activity: Mapping[str, object]) -> str | None:
    """The ``actor`` of an activity, whether given as a string or as an object with an ``id``."""
    actor = activity.get("actor")
    if isinstance(actor, Mapping):
        actor = actor.get("id")
    return actor if isinstance(actor, str) else None


def check_signer_is_actor(result: VerificationResult, activity: Mapping[str, object]) -> VerificationResult:
    """Refuse a verified request whose key owner is not the activity's ``actor``.

    Verifying the signature proves who sent the request; this proves they speak for themselves.
    Forwarded activities (signed by someone else) fail here and must be checked another way,
    e.g. by fetching the object from its origin.
    """
    if not result.ok:
        return result
    actor = activity_actor_id(activity)
    if actor is None or actor != result.signer:
        return replace(
            result,
            ok=False,
            reason=Reason.SIGNER_IS_NOT_ACTOR,
            detail=f"request signed by {result.signer} but the activity's actor is {actor}",
        )
    return result
