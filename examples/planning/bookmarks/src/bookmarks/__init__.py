"""A tiny in-memory bookmark store."""

from bookmarks.store import Bookmark, BookmarkStore

__all__ = ["Bookmark", "BookmarkStore"]
