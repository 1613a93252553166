"""The transformers backend on a tiny locally built chat model (CPU, offline), alone and behind the
OpenAI-compatible client."""

import math

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from fixtures.openai_server import serve_model  # noqa: E402
from fixtures.tiny_model import tiny_model_path  # noqa: E402,F401 (a fixture)
from wizardarena.backends import ChatRequest, Decoding, LogprobModel, load_model  # noqa: E402
from wizardarena.errors import InputError  # noqa: E402

DIGITS = [str(k) for k in range(1, 11)]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True, scope="module")
def _one_thread(one_torch_thread):
    """Every test here runs torch on one thread (see tests/conftest.py)."""


@pytest.fixture(scope="module")
def model(tiny_model_path):
    return load_model(f"hf:{tiny_model_path}", batch_size=4, device="cpu")


def _requests():
    """Prompts of very different lengths, so batches need real padding."""
    texts = ["Hi", "Write a short poem about the sea and the sky, then explain it line by line.", "Score: 7",
             "Explain how a hash map works.", "A", "The quick brown fox jumps over the lazy dog " * 3, "10"]
    return [ChatRequest(f"p{i}", 0, ({"role": "user", "content": t},)) for i, t in enumerate(texts)]


def test_batched_greedy_equals_one_at_a_time(model):
    decoding = Decoding(max_new_tokens=16)
    batched = model.generate(_requests(), decoding)
    single = [model.generate([r], decoding)[0] for r in _requests()]
    assert batched == single
    assert len(set(batched)) > 1


def test_batches_are_left_padded_and_sorted_by_length(model):
    ids = model._prompt_ids(_requests())
    chunks = list(model._batches(ids))
    assert [len(chunk) for chunk, _, _ in chunks] == [4, 3]
    lengths = [len(ids[i]) for chunk, _, _ in chunks for i in chunk]
    assert lengths == sorted(lengths, reverse=True)
    for chunk, input_ids, mask in chunks:
        assert bool(mask[:, -1].all())  # every prompt ends in the last column
        for row, i in enumerate(chunk):
            assert input_ids[row, mask[row].bool()].tolist() == ids[i]


def test_a_long_prompt_does_not_pad_a_whole_batch(tiny_model_path):
    budgeted = load_model(f"hf:{tiny_model_path}", batch_size=4, batch_tokens=100, device="cpu")
    ids = budgeted._prompt_ids(_requests())
    chunks = list(budgeted._batches(ids))
    assert 50 < max(len(i) for i in ids) <= 100  # the longest (58 tokens) fits the budget only alone
    assert len(chunks[0][0]) == 1 and len(chunks) > 2  # batch_size alone would give [4, 3]
    assert all(len(chunk) == 1 or input_ids.numel() <= 100 for chunk, input_ids, _ in chunks)
    assert sorted(i for chunk, _, _ in chunks for i in chunk) == list(range(len(ids)))
    assert budgeted.generate(_requests(), Decoding(max_new_tokens=8)) == [
        budgeted.generate([r], Decoding(max_new_tokens=8))[0] for r in _requests()]


def test_reply_length_is_bounded_and_prompt_is_stripped(model):
    [short] = model.generate(_requests()[:1], Decoding(max_new_tokens=5))
    [long] = model.generate(_requests()[:1], Decoding(max_new_tokens=40))
    longest_token = max(len(model.tokenizer.decode([i])) for i in range(len(model.tokenizer)))
    assert 0 < len(short) <= 5 * longest_token and len(short) < len(long)
    specials = ("<|user|>", "<|assistant|>", "<|end|>", "<|pad|>", "<|bos|>")
    assert not any(special in long for special in specials)


def test_multi_turn_request_uses_the_whole_history(model):
    messages = ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Score: 7"})
    request = ChatRequest("p", 1, messages)
    prompt = model.tokenizer.decode(model._prompt_ids([request])[0])
    assert prompt.endswith("<|assistant|>\n")
    assert all(m["content"] in prompt for m in messages)
    [reply] = model.generate([request], Decoding(max_new_tokens=8))
    assert isinstance(reply, str)


