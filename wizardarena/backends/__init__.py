"""Model backends, one module each, loaded lazily by spec string (see :func:`load_model`)."""

from wizardarena.backends.base import BackendError, ChatModel, ChatRequest, Decoding, LogprobModel, Message

__all__ = ["BackendError", "ChatModel", "ChatRequest", "Decoding", "LogprobModel", "Message", "load_model"]


def load_model(spec: str, **options):
    """Build the backend named by ``spec`` (imports only that backend's module)."""
    from wizardarena.backends.registry import load_model as _load

    return _load(spec, **options)
