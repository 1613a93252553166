"""Which vocabulary tokens spell a logprob judge's candidates ("7", " 7", "▁7", "Ġ7"), for any tokenizer.

The hf backend reads these ids out of the full next-token distribution; the vLLM backends restrict the one
generated token to them, so every candidate gets a log-probability instead of only those that happen to be
among the engine's top few.
"""

from __future__ import annotations

from typing import Mapping, Sequence


def candidate_token_ids(tokenizer, candidates: Sequence[str]) -> dict[str, list[int]]:
    """Token ids that spell each candidate as one token: the candidate with and without a leading space,
    and the vocabulary's word-start forms. Candidates no single token spells are left out."""
    vocab = tokenizer.get_vocab()
    found: dict[str, list[int]] = {}
    for cand in filter(None, candidates):
        ids = set()
        for form in (cand, " " + cand):
            encoded = tokenizer.encode(form, add_special_tokens=False)
            if len(encoded) == 1:
                ids.add(encoded[0])
        ids.update(vocab[form] for form in ("▁" + cand, "Ġ" + cand) if form in vocab)
        if ids:
            found[cand] = sorted(ids)
    return found


def best_per_candidate(candidate_ids: dict[str, list[int]], logprobs: Mapping[int, float]) -> dict[str, float]:
    """Each candidate's best log-probability over its token ids, from the ``{token id: logprob}`` an engine
    reported (a candidate none of whose ids it reported is left out)."""
    found: dict[str, float] = {}
    for cand, ids in candidate_ids.items():
        values = [logprobs[i] for i in ids if i in logprobs]
        if values:
            found[cand] = max(values)
    return found
