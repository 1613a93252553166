"""The answer stage: contestants answer the test set turn by turn; every reply is stored as it lands, and a
complete answer with its style counts in ``meta["style"]`` (:func:`~wizardarena.arena.styles.turns_style`)."""

from __future__ import annotations

from typing import Callable, Iterator, Sequence

from wizardarena.arena.styles import turns_style
from wizardarena.arena.work import claimed_batches
from wizardarena.backends.base import ChatModel, ChatRequest, Decoding
from wizardarena.records import Answer, Prompt
from wizardarena.refs import Contestant, answer_key
from wizardarena.store.protocol import Store


def missing_answers(store: Store, contestant: Contestant, decoding: Decoding,
                    prompts: Sequence[Prompt]) -> dict[str, Prompt]:
    """Answer key -> prompt for the prompts this contestant has no complete stored answer for."""
    keys = {answer_key(contestant.model, decoding, p): p for p in prompts}
    done = store.complete_answer_keys(list(keys))
    return {key: p for key, p in keys.items() if key not in done}


def generate_answers(store: Store, contestant: Contestant, model_factory: Callable[[], ChatModel],
                     decoding: Decoding, prompts: Sequence[Prompt], owner: str, chunk: int = 64,
                     advance: Callable[[int], None] = lambda n: None,
                     notice: Callable[[str], None] = lambda text: None) -> int:
    """Generate and store every missing answer; returns the number of model requests made.

    ``decoding`` is the run's; the contestant's own generation settings (and system prompt) apply on top.
    Work is claimed in chunks (:func:`claimed_batches`), so processes sharing the store split it and
    never answer the same prompt twice."""
    todo = missing_answers(store, contestant, decoding, prompts)
    model, calls = None, 0
    for keys in claimed_batches(store, list(todo), owner, "answer", chunk, store.complete_answer_keys, advance,
                                notice):
        model = model or model_factory()
        try:
            calls += _answer_chunk(store, contestant, model, decoding, [(k, todo[k]) for k in keys])
        finally:  # put_answers drops the claims of complete answers; this frees any partial ones
            store.release(keys, owner)
        advance(len(keys))
    return calls


def _answer_chunk(store: Store, contestant: Contestant, model: ChatModel, run_decoding: Decoding,
                  items: list[tuple[str, Prompt]]) -> int:
    """Answer a chunk turn by turn, storing each turn's replies (complete answers and partial ones)."""
    partial = store.partial_answers([key for key, _ in items])
    replies = {key: list(partial[key]["turns"]) if key in partial else [] for key, _ in items}
    calls = 0
    for sent, finished in answer_turns(contestant, model, run_decoding, items, replies):
        calls += sent
        for complete, ready in finished.items():
            if ready:
                store.put_answers(ready, complete=complete)
    return calls


def answer_turns(contestant: Contestant, model: ChatModel, run_decoding: Decoding, items: list[tuple[str, Prompt]],
                 replies: dict[str, list[str]]) -> Iterator[tuple[int, dict[bool, list[tuple[str, Answer]]]]]:
    """Answer ``items`` turn by turn (``replies``: each key's replies so far, extended in place): turn t of
    every prompt in one batch, each seeing its own replies. Yields, per turn, the requests sent and the
    answers it advanced, split into complete and partial ones."""
    ref = contestant.model
    decoding = ref.decoding(run_decoding)
    meta = {"spec": ref.spec, "settings": ref.answer_settings(run_decoding)}
    if ref.fingerprint:
        meta["fingerprint"] = ref.fingerprint
    for turn in range(max(len(p["turns"]) for _, p in items)):
        batch = [(key, p) for key, p in items if len(p["turns"]) > turn and len(replies[key]) == turn]
        if not batch:
            continue
        requests = [ChatRequest(p["id"], turn, ref.messages(_messages(p, replies[key], turn))) for key, p in batch]
        outputs = model.generate(requests, decoding)
        finished: dict[bool, list] = {True: [], False: []}
        for (key, prompt), text in zip(batch, outputs):
            replies[key].append(text)
            complete = len(replies[key]) == len(prompt["turns"])
            answer = Answer(prompt_id=prompt["id"], model=contestant.name, turns=list(replies[key]),
                            meta={**meta, "style": turns_style(replies[key])} if complete else meta)
            finished[complete].append((key, answer))
        yield len(requests), finished


def _messages(prompt: Prompt, replies: list[str], turn: int) -> tuple[dict[str, str], ...]:
    messages = []
    for k in range(turn):
        messages += [{"role": "user", "content": prompt["turns"][k]}, {"role": "assistant", "content": replies[k]}]
    messages.append({"role": "user", "content": prompt["turns"][turn]})
    return tuple(messages)
