"""Keeping credentials out of URLs, messages and headers, and one spelling per server URL (for the
``openai:`` backend and the references that name its servers)."""

from __future__ import annotations

import os
import re
import urllib.parse
from typing import Sequence

from wizardarena.errors import InputError

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")


def redact(text: str) -> str:
    """``text`` with any ``user:password@`` of a URL replaced by ``***@``.

    >>> redact("cannot reach http://me:sk-123@host:8000/v1")
    'cannot reach http://***@host:8000/v1'
    """
    return _USERINFO.sub(r"\1***@", text)


def check_url(url: str) -> None:
    """Refuse a base URL that carries credentials (they would be printed and stored with the spec)."""
    if _USERINFO.search(url):
        raise InputError(f"{redact(url)}: put credentials in the API key variable (OPENAI_API_KEY or "
                         "?api_key_env=NAME), not in the URL")


def canonical_url(url: str) -> str:
    """One spelling of a server URL, checked for credentials first: lower-case scheme and host, no
    trailing slash, no query or fragment.

    >>> canonical_url(" HTTP://Judge-1:8000/v1/ ")
    'http://judge-1:8000/v1'
    """
    check_url(url)
    parts = urllib.parse.urlsplit(url.strip())
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def read_api_key(variable: str) -> str | None:
    """The API key in ``variable``, stripped; a key with other whitespace or control characters inside is
    refused without ever printing it (an HTTP header cannot carry it)."""
    key = (os.environ.get(variable) or "").strip()
    if any(ord(c) < 33 or ord(c) == 127 for c in key):
        raise InputError(f"{variable} holds whitespace or control characters inside the key; fix the variable")
    return key or None


def endpoint_urls(base_url: str, replicas: str | Sequence[str] = ()) -> tuple[str, ...]:
    """The base URL and its replicas (a comma-separated string or a list), each checked and spelt
    canonically; a replica that is not an http(s) URL, or a URL given twice, is refused.

    >>> endpoint_urls("http://h1:8000/v1", "http://H2:8000/v1/, http://h3:8000/v1")
    ('http://h1:8000/v1', 'http://h2:8000/v1', 'http://h3:8000/v1')
    """
    listed = replicas.split(",") if isinstance(replicas, str) else list(replicas)
    urls = [canonical_url(base_url)]
    for replica in filter(None, (str(r).strip() for r in listed)):
        url = canonical_url(replica)
        if not url.startswith(("http://", "https://")):
            raise InputError(f"replica {url!r} is not a server URL (expected http://HOST:PORT/v1)")
        if url in urls:
            raise InputError(f"replica {url} is given twice (or is the base URL)")
        urls.append(url)
    return tuple(urls)
