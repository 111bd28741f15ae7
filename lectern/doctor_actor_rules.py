"""Rules for an actor (the site actor, each collection), as Mastodon and Lemmy read it when someone follows it.

Each rule is a pure function `(Document, SiteView) -> list[Problem]` whose docstring names the server code it mirrors.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lectern.doctor_model import Document, Problem, SiteView, as_list, plain_text
from lectern.federation_shim import id_of

ACTOR_TYPES = ("Person", "Service", "Group", "Organization", "Application")
# Mastodon's Account::Avatar::AVATAR_IMAGE_MIME_TYPES and Account::Header::IMAGE_MIME_TYPES, with their extensions.
IMAGE_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
}
DISPLAY_NAME_LENGTH_LIMIT = 30  # Mastodon's Account::DISPLAY_NAME_LENGTH_LIMIT (its own accounts)
NOTE_LENGTH_LIMIT = 500  # Mastodon's Account::NOTE_LENGTH_LIMIT (its own accounts)


def raster_images(doc: Document, site: SiteView) -> list[Problem]:
    """`icon` (avatar) and `image` (header) are JPEG, PNG, GIF or WebP, their URL's extension says the same, and a
    file of this site exists; a missing one is a warning (followers see Mastodon's default picture).

    Mastodon: app/models/concerns/account/avatar.rb `validates_attachment_content_type :avatar, content_type:
    AVATAR_IMAGE_MIME_TYPES` and app/models/concerns/account/header.rb `IMAGE_MIME_TYPES` (image/jpeg, image/png,
    image/gif, image/webp): an SVG is refused and the account keeps no picture.
    """
    problems: list[Problem] = []
    for key, role in (("icon", "avatar"), ("image", "header")):
        values = as_list(doc.json.get(key))
        if not values:
            problems.append(
                Problem(
                    doc.path,
                    key,
                    f"the actor has no {key}: Mastodon shows its default {role}",
                    f"give it a PNG or JPEG {key}",
                    warning=True,
                )
            )
            continue
        image = values[0]  # Mastodon reads the first (`first_of_value`)
        url = image.get("url") if isinstance(image, dict) else image
        media_type = image.get("mediaType") if isinstance(image, dict) else None
        if not isinstance(url, str) or not url:
            problems.append(Problem(doc.path, key, f"the {key} has no url", f"give the {key} the image's URL"))
            continue
        if media_type not in IMAGE_TYPES:
            problems.append(
                Problem(
                    doc.path,
                    key,
                    f"the {key} is {media_type or 'of no stated type'}; Mastodon takes only JPEG, PNG, GIF or WebP "
                    f"as an {role}",
                    f"convert {url.rsplit('/', 1)[-1]} to PNG or JPEG",
                )
            )
            continue
        if not urlsplit(url).path.lower().endswith(IMAGE_TYPES[media_type]):
            problems.append(
                Problem(
                    doc.path,
                    key,
                    f"the {key} says {media_type} but its URL {url} ends otherwise",
                    "make the file name's extension match its type",
                )
            )
        if site.is_local(url) and not site.exists(url):
            problems.append(Problem(doc.path, key, f"{url} does not exist", "build the image, or fix the URL"))
    return problems


def key_owned_by_the_actor(doc: Document, site: SiteView) -> list[Problem]:
    """`publicKey` has `publicKeyPem`, its `owner` is the actor's id and its `id` is under the actor's id.

    Mastodon: app/services/activitypub/fetch_remote_key_service.rb, `confirmed_owner?` requires the owner's
    `publicKey` to be the key's id, and `owner_uri` comes from `owner`; a signature by a key that fails this is
    not verified, so every delivery is refused.
    """
    actor_id = doc.json.get("id")
    key = doc.json.get("publicKey")
    if not isinstance(key, dict) or not key.get("publicKeyPem"):
        return [
            Problem(doc.path, "publicKey", "the actor publishes no public key", "build with LECTERN_PUBLIC_KEY set")
        ]
    problems: list[Problem] = []
    if id_of(key.get("owner")) != actor_id:
        problems.append(
            Problem(doc.path, "publicKey", f"the key's owner is {key.get('owner')}, not {actor_id}", "set owner")
        )
    key_id = key.get("id")
    if not isinstance(key_id, str) or not isinstance(actor_id, str) or not key_id.startswith(actor_id):
        problems.append(
            Problem(
                doc.path,
                "publicKey",
                f"the key id {key_id} is not under the actor's id {actor_id}",
                "use <actor id>#main-key",
            )
        )
    return problems


def followable(doc: Document, site: SiteView) -> list[Problem]:
    """The actor has `preferredUsername`, `inbox`, `outbox` and `followers`.

    Mastodon: app/services/activitypub/process_account_service.rb returns at once when `inbox` is blank, and
    app/services/activitypub/fetch_remote_actor_service.rb raises "has no 'preferredUsername'". Lemmy:
    crates/apub/objects/src/protocol/person.rs and group.rs declare `preferred_username`, `inbox` and `outbox` without
    defaults (a Group's outbox is how Lemmy backfills a community).
    """
    missing = [key for key in ("preferredUsername", "inbox", "outbox", "followers") if not doc.json.get(key)]
    if missing:
        return [
            Problem(
                doc.path,
                "actor",
                f"the actor has no {', '.join(missing)}",
                "every actor needs them to be followed; rebuild, or report a bug in Lectern",
            )
        ]
    return []


def credits_the_site(doc: Document, site: SiteView) -> list[Problem]:
    """`attributionDomains` includes the site's host, so Mastodon credits the actor under link cards of its pages.

    Mastodon: app/services/fetch_link_card_service.rb sets the card's `author_account` only if
    `linked_account&.can_be_attributed_from?(domain)`; app/models/concerns/account/attribution_domains.rb compares
    the card's host (no port) and its parent domains with the actor's `attributionDomains`.
    """
    domains = [str(d).lower() for d in as_list(doc.json.get("attributionDomains"))]
    if site.hostname not in domains:
        return [
            Problem(
                doc.path,
                "attributionDomains",
                f"{site.hostname} is not in the actor's attributionDomains",
                "list the site's host so Mastodon shows 'More from' the actor under its link cards",
            )
        ]
    return []


def profile_lengths(doc: Document, site: SiteView) -> list[Problem]:
    """`name` at most 30 characters and `summary` at most 500: warnings, since Mastodon enforces these on its own
    accounts only and keeps a longer remote one (up to its hard limits) that its pages may cut short.

    Mastodon: app/models/account.rb `DISPLAY_NAME_LENGTH_LIMIT = 30`, `NOTE_LENGTH_LIMIT = 500` (validated
    `if: -> { local? ... }`), with `DISPLAY_NAME_LENGTH_HARD_LIMIT` and `NOTE_LENGTH_HARD_LIMIT` for remote accounts.
    """
    problems: list[Problem] = []
    name = doc.json.get("name")
    if isinstance(name, str) and len(name) > DISPLAY_NAME_LENGTH_LIMIT:
        problems.append(
            Problem(
                doc.path,
                "name",
                f"the display name is {len(name)} characters, more than Mastodon's {DISPLAY_NAME_LENGTH_LIMIT}",
                "shorten the collection's title (or SITENAME) so it shows whole",
                warning=True,
            )
        )
    summary = doc.json.get("summary")
    if isinstance(summary, str) and len(plain_text(summary)) > NOTE_LENGTH_LIMIT:
        problems.append(
            Problem(
                doc.path,
                "summary",
                f"the bio is {len(plain_text(summary))} characters, more than Mastodon's {NOTE_LENGTH_LIMIT}",
                "shorten the collection's summary",
                warning=True,
            )
        )
    return problems


ACTOR_RULES = (raster_images, key_owned_by_the_actor, followable, credits_the_site, profile_lengths)
