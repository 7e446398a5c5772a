"""Formatters change a document's text and never drop it."""
