"""fonderie: an open toolchain from raw text to a clean, deduplicated, tokenized, published training corpus."""

__version__ = "0.1.0"
