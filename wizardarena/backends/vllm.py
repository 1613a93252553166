"""``vllm:PATH_OR_ID`` — a model run in-process by vLLM (GPU), the whole request list in one call.

vLLM batches and schedules internally, so ``generate`` hands it every conversation at once through
``LLM.chat`` (which applies the model's chat template). ``SamplingParams.max_tokens`` defaults to 16 in
vLLM, so it is always set from ``Decoding.max_new_tokens``. First-token log-probs come from a one-token
generation with the top 20 log-probs, matched to the candidates by decoded token text.
"""

from __future__ import annotations

from typing import Sequence

from wizardarena.backends.base import BackendError, ChatRequest, Decoding
from wizardarena.errors import InputError, MissingExtraError

TOP_LOGPROBS = 20


class VLLMModel:
    """A ``vllm.LLM`` engine; implements ``ChatModel`` and ``LogprobModel``.

    ``engine_options`` go to ``vllm.LLM`` as they are (``gpu_memory_utilization``, ``max_model_len``, ...).
    """

    def __init__(self, path: str, *, tensor_parallel_size: int = 1, seed: int = 0,
                 trust_remote_code: bool = False, **engine_options):
        try:
            import vllm
        except ImportError as exc:
            raise MissingExtraError("vllm", "vllm") from exc
        if tensor_parallel_size < 1:
            raise InputError(f"vllm:{path}: tensor_parallel_size must be >= 1")
        self.spec = f"vllm:{path}"
        self._sampling_params = vllm.SamplingParams
        try:
            self.llm = vllm.LLM(model=path, tensor_parallel_size=tensor_parallel_size, seed=seed,
                                trust_remote_code=trust_remote_code, **engine_options)
        except (OSError, ValueError, RuntimeError) as exc:
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise InputError(f"vllm:{path}: cannot load model ({reason})") from exc

    def __repr__(self) -> str:
        return f"VLLMModel({self.spec!r})"

    def _chat(self, requests: Sequence[ChatRequest], params) -> list:
        conversations = [[dict(m) for m in r.messages] for r in requests]
        outputs = self.llm.chat(conversations, sampling_params=params, use_tqdm=False)
        if len(outputs) != len(requests):
            raise BackendError(f"{self.spec}: vLLM returned {len(outputs)} outputs "
                               f"for {len(requests)} requests")
        return outputs

    def generate(self, requests: Sequence[ChatRequest], decoding: Decoding) -> list[str]:
        """One reply per request, in order (one ``LLM.chat`` call over all of them)."""
        if not requests:
            return []
        params = self._sampling_params(temperature=decoding.temperature, top_p=decoding.top_p,
                                       max_tokens=decoding.max_new_tokens, seed=decoding.seed)
        return [out.outputs[0].text.strip() for out in self._chat(requests, params)]

    def first_token_logprobs(self, requests: Sequence[ChatRequest],
                             candidates: Sequence[str]) -> list[dict[str, float]]:
        """Candidates found among the top-20 first tokens (decoded text, spaces stripped; best kept)."""
        if not requests:
            return []
        params = self._sampling_params(temperature=0.0, max_tokens=1, logprobs=TOP_LOGPROBS)
        wanted = set(candidates)
        results = []
        for out in self._chat(requests, params):
            steps = out.outputs[0].logprobs
            if not steps:
                raise BackendError(f"{self.spec}: vLLM returned no logprobs for the first token")
            found: dict[str, float] = {}
            # steps[0] maps token id -> Logprob(logprob, rank, decoded_token) for the first position.
            for entry in steps[0].values():
                # Some tokenizers decode a lone token with its word-start marker; drop it with the spaces.
                token = (entry.decoded_token or "").replace("\u2581", " ").replace("\u0120", " ").strip()
                if token in wanted and entry.logprob > found.get(token, float("-inf")):
                    found[token] = float(entry.logprob)
            results.append(found)
        return results


def from_spec(target: str, **options) -> VLLMModel:
    """Build the engine named by ``vllm:TARGET``."""
    return VLLMModel(target, **options)
