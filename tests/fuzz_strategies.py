"""Hypothesis strategies for hostile requests to an inbox or a query endpoint, shared by the shim's and the index's
fuzz tests: bodies (arbitrary bytes, JSON of any shape, activities with hostile fields), Signature headers (cavage
and RFC 9421, well-formed in structure with hostile values, or arbitrary text), and query strings.

Header values are latin-1 text without CR/LF (what can travel in an HTTP/1.1 header at all)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

HOSTILE_URLS = [
    "http://127.0.0.1:99999/x",
    "http://[::1/x",
    "http://a..b/x",
    "http://\u00e9..b/x",
    "https://\u2488.example/u",
    "http://127.0.0.1:1/users/a#main-key",
    "http://localhost:1/users/a",
    "acct:a@b.example",
    "http://user@127.0.0.1:1/x",
    "javascript:alert(1)",
    "",
    "http://",
    "https://x.example/" + "a" * 3000,
]
HOSTILE_FRAGMENTS = ["\\ud800", "\\udfff", "\\u0000", "9" * 5000, "1e999", "-0", "[" * 200, '"\\', "\xed\xa0\x80"]

header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=120)
url_like = st.one_of(
    st.sampled_from(HOSTILE_URLS),
    st.builds(lambda host, path: f"http://{host}/{path}", header_text, header_text),
    st.text(max_size=60),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)
activity_types = st.sampled_from(["Follow", "Undo", "Delete", "Create", "Update", "Accept", "Reject", "Like"])


@st.composite
def activities(draw: st.DrawFn) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "id": draw(url_like),
        "type": draw(activity_types | st.text(max_size=20)),
        "actor": draw(url_like | json_values),
    }
    if draw(st.booleans()):
        activity["object"] = draw(
            url_like | json_values | st.fixed_dictionaries({"id": url_like, "type": activity_types})
        )
    if draw(st.booleans()):
        activity[draw(st.text(max_size=12))] = draw(json_values)
    return activity


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "json", "activity", "spliced"]))
    if kind == "bytes":
        return draw(st.binary(max_size=600))
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    text = json.dumps(draw(activities()))
    if kind == "spliced":  # a hostile fragment where a value or a character was
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(HOSTILE_FRAGMENTS)) + text[at:]
    return text.encode("utf-8", "surrogatepass")


@st.composite
def cavage_signatures(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 4)) == 0:
        return draw(header_text)
    params = {
        "keyId": draw(
            url_like.filter(
                lambda u: '"' not in u and "\\" not in u and u.isprintable() and max(map(ord, u), default=0) < 256
            )
        ),
        "algorithm": draw(st.sampled_from(["rsa-sha256", "hs2019", "ed25519", "RSA-SHA256", ""]) | header_text),
        "headers": " ".join(
            draw(
                st.lists(
                    st.sampled_from(["(request-target)", "host", "date", "digest", "(created)", "(expires)", "x"]),
                    max_size=6,
                )
            )
        ),
        "signature": draw(st.sampled_from(["éAAAA", "AAAA", "QUJD", "", "=" * 10]) | header_text),
    }
    if draw(st.booleans()):
        params["created"] = draw(st.sampled_from(["\u00b2", "1e400", "nan", "-1", "9" * 40]) | header_text)
    parts = [f'{name}="{value}"' for name, value in params.items() if '"' not in value and "\\" not in value]
    return ",".join(draw(st.permutations(parts)))


@st.composite
def rfc9421_headers(draw: st.DrawFn) -> dict[str, str]:
    components = draw(
        st.lists(
            st.sampled_from(['"@method"', '"@target-uri"', '"content-digest"', '"date"', '"@x"', "@y"]), max_size=5
        )
    )
    params = draw(
        st.lists(
            st.sampled_from(
                ['created=\u00b2', "created=1", "created=99999999999999", 'keyid="http://a..b/x"', "keyid=1",
                 'keyid="http://127.0.0.1:1/k"', 'alg="rsa-v1_5-sha256"', "expires=-5", 'alg="x"']
            ),
            max_size=4,
        )
    )  # fmt: skip
    label = draw(st.sampled_from(["sig1", "x", "é"]))
    signature_input = f"{label}=({' '.join(components)})" + "".join(f";{p}" for p in params)
    return {
        "Signature-Input": draw(st.just(signature_input) | header_text),
        "Signature": draw(st.sampled_from([f"{label}=:AAAA:", f"{label}=:éAAAA:", "sig1=()", ""]) | header_text),
        "Content-Digest": draw(
            st.sampled_from(["sha-256=:AAAA:", "sha-256=:not b64:", "((", "sha-512=1"]) | header_text
        ),
    }


@st.composite
def signed_headers(draw: st.DrawFn) -> dict[str, str]:
    """Headers of an inbox POST: a JSON content type (mostly), a Date, a Digest, and a cavage or RFC 9421 signature."""
    headers = {
        "Content-Type": draw(
            st.sampled_from(["application/activity+json", "application/ld+json", "application/json", "text/plain"])
        ),
        "Date": draw(st.sampled_from(["Mon, 30 Nov 2026 14:00:00 GMT", "yesterday", ""]) | header_text),
        "Digest": draw(st.sampled_from(["SHA-256=éAAAA", "SHA-256=AAAA", "MD5=x", "SHA-256"]) | header_text),
    }
    if draw(st.booleans()):
        headers["Signature"] = draw(cavage_signatures())
    else:
        headers |= draw(rfc9421_headers())
    return headers
