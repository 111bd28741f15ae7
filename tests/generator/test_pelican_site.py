"""An existing Pelican blog adds Lectern with one line in PLUGINS: Pelican itself builds it, the blog stays Pelican's
(its posts, its page, its theme), and Lectern adds its collection, written with Lectern's theme."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pelican import Pelican
from pelican.settings import read_settings

from lectern.build import build_site
from lectern.errors import SettingsError
from lectern.generator.content_loader import load_site
from lectern.generator.pelican_settings import PLUGIN
from lectern.generator.pelican_site import CollectionProblems
from lectern.init_site import init_site
from lectern.resources import site_template
from lectern.settings import load_settings

POSTS = {
    "hello-world": "Title: Hello world\nDate: 2025-01-05 10:00\nCategory: News\n\nMy first post.\n",
    "second-post": "Title: Second post\nDate: 2025-02-05\nCategory: Notes\n\nAnother post, at the top of content/.\n",
}


def blog(folder: Path, site_url: str = "", lectern: str = "{}") -> Path:
    """A Pelican blog as `pelican-quickstart` makes one, with Pelican's default theme, two posts (one in a folder,
    one at the top of content/), a page, and Lectern's example collection beside them."""
    content = folder / "content"
    (content / "posts").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "posts" / "hello-world.md").write_text(POSTS["hello-world"], encoding="utf-8")
    (content / "second-post.md").write_text(POSTS["second-post"], encoding="utf-8")
    (content / "pages" / "about.md").write_text("Title: About\n\nWho writes this blog.\n", encoding="utf-8")
    shutil.copytree(site_template() / "content" / "fractions", content / "fractions")
    (folder / "pelicanconf.py").write_text(
        f'AUTHOR = "Ada"\nSITENAME = "Ada\'s blog"\nSITEURL = "{site_url}"\nPATH = "content"\n'
        f'TIMEZONE = "UTC"\nDEFAULT_LANG = "en"\nPLUGINS = ["{PLUGIN}"]\nLECTERN = {lectern}\n',
        encoding="utf-8",
    )
    return folder


def run_pelican(site: Path) -> Path:
    settings = read_settings(str(site / "pelicanconf.py"))
    Pelican(settings).run()
    return Path(settings["OUTPUT_PATH"])


@pytest.fixture(scope="module")
def built_blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_pelican(blog(tmp_path_factory.mktemp("blog")))


