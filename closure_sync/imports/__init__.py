"""Closures imported from the collection system's export (.xlsx, CSV): read, check each
line, preview, then store in one transaction (docs/closure-import.md)."""

from . import codes  # noqa: F401  (registers the import's refusal codes)
