"""Bookmarks kept in memory, in the order they were saved."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bookmark:
    """One saved link."""

    url: str
    title: str


class BookmarkStore:
    """Saves bookmarks and lists them back."""

    def __init__(self) -> None:
        self._items: list[Bookmark] = []

    def save(self, url: str, title: str) -> Bookmark:
        """Save ``url`` under ``title``; an empty URL is refused."""
        if not url:
            raise ValueError("a bookmark needs a URL")
        bookmark = Bookmark(url=url, title=title or url)
        self._items.append(bookmark)
        return bookmark

    def all(self) -> list[Bookmark]:
        """Every bookmark, oldest first."""
        return list(self._items)
