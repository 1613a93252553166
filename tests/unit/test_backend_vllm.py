"""The vLLM backend against a stand-in ``vllm`` module (vLLM itself needs a GPU and is not installed)."""

import sys
import types
from dataclasses import dataclass, field

import pytest

from wizardarena.backends import ChatRequest, Decoding, load_model
from wizardarena.backends.base import BackendError


@dataclass
class _Logprob:
    logprob: float
    rank: int
    decoded_token: str


@dataclass
class _Completion:
    text: str
    logprobs: list | None = None


@dataclass
class _RequestOutput:
    outputs: list


class _Tokenizer:
    """Single tokens for "7", " 7" and "A"; a word-start "\u2581B" in the vocabulary; anything else two."""

    ids = {"7": 11, " 7": 12, "A": 13}

    def get_vocab(self):
        return {**self.ids, "\u2581B": 14, "maybe": 15}

    def encode(self, text, add_special_tokens=True):
        return [self.ids[text]] if text in self.ids else [0, 0]


@dataclass
class _Engine:
    """Records how it was built and called; replies echo the last user message."""

    init: dict
    calls: list = field(default_factory=list)

    def get_tokenizer(self):
        return _Tokenizer()

    def chat(self, messages, sampling_params=None, use_tqdm=True):
        self.calls.append((messages, sampling_params))
        if sampling_params["logprobs"]:
            # Reported: the allowed ids only (14, "B", left out as if it were below the top few).
            top = {11: _Logprob(-1.5, 2, "7"), 12: _Logprob(-0.5, 1, " 7"), 13: _Logprob(-2.0, 3, "A")}
            return [_RequestOutput([_Completion("7", [top])]) for _ in messages]
        return [_RequestOutput([_Completion(" echo: " + conv[-1]["content"])]) for conv in messages]


@pytest.fixture
def fake_vllm(monkeypatch):
    module = types.ModuleType("vllm")
    module.engines = []

    def make_llm(**kwargs):
        engine = _Engine(kwargs)
        module.engines.append(engine)
        return engine

    module.LLM = make_llm
    module.SamplingParams = lambda **kwargs: {"logprobs": None, **kwargs}
    monkeypatch.setitem(sys.modules, "vllm", module)
    return module


def _requests(n):
    system = {"role": "system", "content": "s"}
    return [ChatRequest(f"p{i}", 0, (system, {"role": "user", "content": f"q{i}"})) for i in range(n)]


def test_engine_options_pass_through(fake_vllm):
    model = load_model("vllm:org/model", tensor_parallel_size=2, gpu_memory_utilization=0.8)
    assert model.spec == "vllm:org/model"
    assert fake_vllm.engines[0].init == {"model": "org/model", "tensor_parallel_size": 2, "seed": 0,
                                         "trust_remote_code": False, "gpu_memory_utilization": 0.8,
                                         "logprobs_mode": "processed_logprobs"}


def test_generate_sends_the_whole_batch_once_with_max_tokens_set(fake_vllm):
    model = load_model("vllm:m")
    replies = model.generate(_requests(5), Decoding(temperature=0.7, max_new_tokens=300, top_p=0.9, seed=3))
    assert replies == [f"echo: q{i}" for i in range(5)]
    [(conversations, params)] = fake_vllm.engines[0].calls
    assert len(conversations) == 5 and conversations[0][0] == {"role": "system", "content": "s"}
    assert params == {"logprobs": None, "temperature": 0.7, "top_p": 0.9, "max_tokens": 300, "seed": 3}


def test_first_token_logprobs_restrict_the_token_to_the_candidates(fake_vllm):
    model = load_model("vllm:m")
    scores = model.first_token_logprobs(_requests(2), ["7", "A", "B", "C"])
    assert scores == [{"7": -0.5, "A": -2.0}] * 2  # best form of "7"; "C" has no single token
    params = fake_vllm.engines[0].calls[0][1]
    assert params["allowed_token_ids"] == [11, 12, 13, 14] and params["logprobs"] == 4
    assert params["max_tokens"] == 1 and params["temperature"] == 0.0


def test_output_count_mismatch_is_a_backend_error(fake_vllm):
    model = load_model("vllm:m")
    model.llm.chat = lambda messages, **kwargs: []
    with pytest.raises(BackendError, match="0 outputs for 2 requests"):
        model.generate(_requests(2), Decoding())
