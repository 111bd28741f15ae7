"""The tag pages of a Lectern build, written by Lectern's generator instead of Pelican's articles generator.

Pelican's articles generator writes a page per tag, and for each one first picks the tag's articles out of all the
articles by date (its `dates`): a test of every article for every tag, a million and a half on a site of 5,000
resources and 300 tags, a tenth of a rebuild after one edit. In a Lectern build that step is dropped
(`generator.article_lists`) and `write_tag_pages` writes the same pages with the same template and the same values a
tag template is given by Pelican (`tag`, `url`, `articles`, `dates`, `template_name`, `blog`, `page_name`,
`all_articles`), in the same order: the tag's `dates` are its articles ordered by their place among all the articles
by date, each once, which is what Pelican's test picks. `tests/generator/test_tag_pages.py` compares the pages with
those Pelican's own step writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pelican.writers import FileOverwriteFailedError

__all__ = ["tag_dates", "write_tag_pages"]

logger = logging.getLogger(__name__)


def tag_dates(tags: Sequence[tuple[Any, Sequence[Any]]], dates: Sequence[Any]) -> Iterator[tuple[Any, Any, list[Any]]]:
    """Each tag, its articles, and those articles in the order of `dates` (all the articles by date), each once."""
    place = {id(article): number for number, article in enumerate(dates)}
    for tag, articles in tags:
        once = {id(article): article for article in articles if id(article) in place}
        yield tag, articles, sorted(once.values(), key=lambda article: place[id(article)])


def write_tag_pages(writer: Any, template: Any, context: dict[str, Any], settings: dict[str, Any]) -> None:
    """Write every tag's page through `writer` with the theme's tag `template`, as Pelican would."""
    write: Callable[..., Any] = writer.write_file
    for tag, articles, dates in tag_dates(context.get("tags", []), context.get("dates", [])):
        try:
            write(
                tag.save_as,
                template,
                context,
                relative_urls=settings["RELATIVE_URLS"],
                tag=tag,
                url=tag.url,
                articles=articles,
                dates=dates,
                template_name="tag",
                blog=True,
                page_name=tag.page_name,
                all_articles=context.get("articles", []),
            )
        except FileOverwriteFailedError:
            if tag.slug:
                raise
            logger.info('Tag "%s" has an invalid slug; its page is not written.', tag)
