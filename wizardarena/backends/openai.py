"""``openai:MODEL@BASE_URL`` — any OpenAI-compatible chat server (vLLM, TGI, llama.cpp, OpenAI itself).

Standard library only: ``urllib`` for HTTP, a thread pool for at most ``max_concurrency`` requests in
flight per endpoint. ``replicas`` (other base URLs serving the same model) spread the requests: each goes
to the next endpoint in turn, and a retry goes to the one after. 429, 5xx, timeouts, connection errors
and replies cut short are retried up to ``max_retries`` times with seeded, jittered exponential backoff
(a ``Retry-After`` header is honoured), all within ``retry_budget`` seconds per request; any other 4xx
fails at once. The API key is read from the environment variable ``api_key_env`` and only ever sent as a
Bearer header: it is kept out of every message and repr, and scrubbed from server error text.
"""

from __future__ import annotations

import http.client
import itertools
import json
import queue
import random
import re
import threading
import time
import urllib.error
import urllib.request
from typing import Sequence

from wizardarena.backends.base import BackendError, ChatRequest, Decoding
from wizardarena.backends.candidates import candidate_token_ids
from wizardarena.backends.secrets import check_url, endpoint_urls, read_api_key, redact
from wizardarena.errors import InputError

# The secrets helpers lived here: they stay importable from this module.
__all__ = ["OpenAIModel", "check_url", "from_spec", "read_api_key", "redact"]

_SPEC = re.compile(r"^(?P<model>.+?)@(?P<url>https?://\S+)$")
_RETRY_STATUS = {429, 500, 502, 503, 504}
_TRANSIENT = (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException)