def test_first_token_logprobs(model):
    assert isinstance(model, LogprobModel)
    candidates = DIGITS + ["A", "B", "C", "not one token"]
    scores = model.first_token_logprobs(_requests(), candidates)
    assert len(scores) == len(_requests())
    for row in scores:
        assert set(row) == set(DIGITS + ["A", "B", "C"])
        assert all(math.isfinite(v) and v <= 0 for v in row.values())
    single = model.first_token_logprobs(_requests()[1:2], candidates)[0]
    assert all(abs(single[c] - scores[1][c]) < 1e-4 for c in single)
    # only the last position's logits are computed; every position's give the same numbers
    assert model._last_logits_only == {"logits_to_keep": 1}
    model.__dict__["_last_logits_only"] = {}
    try:
        every = model.first_token_logprobs(_requests(), candidates)
    finally:
        del model.__dict__["_last_logits_only"]
    assert all(abs(every[k][c] - scores[k][c]) < 1e-5 for k in range(len(scores)) for c in scores[k])


def test_seeded_sampling_is_reproducible(model):
    sampled = Decoding(temperature=1.0, max_new_tokens=12, seed=7)
    first = model.generate(_requests(), sampled)
    assert model.generate(_requests(), sampled) == first
    assert model.generate(_requests(), Decoding(temperature=1.0, max_new_tokens=12, seed=8)) != first


def test_bad_paths_are_input_errors(tmp_path):
    with pytest.raises(InputError, match=r"hf:\./no/such/dir: cannot load model \(no such directory"):
        load_model("hf:./no/such/dir")
    with pytest.raises(InputError, match=r"^hf:someone/not-downloaded: cannot load model \(") as err:
        load_model("hf:someone/not-downloaded")
    assert "\n" not in str(err.value)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(InputError, match="cannot load model"):
        load_model(f"hf:{tmp_path}")


def test_openai_client_against_a_served_hf_model(model):
    decoding = Decoding(max_new_tokens=12)
    with serve_model(model) as url:
        client = load_model(f"openai:test-model@{url}", backoff=0.001, max_concurrency=2)
        replies = client.generate(_requests(), decoding)
        scores = client.first_token_logprobs(_requests()[:3], DIGITS + ["A"])
    assert replies == [model.generate([r], decoding)[0] for r in _requests()]
    direct = model.first_token_logprobs(_requests()[:3], DIGITS + ["A"])
    for got, want in zip(scores, direct):
        assert set(got) == set(want)
        assert all(abs(got[c] - want[c]) < 1e-5 for c in got)


def test_chat_template_option_and_rejected_conversations(tiny_model_path):
    template = ("{% if messages[0]['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
                "{% for m in messages %}{{ m['content'] }}\n{% endfor %}")
    model = load_model(f"hf:{tiny_model_path}", chat_template=template)
    assert len(model.generate(_requests()[:1], Decoding(max_new_tokens=3))) == 1
    system = ChatRequest("p", 0, ({"role": "system", "content": "s"}, {"role": "user", "content": "u"}))
    with pytest.raises(InputError, match="chat template rejected a conversation.*no system role"):
        model.generate([system], Decoding(max_new_tokens=3))


def test_tiny_model_builder_hidden_size(tmp_path, capsys):
    """``--hidden 256`` gives 4 heads of 64 (what vLLM's CPU attention needs); a size 4 heads cannot
    split is refused with exit code 2."""
    from transformers import AutoConfig

    from wizardarena.testing.tiny_model import main

    main([str(tmp_path / "m"), "--hidden", "256"])
    config = AutoConfig.from_pretrained(tmp_path / "m")
    assert (config.hidden_size, config.hidden_size // config.num_attention_heads) == (256, 64)
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "bad"), "--hidden", "66"])
    assert exit_info.value.code == 2 and "multiple of 4" in capsys.readouterr().err
