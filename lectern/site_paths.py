"""Where everything of a Lectern site lives: the one URL layout the generator writes and the shim serves.

Every id is derived from the site URL and the collection and resource slugs, so it is stable across builds and
needs no content negotiation: HTML pages end in `/`, their ActivityPub twins live under `/ap/` and end in `.json`.
The inbox, shared inbox and followers paths are served by the shim; everything else is a static file.

    /<collection>/                              collection page (HTML)
    /<collection>/<slug>/                       resource page (HTML)
    /ap/actors/<name>.json                      actor (site actor or collection)
    /ap/actors/<name>/outbox.json               outbox, pages at /ap/actors/<name>/outbox/<n>.json
    /ap/actors/<name>/following.json            following (always empty)
    /ap/actors/<name>/inbox                     inbox (shim)
    /ap/actors/<name>/followers                 followers (shim)
    /ap/inbox                                   shared inbox (shim)
    /ap/objects/<collection>/<slug>.json        a resource as a Note (a re-added one: <slug>.<generation>.json)
    /ap/creates/<collection>/<slug>.json        its Create (by the collection)
    /ap/announces/<collection>/<slug>.json      the collection's Announce of the Note (for microblogs)
    /ap/pages/<collection>/<slug>.json          the resource as a Page, for FEP-1b12 groups (Lemmy)
    /ap/group-announces/<collection>/<slug>.json    the collection's Announce of the Page's Create (FEP-1b12)
    /ap/webfinger.json                          which acct: maps to which actor (read by the shim)
"""

from __future__ import annotations

from dataclasses import dataclass

ACTOR_PREFIX = "ap/actors/"
SHARED_INBOX_PATH = "/ap/inbox"
WEBFINGER_INDEX_FILE = "ap/webfinger.json"


@dataclass(frozen=True)
class SitePaths:
    """Absolute URLs (and output file names) of a site at `site_url` (no trailing slash)."""

    site_url: str

    def url(self, path: str) -> str:
        return f"{self.site_url}/{path.lstrip('/')}"

    # Actors and their collections
    def actor(self, name: str) -> str:
        return self.url(f"{ACTOR_PREFIX}{name}.json")

    def key_id(self, name: str) -> str:
        return f"{self.actor(name)}#main-key"

    def inbox(self, name: str) -> str:
        return self.url(f"{ACTOR_PREFIX}{name}/inbox")

    def followers(self, name: str) -> str:
        return self.url(f"{ACTOR_PREFIX}{name}/followers")

    def following(self, name: str) -> str:
        return self.url(f"{ACTOR_PREFIX}{name}/following.json")

    def outbox(self, name: str) -> str:
        return self.url(f"{ACTOR_PREFIX}{name}/outbox.json")

    def outbox_page(self, name: str, number: int) -> str:
        return self.url(f"{ACTOR_PREFIX}{name}/outbox/{number}.json")

    @property
    def shared_inbox(self) -> str:
        return self.url(SHARED_INBOX_PATH)

    # Resources: `generation` counts the times a key was published anew after a removal (see
    # generator.publication_history); the first keeps the plain ids, later ones end in `.<generation>.json`
    def object(self, key: str, generation: int = 1) -> str:
        return self.url(f"ap/objects/{_generation_path(key, generation)}")

    def create(self, key: str, generation: int = 1) -> str:
        return self.url(f"ap/creates/{_generation_path(key, generation)}")

    def announce(self, key: str, generation: int = 1) -> str:
        return self.url(f"ap/announces/{_generation_path(key, generation)}")

    def page(self, key: str, generation: int = 1) -> str:
        """The resource as a `Page`, the form FEP-1b12 groups (Lemmy) take a community post in."""
        return self.url(f"ap/pages/{_generation_path(key, generation)}")

    def page_of(self, object_id: str) -> str:
        """The Page twin of a resource's Note id (of any generation)."""
        return object_id.replace(self.url("ap/objects/"), self.url("ap/pages/"), 1)

    def group_announce(self, key: str, generation: int = 1) -> str:
        """The collection's Announce of the Create (FEP-1b12: a group shares its members' activities)."""
        return self.url(f"ap/group-announces/{_generation_path(key, generation)}")

    # HTML pages
    @property
    def home(self) -> str:
        return self.url("")

    def collection_page(self, slug: str) -> str:
        return self.url(f"{slug}/")

    def resource_page(self, key: str) -> str:
        return self.url(f"{key}/")

    def file(self, collection: str, name: str) -> str:
        return self.url(f"{collection}/files/{name}")

    def tag_page(self, tag: str) -> str:
        return self.url(f"tag/{tag.lower()}/")

    def output_file(self, url: str) -> str:
        """The path, relative to the output folder, of the static file behind one of our URLs."""
        if not url.startswith(self.site_url + "/"):
            raise ValueError(f"{url} is not on {self.site_url}")
        path = url[len(self.site_url) + 1 :]
        return path + "index.html" if path.endswith("/") or path == "" else path


def _generation_path(key: str, generation: int) -> str:
    return f"{key}.json" if generation == 1 else f"{key}.{generation}.json"
