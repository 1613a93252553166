"""A tiny chat model built from scratch, so the hf backend, the README examples and the tests run offline:

    python -m wizardarena.testing.tiny_model OUT [--seed N] [--hidden 256]   # a loadable model folder

The tokenizer is a byte-level BPE trained with ``tokenizers`` on a small built-in corpus (every byte is
a token, so the digits and letters are single tokens; the corpus makes "10" and the space-prefixed digits
single tokens too). The model is a randomly initialised Llama with a handful of layers (about 100k
parameters): its replies are gibberish, but deterministic. Needs the ``hf`` extra (torch, transformers).
It has 4 attention heads, so ``--hidden 256`` gives head size 64, which vLLM's CPU attention kernels need
(the default 64 gives 16, which they refuse).
"""

from __future__ import annotations

import sys
from pathlib import Path

CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIAL_TOKENS = ["<|pad|>", "<|bos|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]

_CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Pack my box with five dozen liquor jugs!",
    "Explain how a hash map works, then give an example in Python.",
    "Write a short poem about the sea and the sky.",
    "Assistant A is better than assistant B. Verdict: [[A>B]] or [[B>A]] or [[A=B]].",
    "Score A: 7 Score B: 3. Rating: 10 out of 10. Option C is a tie.",
    " ".join(str(k) for k in range(11)),
]


def _corpus() -> list[str]:
    # Repetition makes the BPE learn merges for "10" and the space-prefixed digits " 0" ... " 10".
    scores = [f"score {k} of 10, rating {k}/10, {k} points" for k in range(11)]
    return (_CORPUS + scores) * 20


def build_tiny_chat_model(path: Path, hidden_size: int = 64, num_layers: int = 2, vocab_size: int = 400,
                          seed: int = 0) -> Path:
    """Build and save a tiny Llama chat model (weights + tokenizer + chat template) under ``path``.

    Returns ``path``, loadable with ``AutoModelForCausalLM.from_pretrained`` / ``hf:PATH``. Deterministic
    for a given ``seed``; takes well under a second at the default size.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(_corpus(), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|bos|>", eos_token="<|end|>",
                                        pad_token="<|pad|>", chat_template=CHAT_TEMPLATE)

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=2 * hidden_size,
        num_hidden_layers=num_layers, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=1024, tie_word_embeddings=True,
        # A wide initialisation makes the random model's next-token distribution peaked, so greedy
        # decoding does not hinge on float rounding between padded and unpadded batches.
        initializer_range=0.2,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config).eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def main(argv: list[str] | None = None) -> None:
    """``python -m wizardarena.testing.tiny_model OUT [--seed N] [--hidden H]``: build into OUT, print OUT."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m wizardarena.testing.tiny_model",
                                     description="Build a tiny random chat model (offline) into OUT.")
    parser.add_argument("out", type=Path, help="folder to write the model to (created if needed)")
    parser.add_argument("--seed", type=int, default=0, help="weight initialisation seed (default 0)")
    parser.add_argument("--hidden", type=int, default=64,
                        help="hidden size, a multiple of 4 (default 64; 256 for vLLM's CPU attention)")
    args = parser.parse_args(argv)
    if args.hidden < 4 or args.hidden % 4:
        parser.error("--hidden must be a positive multiple of 4 (4 attention heads)")
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        sys.exit("error: torch and transformers are not installed: pip install 'wizardarena[hf]'")
    print(build_tiny_chat_model(args.out, hidden_size=args.hidden, seed=args.seed))


if __name__ == "__main__":
    main()
