"""What the real-vLLM tests share: the setting vLLM's CPU backend needs and the tiny model it can run."""

import os

import pytest

# 1 GiB of KV cache (vLLM's CPU default is sized for real servers); set before any engine starts, and
# inherited by the engine processes and by lm-eval's subprocess.
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")


@pytest.fixture(scope="session")
def model_path(tmp_path_factory):
    """The tiny chat model with hidden size 256: 4 heads of 64, which the CPU attention kernels support."""
    from wizardarena.testing.tiny_model import build_tiny_chat_model

    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-256"), hidden_size=256)
