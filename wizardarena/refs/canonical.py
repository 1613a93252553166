"""One spelling per model target: what :func:`wizardarena.refs.resolve_model` writes into a reference."""

from __future__ import annotations

from pathlib import Path

from wizardarena.errors import InputError

LOCAL_WEIGHTS = ("hf", "vllm")  # backends whose target may be a local folder of weights


def canonical_target(prefix: str, target: str, spec: str) -> str:
    """One spelling per target: local paths absolute (and checked), URLs without a trailing slash and
    with a lower-case scheme and host, Hub ids and names trimmed."""
    if prefix in LOCAL_WEIGHTS:
        return _local_or_hub(target, spec)
    if prefix == "openai":
        from wizardarena.backends.secrets import canonical_url, check_url

        check_url(target)  # before any message quotes the target: credentials never reach the terminal
        model, at, url = target.rpartition("@")
        if not at or not model.strip() or "://" not in url:
            raise InputError(f"{spec}: expected openai:MODEL@BASE_URL (e.g. openai:my-model@http://127.0.0.1:8000/v1)")
        return f"{model.strip()}@{canonical_url(url)}"
    if prefix == "answers":
        from wizardarena.packs import is_pack

        path, hash_sign, model = target.rpartition("#") if "#" in target else (target, "", "")
        path = path.strip().rstrip("/") or path
        if not is_pack(path):
            local = Path(path).expanduser()
            if not local.exists():
                raise InputError(f"{spec}: no such file or folder")
            path = str(local.resolve())
        return path + (f"#{model.strip()}" if hash_sign and model.strip() else "")
    return target.strip()


def _local_or_hub(target: str, spec: str) -> str:
    from wizardarena.backends.gguf import is_gguf, require_gguf_reader, shipped_file

    target = shipped_file(target, spec) or target
    if is_gguf(target):
        require_gguf_reader()
    local = Path(target).expanduser()
    looks_local = target.startswith(("/", ".", "~")) or target.count("/") > 1
    if local.exists():
        return str(local.resolve())
    if looks_local:
        raise InputError(f"{spec}: no such file or directory")
    return target.strip().strip("/")


def canonical_options(prefix: str, options: dict[str, object], target: str, spec: str) -> dict[str, object]:
    """Backend options spelt one way: an ``openai:`` spec's ``replicas`` as checked, canonical URLs
    joined by ',' (in the order given: it is the order requests go round)."""
    if prefix != "openai" or "replicas" not in options:
        return options
    from wizardarena.backends.secrets import endpoint_urls

    try:
        urls = endpoint_urls(target.rpartition("@")[2], str(options["replicas"]))
    except InputError as exc:
        raise InputError(f"{spec.partition('?')[0]}: {exc}") from None
    rest = {name: value for name, value in options.items() if name != "replicas"}
    return {**rest, "replicas": ",".join(urls[1:])} if len(urls) > 1 else rest
