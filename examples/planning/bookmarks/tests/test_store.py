from bookmarks import BookmarkStore


def test_save_and_list() -> None:
    store = BookmarkStore()
    store.save("https://example.com", "Example")
    assert [b.title for b in store.all()] == ["Example"]


def test_title_defaults_to_url() -> None:
    assert BookmarkStore().save("https://example.org", "").title == "https://example.org"
