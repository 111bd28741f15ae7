"""Lectern's one settings file: Pelican reads it, and so do `lectern` and the federation shim.

Environment variables override the deployment values (see lectern/settings.py): LECTERN_SITE_URL,
LECTERN_INSTANCE_DIR, LECTERN_PUBLIC_KEY(_FILE), LECTERN_ALLOW_PRIVATE_ADDRESSES.
"""

SITENAME = "Open Classroom Library"
SITEURL = "http://127.0.0.1:8000"
PATH = "content"
OUTPUT_PATH = "output"
THEME = "themes/lectern"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
PLUGINS = ["lectern.generator"]
IGNORE_FILES = [".#*", "collection.md"]
ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"

# Lectern's own options (all optional; these are the defaults unless noted).
LECTERN = {
    # The site-wide account that boosts every resource: @library@your.site
    "SITE_ACTOR": "library",
    # Resources per outbox page.
    "OUTBOX_PAGE_SIZE": 20,
    # Let Mastodon list the actors in its directory and index their posts for search.
    "DISCOVERABLE": True,
    "INDEXABLE": True,
    # Followers collections show only a count by default (classroom privacy); True lists the followers.
    "SHOW_FOLLOWERS": False,
    # Servers whose requests are refused and whose follows are rejected.
    "BLOCKED_DOMAINS": [],
    # Where the key pair and the shim's state live (outside git).
    "INSTANCE_DIR": "instance",
}
