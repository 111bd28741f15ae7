"""The settings of this Lectern site. `lectern` reads this file (and so does Pelican, the site builder it uses).

Lectern writes its pages with its own built-in theme; you do not need to set THEME.
Deployment values can come from the environment instead (see the README): LECTERN_SITE_URL, LECTERN_INSTANCE_DIR,
LECTERN_PUBLIC_KEY, LECTERN_PUBLIC_KEY_FILE, LECTERN_DATABASE_URL.
"""

# The site's name, shown at the top of every page and as the name of the site's Fediverse account.
SITENAME = "My open library"

# The public address of the site, without a path: "https://oer.example.edu". Every ActivityPub id is built from it,
# so choose it once and keep it. `lectern serve` on your computer uses http://127.0.0.1:8000 (or --port).
SITEURL = "http://127.0.0.1:8000"

# The time zone of the dates you write in `added:` and `updated:`, e.g. "Europe/Madrid", "America/Chicago".
TIMEZONE = "UTC"

# The site's main language, as a language tag: "en", "es", "fr", "pt-BR".
DEFAULT_LANG = "en"

# Where the collections are (one folder per collection) and where the built site goes.
PATH = "content"
OUTPUT_PATH = "output"

# Lectern's own options. Every one is optional: these are the defaults.
LECTERN = {
    # The site-wide Fediverse account that posts every resource: @library@your.site
    "SITE_ACTOR": "library",
    # One sentence about the site, shown on that account's profile.
    "SITE_ACTOR_SUMMARY": "",
    # How many resources each page of an account's outbox holds.
    "OUTBOX_PAGE_SIZE": 20,
    # Let Mastodon list the site's accounts in its directory (DISCOVERABLE) and find their posts in search (INDEXABLE).
    "DISCOVERABLE": True,
    "INDEXABLE": True,
    # False: the list of an account's followers shows only how many there are (privacy for students); True: who.
    "SHOW_FOLLOWERS": False,
    # Servers whose requests are refused and whose follows are rejected, e.g. ["spam.example"].
    "BLOCKED_DOMAINS": [],
    # The folder with the site's key pair and its list of followers. Keep it out of git, and back it up.
    "INSTANCE_DIR": "instance",
    # Where the shim keeps followers and its delivery queue: None for a SQLite file in INSTANCE_DIR (one machine), or
    # "postgresql://user:password@host/database" for several processes on one database (docs/scaling.md).
    # Better set as LECTERN_DATABASE_URL in the environment, so the password stays out of git.
    "DATABASE_URL": None,
}
