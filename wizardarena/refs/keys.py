"""Content addresses: the keys under which the store keeps answers and judgments."""

from __future__ import annotations

import hashlib
import json


def content_key(*parts: object) -> str:
    """A content address: sha256 of the canonical JSON of ``parts`` (first 32 hex digits).

    >>> content_key("a", 1) == content_key("a", 1) != content_key("a", 2)
    True
    """
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def short_digest(*parts: object, length: int = 12) -> str:
    """A short content digest (for ids people read: a judge id's suffix, a template digest)."""
    return content_key(*parts)[:length]
