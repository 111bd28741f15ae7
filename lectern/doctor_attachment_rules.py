"""The rule for a Note's `attachment`: where Lemmy takes a post's link from and what Pixelfed requires.

A pure function `(Document, SiteView) -> list[Problem]` whose docstring names the server code it mirrors.
"""

from __future__ import annotations

from typing import Any

from lectern.doctor_model import Document, Problem, SiteView, as_list

MEDIA_ATTACHMENTS_LIMIT = 4  # Mastodon's Status::MEDIA_ATTACHMENTS_LIMIT


def material_in_attachments(doc: Document, site: SiteView) -> list[Problem]:
    """The Note carries its material in `attachment`: hosted files as `Document` (`mediaType`, `url`, `name`),
    external material as `Link` (`href`); at most 4 are shown by Mastodon (a warning beyond).

    Pixelfed: app/Util/ActivityPub/Inbox.php, `handleCreateActivity` returns unless `verifyNoteAttachment()` and
    handles only a Note with a non-empty `attachment`. Lemmy: crates/apub/objects/src/objects/post.rs, `from_json`
    takes the post's link from `page.attachment.first()` only; crates/apub/objects/src/protocol/page.rs `Attachment`
    is `Link { href }`, `Image { url }` or `Document { url, media_type, name }`. Mastodon:
    app/lib/activitypub/activity/create.rb `process_attachments` skips one without `url` and keeps
    `Status::MEDIA_ATTACHMENTS_LIMIT` (4, app/models/status.rb).
    """
    attachments = as_list(doc.json.get("attachment"))
    if not attachments:
        return [
            Problem(
                doc.path,
                "attachment",
                "the Note has no attachment: Pixelfed drops it and Lemmy shows a post without its link",
                "attach the material: a Link with `href` for the link, a Document for each hosted file",
            )
        ]
    problems = [problem for item in attachments for problem in _attachment_problems(doc, item, site)]
    if len(attachments) > MEDIA_ATTACHMENTS_LIMIT:
        problems.append(
            Problem(
                doc.path,
                "attachment",
                f"{len(attachments)} attachments; Mastodon keeps the first {MEDIA_ATTACHMENTS_LIMIT}",
                "put the most useful material first, or host fewer files per resource",
                warning=True,
            )
        )
    return problems


def _attachment_problems(doc: Document, item: Any, site: SiteView) -> list[Problem]:
    if not isinstance(item, dict):
        return [Problem(doc.path, "attachment", f"{item!r} is not an object", "attach a Link or a Document")]
    kind = item.get("type")
    if kind == "Link":
        if not isinstance(item.get("href"), str) or not item["href"]:
            return [Problem(doc.path, "attachment", "a Link attachment has no href", "give it the material's URL")]
        return []
    if kind in ("Document", "Image"):
        missing = [key for key in ("mediaType", "url", "name") if not item.get(key)]
        if missing:
            return [
                Problem(
                    doc.path,
                    "attachment",
                    f"a {kind} attachment has no {', '.join(missing)}",
                    "give every hosted file its mediaType, url and a name (the alt text Lemmy and Mastodon show)",
                )
            ]
        url = item["url"]
        if isinstance(url, str) and site.is_local(url) and not site.exists(url):
            return [Problem(doc.path, "attachment", f"{url} does not exist", "host the file or remove it")]
        return []
    return [
        Problem(
            doc.path,
            "attachment",
            f"an attachment of type {kind!r} is neither a Link nor a Document",
            "use Link (href) for a link and Document (mediaType, url, name) for a hosted file",
        )
    ]
