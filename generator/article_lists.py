"""Pelican's lists of a tag's, a category's and an author's articles, with `in` answered by a set.

For each tag (and category, and author) Pelican's ArticlesGenerator keeps a list of its articles, and before it
writes the tag's page it picks, from all the articles by date, those in that list: `article in articles`, a scan of
the list for each of the site's articles. On a site of 5,000 resources and 300 tags that is millions of comparisons,
half a second of every build, also for the categories and authors whose pages a Lectern build does not write.
`ArticleList` is a `list` (the templates see the same articles in the same order) whose `in` looks the article up
in a set of the identities of its items. Pelican's articles have no `__eq__`, so identity is what the list's own
`in` compares; the set is made at the first `in`, kept as Pelican fills the list (`append`), and forgotten at any
other change of the list.

`use_article_lists` (signal `article_generator_pretaxonomy`, in a Lectern build) gives the generator these lists
before it sorts its articles into them, and drops the generator's steps that write the category and author pages
when the settings give those pages no place (`CATEGORY_SAVE_AS` and `AUTHOR_SAVE_AS` empty, as a Lectern build's
are): each step still picks every category's or author's articles from all the articles by date before handing the
writer a page it writes nowhere (a fifth of a second of a rebuild of 5,000 resources). It drops the step that
writes the tag pages too: Lectern's generator writes them (`generator.tag_pages`), without that picking.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lectern.generator.pelican_settings import is_lectern_build

__all__ = ["ArticleList", "use_article_lists"]


class ArticleList(list[Any]):
    """A list of articles whose `in` is a set lookup; see the module docstring."""

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self._ids: set[int] | None = None

    def append(self, item: Any) -> None:
        super().append(item)
        if self._ids is not None:
            self._ids.add(id(item))

    def __contains__(self, item: object) -> bool:
        if self._ids is None:
            self._ids = {id(each) for each in self}
        return id(item) in self._ids


def _forgetting(name: str) -> Any:
    """`list`'s method `name`, which changes the list, then forgets the set of its items."""
    change = getattr(list, name)

    def changed(self: ArticleList, *args: Any) -> Any:
        self._ids = None
        return change(self, *args)

    changed.__name__ = name
    return changed


for _name in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "extend", "insert", "remove", "pop", "clear"):
    setattr(ArticleList, _name, _forgetting(_name))


def use_article_lists(generator: Any) -> None:
    """Receiver for `article_generator_pretaxonomy`: the generator's tags, categories and authors hold
    `ArticleList`s."""
    if not is_lectern_build(generator.settings):
        return
    for name in ("tags", "categories", "authors"):
        lists = getattr(generator, name, None)
        if isinstance(lists, dict):
            setattr(generator, name, defaultdict(ArticleList, {key: ArticleList(v) for key, v in lists.items()}))
    for setting, step in (("CATEGORY_SAVE_AS", "generate_categories"), ("AUTHOR_SAVE_AS", "generate_authors")):
        if generator.settings.get(setting) == "" and callable(getattr(generator, step, None)):
            setattr(generator, step, _writes_nothing)
    if callable(getattr(generator, "generate_tags", None)):
        generator.generate_tags = _writes_nothing  # `generator.tag_pages` writes them


def _writes_nothing(write: Any) -> None:
    """A step of the articles generator whose pages have no place to be written, or are written elsewhere."""