class OpenAIModel:
    """A client for ``POST {base_url}/chat/completions``; implements ``ChatModel`` and ``LogprobModel``.

    ``timeout`` bounds one HTTP attempt; ``retry_budget`` bounds one request's attempts and waits together
    (seconds), so a server that never answers costs at most that long per request. ``replicas``: more base
    URLs serving the same model (comma-separated or a list); ``max_concurrency`` applies to each endpoint."""

    def __init__(self, model: str, base_url: str, *, api_key_env: str = "OPENAI_API_KEY",
                 max_concurrency: int = 8, max_retries: int = 4, timeout: float = 60.0, retry_budget: float = 300.0,
                 backoff: float = 1.0, max_backoff: float = 60.0, retry_seed: int = 0,
                 replicas: str | Sequence[str] = ()):
        if max_concurrency < 1 or max_retries < 0 or not timeout > 0 or not retry_budget > 0:
            raise InputError("openai: max_concurrency >= 1, max_retries >= 0, timeout > 0 and retry_budget > 0")
        self.endpoints = endpoint_urls(base_url, replicas)
        self.model, self.base_url = model, self.endpoints[0]
        self.spec = f"openai:{model}@{self.base_url}"
        self.api_key_env = api_key_env
        self._api_key = read_api_key(api_key_env)
        self.max_concurrency, self.max_retries, self.timeout = max_concurrency, max_retries, timeout
        self.retry_budget, self.retry_seed = retry_budget, retry_seed
        self.backoff, self.max_backoff = backoff, max_backoff
        self._token_ids: dict[tuple, dict[str, list[int]]] = {}
        self._turns, self._turns_lock = itertools.count(), threading.Lock()

    def __repr__(self) -> str:
        return f"OpenAIModel({self.spec!r}, api_key_env={self.api_key_env!r})"

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def _post_once(self, body: bytes, timeout: float, url: str | None = None) -> dict:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(url or f"{self.base_url}/chat/completions", data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))

    def ping(self, timeout: float = 5.0) -> None:
        """Check every endpoint answers at all (GET /models); BackendError naming the first that does not.
        Any HTTP reply counts: the point is to fail before a run writes anything, not to vet the model."""
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        for endpoint in self.endpoints:
            request = urllib.request.Request(f"{endpoint}/models", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=timeout):
                    continue
            except urllib.error.HTTPError:
                continue
            except (*_TRANSIENT, OSError, ValueError) as exc:
                reason = redact(self._scrub(str(getattr(exc, "reason", exc))))
                what = "openai server" if endpoint == self.base_url else f"{self.spec}: replica"
                raise BackendError(f"{what} {endpoint} is unreachable ({reason})") from None

    def _first_endpoint(self) -> int:
        """The endpoint a new request starts at: the next in turn, whichever thread asks."""
        with self._turns_lock:
            return next(self._turns) % len(self.endpoints)

    def _server_message(self, error: urllib.error.HTTPError) -> str:
        try:
            raw = error.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            raw = ""
        finally:
            error.close()
        try:
            message = json.loads(raw)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = raw or error.reason
        message = " ".join(self._scrub(str(message)).split())
        return message if len(message) <= 300 else message[:300] + "..."

    def _delay(self, attempt: int, rng: random.Random, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff)
            except ValueError:
                pass  # an HTTP date instead of seconds: fall back to our own backoff
        return min(self.max_backoff, self.backoff * 2**attempt) * (0.5 + rng.random() / 2)

    def _post(self, payload: dict, index: int) -> dict:
        """POST with bounded retries and a time budget; ``index`` seeds the jitter so runs are reproducible.
        Each attempt goes to the next endpoint; the backoff pause is skipped while an endpoint not yet
        tried for this request remains (another server owes nothing to this one's trouble)."""
        body = json.dumps(payload).encode("utf-8")
        rng = random.Random(f"{self.retry_seed}:{index}")
        first, n_endpoints = self._first_endpoint(), len(self.endpoints)
        deadline = time.monotonic() + self.retry_budget
        attempts = 0
        for attempt in range(self.max_retries + 1):
            retry_after = None
            attempts += 1
            url = f"{self.endpoints[(first + attempt) % n_endpoints]}/chat/completions"
            try:
                return self._post_once(body, min(self.timeout, max(deadline - time.monotonic(), 0.1)), url)
            except urllib.error.HTTPError as exc:
                if exc.code not in _RETRY_STATUS:
                    message = self._server_message(exc)
                    raise BackendError(f"{self.spec}: HTTP {exc.code} from {url}: {message}") from None
                problem = f"HTTP {exc.code}: {self._server_message(exc)}"
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
            except _TRANSIENT as exc:
                reason = getattr(exc, "reason", None) or exc
                problem = type(reason).__name__ + (f": {self._scrub(str(reason))}" if str(reason) else "")
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                problem = f"invalid JSON ({type(exc).__name__})"  # a reply cut short: worth another try
            except (OSError, ValueError) as exc:  # never its text: it may quote a header
                problem = type(exc).__name__
            wrapped = attempt + 1 - n_endpoints  # >= 0 once the next attempt goes back to a tried endpoint
            pause = self._delay(wrapped, rng, retry_after) if wrapped >= 0 else 0.0
            if attempt == self.max_retries or time.monotonic() + pause >= deadline:
                break
            time.sleep(pause)
        where = url if attempts == 1 or n_endpoints == 1 else f"{min(attempts, n_endpoints)} endpoints (last {url})"
        raise BackendError(f"{self.spec}: gave up on {where} after {attempts} attempt{'s' * (attempts > 1)} "
                           f"within {self.retry_budget:g} s (last: {problem})")

    def _run_all(self, payloads: list[dict]) -> list[dict]:
        """Every payload's response, at most ``max_concurrency`` per endpoint in flight. Daemon worker threads: Ctrl-C
        ends the process at once instead of waiting for requests in flight."""
        results: list = [None] * len(payloads)
        if not payloads:
            return results
        todo: queue.SimpleQueue = queue.SimpleQueue()
        for item in enumerate(payloads):
            todo.put(item)
        failures: list[BaseException] = []

        def work() -> None:
            while not failures:
                try:
                    index, payload = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[index] = self._post(payload, index)
                except BaseException as exc:  # noqa: B036 (handed to the caller's thread below)
                    failures.append(exc)

        n_threads = min(self.max_concurrency * len(self.endpoints), len(payloads))
        threads = [threading.Thread(target=work, daemon=True) for _ in range(n_threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)  # short joins keep the main thread responsive to Ctrl-C
        if failures:
            raise failures[0]
        return results

    def _payload(self, request: ChatRequest, **settings) -> dict:
        return {"model": self.model, "messages": [dict(m) for m in request.messages], **settings}

    def generate(self, requests: Sequence[ChatRequest], decoding: Decoding) -> list[str]:
        """One reply per request, in order; at most ``max_concurrency`` requests in flight per endpoint."""
        settings = {"temperature": decoding.temperature, "top_p": decoding.top_p,
                    "max_tokens": decoding.max_new_tokens, "seed": decoding.seed}
        responses = self._run_all([self._payload(r, **settings) for r in requests])
        try:
            return [(response["choices"][0]["message"].get("content") or "") for response in responses]
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise BackendError(f"{self.spec}: response without choices[0].message ({exc!r})") from None

    def _candidate_ids(self, candidates: Sequence[str]) -> dict[str, list[int]]:
        """The candidates' single-token ids from a vLLM server's ``/tokenize`` (at the URL's root), or {}
        where the server has none (OpenAI, TGI, ...): the judge then reads the plain top logprobs."""
        key = tuple(candidates)
        if key not in self._token_ids:
            url = self.base_url.removesuffix("/v1") + "/tokenize"
            try:
                found = candidate_token_ids(_ServerTokenizer(self, url), candidates)
            except (*_TRANSIENT, OSError, ValueError, TypeError, AttributeError):
                found = {}  # no usable /tokenize: not a vLLM server
            self._token_ids[key] = found
        return self._token_ids[key]

    def first_token_logprobs(self, requests: Sequence[ChatRequest],
                             candidates: Sequence[str]) -> list[dict[str, float]]:
        """Candidates found among the server's top first tokens (matched with spaces stripped).

        On a vLLM server the one token is restricted to the candidates' ids (``allowed_token_ids``) and
        a log-prob per id is asked for (at most 20), so every candidate is reported when the server runs
        with ``--logprobs-mode processed_logprobs``; other servers get the plain top-20 request."""
        allowed = sorted({i for ids in self._candidate_ids(candidates).values() for i in ids})
        settings = {"temperature": 0.0, "max_tokens": 1, "logprobs": True, "top_logprobs": 20}
        if allowed:
            settings.update(allowed_token_ids=allowed, top_logprobs=min(len(allowed), 20))
        responses = self._run_all([self._payload(r, **settings) for r in requests])
        wanted = set(candidates)
        results = []
        for response in responses:
            try:
                top = response["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
            except (KeyError, IndexError, TypeError) as exc:
                problem = f"no first-token logprobs in the response ({exc!r})"
                raise BackendError(f"{self.spec}: {problem}") from None
            found: dict[str, float] = {}
            for entry in top:
                token = str(entry.get("token", "")).strip()
                if token in wanted and float(entry["logprob"]) > found.get(token, float("-inf")):
                    found[token] = float(entry["logprob"])
            results.append(found)
        return results


class _ServerTokenizer:
    """The two tokenizer calls :func:`candidate_token_ids` makes, answered by a vLLM server's /tokenize."""

    def __init__(self, client: OpenAIModel, url: str):
        self.client, self.url = client, url

    def get_vocab(self) -> dict:
        return {}  # the word-start forms are what encoding " 7" finds anyway

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        body = {"model": self.client.model, "prompt": text, "add_special_tokens": add_special_tokens}
        reply = self.client._post_once(json.dumps(body).encode("utf-8"), self.client.timeout, self.url)
        return [int(t) for t in reply.get("tokens") or []]


def from_spec(target: str, **options) -> OpenAIModel:
    """Build the client named by ``openai:MODEL@BASE_URL`` (MODEL may hold '/' and ':')."""
    match = _SPEC.match(target)
    if not match:
        raise InputError(f"openai:{target}: expected openai:MODEL@BASE_URL "
                         "(e.g. openai:my-model@http://127.0.0.1:8000/v1)")
    return OpenAIModel(match["model"], match["url"], **options)