def test_the_blog_posts_and_page_are_built_by_pelican_with_its_own_theme(built_blog: Path) -> None:
    for name, source in POSTS.items():
        html = (built_blog / f"{name}.html").read_text(encoding="utf-8")
        assert "/theme/css/main.css" in html  # notmyidea, Pelican's default theme
        assert source.splitlines()[-1] in html
    assert "Who writes this blog." in (built_blog / "pages" / "about.html").read_text(encoding="utf-8")
    home = (built_blog / "index.html").read_text(encoding="utf-8")
    assert "Hello world" in home and "/theme/css/main.css" in home
    assert (built_blog / "category" / "news.html").is_file()
    feed = (built_blog / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    assert "Hello world" in feed and "Fraction strip wall" not in feed


def test_the_collection_is_written_with_lecterns_theme(built_blog: Path) -> None:
    page = (built_blog / "fractions" / "index.html").read_text(encoding="utf-8")
    assert "Teaching fractions" in page and "/theme/lectern." in page and "/theme/css/main.css" not in page
    resource = (built_blog / "fractions" / "fraction-strips" / "index.html").read_text(encoding="utf-8")
    assert "Fraction strip wall" in resource and "/theme/lectern." in resource
    assert (built_blog / "fractions" / "openstax-prealgebra-fractions" / "index.html").is_file()
    assert (built_blog / "fractions" / "files" / "fraction-strips.svg").is_file()
    assert list((built_blog / "theme").glob("lectern.*.css"))


def test_the_collection_federates_at_the_address_pelican_listen_serves(built_blog: Path) -> None:
    actor = json.loads((built_blog / "ap" / "actors" / "fractions.json").read_text(encoding="utf-8"))
    assert actor["type"] == "Group" and actor["id"] == "http://127.0.0.1:8000/ap/actors/fractions.json"
    webfinger = (built_blog / "ap" / "webfinger.json").read_text(encoding="utf-8")
    assert "fractions" in webfinger and "hello-world" not in webfinger
    objects = sorted(p.name for p in (built_blog / "ap" / "objects" / "fractions").iterdir())
    assert objects == ["fraction-strips.json", "openstax-prealgebra-fractions.json"]
    assert not (built_blog / "ap" / "objects" / "news").exists()
    assert (built_blog / "ap" / "manifest.json").is_file()


def test_the_blog_posts_are_not_lectern_resources(built_blog: Path) -> None:
    """Pelican did not read the collection as blog posts, and Lectern did not read the posts as resources."""
    assert not (built_blog / "fractions" / "fraction-strips.html").exists()
    assert not (built_blog / "fraction-strip-wall-printable-diagram.html").exists()
    assert not (built_blog / "news" / "hello-world").exists()


def test_a_content_problem_in_a_collection_stops_pelican_before_it_writes(tmp_path: Path) -> None:
    site = blog(tmp_path / "blog")
    resource = site / "content" / "fractions" / "fraction-strips.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace("CC-BY-4.0", "CC-BY-5.0"), encoding="utf-8")
    with pytest.raises(CollectionProblems) as raised:
        run_pelican(site)
    assert "content/fractions/fraction-strips.md:5: license: 'CC-BY-5.0'" in str(raised.value)
    assert not (site / "output").exists()


def test_a_site_url_lectern_cannot_use_is_one_line_naming_siteurl(tmp_path: Path) -> None:
    site = blog(tmp_path / "blog", site_url="https://ada.example/blog")
    with pytest.raises(SettingsError) as raised:
        run_pelican(site)
    assert "SITEURL" in str(raised.value) and "\n" not in str(raised.value)


def test_the_collections_can_be_listed_in_the_settings(tmp_path: Path) -> None:
    site = blog(tmp_path / "blog", site_url="https://ada.example", lectern="{'COLLECTIONS': ['fractions']}")
    output = run_pelican(site)
    actor = json.loads((output / "ap" / "actors" / "fractions.json").read_text(encoding="utf-8"))
    assert actor["id"] == "https://ada.example/ap/actors/fractions.json"
    assert (output / "hello-world.html").is_file()


def test_a_listed_collection_without_collection_md_is_a_problem(tmp_path: Path) -> None:
    site = blog(tmp_path / "blog")
    (site / "content" / "posts" / "collection.md").unlink(missing_ok=True)
    _site, problems = load_site(site / "content", ZoneInfo("UTC"), folders=frozenset({"fractions", "posts"}))
    assert [(p.path, p.field) for p in problems] == [("content/posts", "collection")]
    assert "LECTERN['COLLECTIONS'] names posts/" in problems[0].what


def test_a_lectern_build_after_a_pelican_site_in_the_same_process_is_still_lecterns(
    built_blog: Path, tmp_path: Path
) -> None:
    """Pelican's signals outlive a run: each receiver must know which kind of run it is in."""
    site = init_site(tmp_path / "library").folder
    settings = load_settings(site / "pelicanconf.py")
    report = build_site(settings)
    assert report.resources == 2
    home = (settings.output_dir / "index.html").read_text(encoding="utf-8")
    assert "Teaching fractions" in home and "/theme/lectern." in home
    assert (settings.output_dir / "fractions" / "fraction-strips" / "index.html").is_file()


def test_each_run_of_the_same_pelican_reads_the_collections_again(tmp_path: Path) -> None:
    """What `pelican --autoreload` does: one Pelican, run again after each change."""
    site = blog(tmp_path / "blog")
    pelican = Pelican(read_settings(str(site / "pelicanconf.py")))
    pelican.run()
    resource = site / "content" / "fractions" / "fraction-strips.md"
    text = resource.read_text(encoding="utf-8")
    resource.write_text(text.replace("title: Fraction strip wall", "title: Fraction wall"), encoding="utf-8")
    pelican.run()
    page = (Path(pelican.output_path) / "fractions" / "fraction-strips" / "index.html").read_text(encoding="utf-8")
    assert "Fraction wall (printable diagram)" in page and "Fraction strip wall" not in page


def test_a_file_the_site_wrote_is_kept_and_named_in_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A blog category named like a collection: both want feeds/fractions.atom.xml, and the blog's stays."""
    site = blog(tmp_path / "blog")
    post = "Title: Halves and quarters\nDate: 2025-03-01\nCategory: Fractions\n\nA post about fractions.\n"
    (site / "content" / "posts" / "halves.md").write_text(post, encoding="utf-8")
    output = run_pelican(site)
    feed = (output / "feeds" / "fractions.atom.xml").read_text(encoding="utf-8")
    assert "Halves and quarters" in feed and "Fraction strip wall" not in feed
    assert "Lectern did not write feeds/fractions.atom.xml: the site itself wrote a file there" in caplog.text


def test_the_pelican_command_builds_the_blog_and_the_collection(tmp_path: Path) -> None:
    site = blog(tmp_path / "blog", site_url="https://ada.example")
    done = pelican_command(site)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (site / "output" / "hello-world.html").is_file()
    assert (site / "output" / "fractions" / "fraction-strips" / "index.html").is_file()
    assert (site / "output" / "ap" / "actors" / "fractions.json").is_file()


def test_the_pelican_command_stops_on_a_collection_problem_and_names_it(tmp_path: Path) -> None:
    site = blog(tmp_path / "blog", site_url="https://ada.example")
    resource = site / "content" / "fractions" / "openstax-prealgebra-fractions.md"
    resource.write_text(resource.read_text(encoding="utf-8").replace("\nauthors:", "\nauthor:"), encoding="utf-8")
    done = pelican_command(site)
    assert done.returncode == 1
    assert "content/fractions/openstax-prealgebra-fractions.md" in done.stdout + done.stderr
    assert not (site / "output").exists()


def pelican_command(site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_collections_must_be_folders_directly_in_the_content_folder(tmp_path: Path) -> None:
    for number, listed in enumerate(("'fractions'", "['oer/fractions']", "['..']")):
        site = blog(tmp_path / f"blog-{number}", lectern=f"{{'COLLECTIONS': {listed}}}")
        with pytest.raises(SettingsError, match=r"LECTERN\['COLLECTIONS'\] must be a list"):
            run_pelican(site)
