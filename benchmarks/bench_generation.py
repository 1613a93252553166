"""Time batched against one-at-a-time generation with the hf backend on a tiny local model (CPU).

    python benchmarks/bench_generation.py [--prompts 64] [--max-new-tokens 32] [--batch-size 16]
                                          [--hidden 64] [--layers 2] [--repeat 3] [--threads N]

The model is built from scratch in a temp folder (wizardarena/testing/tiny_model.py: a byte-level BPE
tokenizer and a randomly initialised Llama), so nothing is downloaded. Both runs use greedy decoding
through ``HFModel.generate``: once with ``batch_size=1`` and once with ``--batch-size``; the replies must
be identical (the script exits 1 otherwise). Best of ``--repeat`` runs is reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # run from a checkout without installing

from wizardarena.backends import ChatRequest, Decoding, load_model  # noqa: E402
from wizardarena.testing.tiny_model import build_tiny_chat_model  # noqa: E402

TOPICS = ["the sea", "a hash map", "the lazy dog", "poems", "rating 7 of 10", "the sky", "Python", "a fox"]


def make_requests(n: int) -> list[ChatRequest]:
    """``n`` single-turn prompts of varied length (1 to 8 phrases)."""
    return [ChatRequest(f"p{i}", 0, ({"role": "user", "content": " and ".join(
        f"tell me about {TOPICS[(i + k) % len(TOPICS)]}" for k in range(1 + i % 8))},)) for i in range(n)]


def best_time(model, requests, decoding, repeat: int) -> tuple[float, list[str]]:
    """Fastest wall time of ``repeat`` calls to ``model.generate`` and the replies of the last call."""
    best, replies = float("inf"), []
    for _ in range(repeat):
        start = time.perf_counter()
        replies = model.generate(requests, decoding)
        best = min(best, time.perf_counter() - start)
    return best, replies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch
    import transformers

    if args.threads:
        torch.set_num_threads(args.threads)
    requests = make_requests(args.prompts)
    decoding = Decoding(max_new_tokens=args.max_new_tokens)
    with tempfile.TemporaryDirectory() as folder:
        path = build_tiny_chat_model(Path(folder), hidden_size=args.hidden, num_layers=args.layers)
        model = load_model(f"hf:{path}", device="cpu", batch_size=1)
        n_params = sum(p.numel() for p in model.model.parameters())
        model.generate(requests[:2], decoding)  # warm-up
        single_s, single = best_time(model, requests, decoding, args.repeat)
        model.batch_size = args.batch_size
        batched_s, batched = best_time(model, requests, decoding, args.repeat)

    print(f"WizardArena generation benchmark: {args.prompts} prompts, max_new_tokens {args.max_new_tokens}, "
          f"greedy, best of {args.repeat}")
    print(f"tiny Llama: hidden {args.hidden}, {args.layers} layers, {n_params:,} parameters; "
          f"python {platform.python_version()}, torch {torch.__version__}, "
          f"transformers {transformers.__version__}, "
          f"{torch.get_num_threads()} torch threads, {os.cpu_count()} CPUs")
    batched_label = f"batched (batch_size {args.batch_size})"
    print(f"{'one at a time (batch_size 1)':<32} {single_s:8.3f} s")
    print(f"{batched_label:<32} {batched_s:8.3f} s")
    print(f"{'speed-up':<32} {single_s / batched_s:8.1f}x")
    same = single == batched
    print(f"replies identical: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
