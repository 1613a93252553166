"""``hf:PATH_OR_ID`` — a local transformers model, with batched generation and first-token log-probs.
PATH may be a ``.gguf`` file (de-quantized on load; see :mod:`wizardarena.backends.gguf`).

Prompts are built with the model's own chat template. Requests are sorted by length and run in
batches of at most ``batch_size`` rows and ``batch_tokens`` padded prompt tokens, with left padding (so
every prompt ends where generation starts; one long prompt no longer pads a whole batch to its length);
replies come back in input order. Greedy decoding when ``temperature == 0``, otherwise sampling seeded from
``Decoding.seed`` at the start of every batch.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
from pathlib import Path
from typing import Sequence

from wizardarena.backends.base import ChatRequest, Decoding
from wizardarena.backends.candidates import candidate_token_ids
from wizardarena.backends.gguf import gguf_source, silence_dequantizing_bar
from wizardarena.errors import InputError, MissingExtraError

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
_LOAD_ERRORS = (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError)


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` asks for no Hub access (models must come from local files or the cache)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


class HFModel:
    """A causal LM loaded with transformers; implements ``ChatModel`` and ``LogprobModel``."""

    def __init__(self, path: str, *, device: str | None = None, batch_size: int = 16, batch_tokens: int = 8192,
                 trust_remote_code: bool = False, dtype: str | None = None, chat_template: str | None = None):
        try:
            import jinja2  # chat templates; not a hard dependency of transformers
            import torch
            import transformers
        except ImportError as exc:
            raise MissingExtraError(exc.name or "transformers", "hf") from exc
        if batch_size < 1 or batch_tokens < 1:
            raise InputError(f"hf:{path}: batch_size and batch_tokens must be >= 1, got {batch_size}, {batch_tokens}")
        self.spec = f"hf:{path}"
        self.batch_size, self.batch_tokens = batch_size, batch_tokens
        self._torch, self._template_error = torch, jinja2.TemplateError
        local = Path(path).expanduser()
        if not local.exists() and not _HUB_ID.match(path):
            raise InputError(f"hf:{path}: cannot load model (no such directory, and not a Hub id)")
        if local.is_dir() and not (local / "config.json").is_file():
            raise InputError(f"hf:{path}: cannot load model (no config.json in {local})")
        source, gguf = gguf_source(str(local) if local.exists() else path)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if dtype:
            torch_dtype = getattr(torch, dtype, None)
            if not isinstance(torch_dtype, torch.dtype):
                raise InputError(f"hf:{path}: unknown dtype {dtype!r} (e.g. float32, bfloat16, float16)")
        else:  # the checkpoint's own dtype on GPU; float32 on CPU, where half precision is slow or missing
            torch_dtype = "auto" if self.device.startswith("cuda") else torch.float32
        common = {"local_files_only": hub_offline(), "trust_remote_code": trust_remote_code, **gguf}
        if gguf:  # de-quantizing draws progress bars per load on stderr
            transformers.utils.logging.disable_progress_bar()
            silence_dequantizing_bar()
        try:
            tokenizer = transformers.AutoTokenizer.from_pretrained(source, **common)
            model = transformers.AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype, **common)
            model.to(self.device).eval()
        except _LOAD_ERRORS as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            reason = reason if len(reason) <= 300 else reason[:300] + "..."
            raise InputError(f"hf:{path}: cannot load model ({reason})") from exc
        if chat_template is not None:
            tokenizer.chat_template = chat_template
        if not tokenizer.chat_template:
            raise InputError(f"hf:{path}: the tokenizer has no chat template (pass chat_template=...)")
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.tokenizer, self.model = tokenizer, model

    @classmethod
    def from_loaded(cls, model, tokenizer, spec: str, batch_size: int = 16) -> "HFModel":
        """Wrap a model already in memory (a trainer's, say) without loading anything; the caller keeps
        it in eval mode while it generates."""
        import jinja2
        import torch

        self = cls.__new__(cls)
        self.spec, self.batch_size, self.model, self.tokenizer = spec, batch_size, model, tokenizer
        self.batch_tokens = 8192
        self._torch, self._template_error = torch, jinja2.TemplateError
        self.device = str(next(model.parameters()).device)
        if not tokenizer.chat_template:
            raise InputError(f"{spec}: the tokenizer has no chat template")
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        return self

    def __repr__(self) -> str:
        return f"HFModel({self.spec!r}, device={self.device!r}, batch_size={self.batch_size})"

    def _prompt_ids(self, requests: Sequence[ChatRequest]) -> list[list[int]]:
        if not requests:
            return []

        try:
            texts = [self.tokenizer.apply_chat_template(list(r.messages), add_generation_prompt=True,
                                                        tokenize=False) for r in requests]
        except self._template_error as exc:
            raise InputError(f"{self.spec}: the chat template rejected a conversation ({exc})") from exc
        # The template already holds the BOS token; adding special tokens again would double it.
        return self.tokenizer(texts, add_special_tokens=False)["input_ids"]

    def _batches(self, ids: list[list[int]]):
        """Yield ``(indices, input_ids, attention_mask)`` for length-sorted, left-padded batches."""
        torch = self._torch
        order = sorted(range(len(ids)), key=lambda i: (-len(ids[i]), i))
        pad = self.tokenizer.pad_token_id
        while order:
            width = len(ids[order[0]])  # the longest left: every row of the batch is padded to it
            rows = max(1, min(self.batch_size, self.batch_tokens // max(width, 1)))
            chunk, order = order[:rows], order[rows:]
            input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, i in enumerate(chunk):
                n = len(ids[i])
                input_ids[row, width - n:] = torch.tensor(ids[i], dtype=torch.long)
                mask[row, width - n:] = 1
            yield chunk, input_ids.to(self.device), mask.to(self.device)

    def _generation_config(self, decoding: Decoding):
        from transformers import GenerationConfig

        eos = self.model.generation_config.eos_token_id
        settings = {"max_new_tokens": decoding.max_new_tokens, "pad_token_id": self.tokenizer.pad_token_id,
                    "eos_token_id": eos if eos is not None else self.tokenizer.eos_token_id}
        if decoding.temperature > 0:
            # top_k=0 switches off transformers' default top-k of 50, so sampling means the same thing
            # here as on vLLM and OpenAI-style servers (temperature and top_p only).
            settings.update(do_sample=True, temperature=decoding.temperature, top_p=decoding.top_p, top_k=0)
        else:
            settings.update(do_sample=False)
        return GenerationConfig(**settings)

    def generate(self, requests: Sequence[ChatRequest], decoding: Decoding) -> list[str]:
        """One reply per request, in input order (prompt and special tokens stripped)."""
        config = self._generation_config(decoding)
        replies: list[str] = [""] * len(requests)
        with self._torch.inference_mode():
            for chunk, input_ids, mask in self._batches(self._prompt_ids(requests)):
                if config.do_sample:
                    self._torch.manual_seed(decoding.seed)
                out = self.model.generate(input_ids=input_ids, attention_mask=mask, generation_config=config)
                texts = self.tokenizer.batch_decode(out[:, input_ids.shape[1]:], skip_special_tokens=True)
                for i, text in zip(chunk, texts):
                    replies[i] = text.strip()
        return replies

    @functools.cached_property
    def _last_logits_only(self) -> dict:
        """The forward argument that keeps only the last position's logits, where the model takes one."""
        return {"logits_to_keep": 1} if "logits_to_keep" in inspect.signature(self.model.forward).parameters else {}

    def first_token_logprobs(self, requests: Sequence[ChatRequest],
                             candidates: Sequence[str]) -> list[dict[str, float]]:
        """Log-probability of each single-token candidate as the reply's first token (best form kept)."""
        torch = self._torch
        cand_ids = candidate_token_ids(self.tokenizer, candidates)
        results: list[dict[str, float]] = [{} for _ in requests]
        with torch.inference_mode():
            for chunk, input_ids, mask in self._batches(self._prompt_ids(requests)):
                # Explicit positions: with left padding each prompt must still start at position 0.
                positions = (mask.cumsum(-1) - 1).clamp(min=0)
                # Only the last position's logits: all of them are batch x length x vocabulary floats (1.6 GB
                # for six 1,300-token judge prompts and a 49k vocabulary), and the time to project them.
                logits = self.model(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                                    **self._last_logits_only).logits
                logprobs = torch.log_softmax(logits[:, -1, :].float(), dim=-1).cpu()
                for row, i in enumerate(chunk):
                    results[i] = {c: max(float(logprobs[row, t]) for t in ids) for c, ids in cand_ids.items()}
        return results


def from_spec(target: str, **options) -> HFModel:
    """Build the model named by ``hf:TARGET``."""
    return HFModel(target, **options)
