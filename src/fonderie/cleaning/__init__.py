"""Text cleaning that needs no pipeline: pure functions over one document's text (page furniture of books)."""
