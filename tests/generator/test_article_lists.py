"""ArticleList: a list whose `in` is a set lookup, and still answers like a list after any change."""

from __future__ import annotations

from lectern.generator.article_lists import ArticleList


class Article:  # like Pelican's articles: no __eq__, compared by identity
    pass


def test_in_finds_the_articles_appended_and_only_those() -> None:
    articles = [Article() for _ in range(5)]
    listed = ArticleList()
    for article in articles[:3]:
        listed.append(article)
    assert [a in listed for a in articles] == [True, True, True, False, False]
    assert list(listed) == articles[:3]


def test_in_follows_changes_made_other_than_by_append() -> None:
    articles = [Article() for _ in range(4)]
    listed = ArticleList(articles[:2])
    listed.extend(articles[2:3])
    listed.remove(articles[0])
    listed[0] = articles[3]
    assert [a in listed for a in articles] == [a in list(listed) for a in articles] == [False, False, True, True]


def test_in_follows_changes_after_it_was_asked() -> None:
    first, second = Article(), Article()
    listed = ArticleList([first])
    assert second not in listed
    listed += [second]
    assert second in listed
    listed.pop(0)
    assert first not in listed
