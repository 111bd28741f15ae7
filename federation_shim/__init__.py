"""Lectern's federation shim: WebFinger, inboxes and signed delivery for a static site.

The modules here that carry the security core (``digests``, ``http_signatures``, ``cavage``,
``rfc9421``, ``remote_fetch``, ``key_cache``) import no web framework, so a delivery worker or an
index service can use them as well as the Starlette app.
"""
