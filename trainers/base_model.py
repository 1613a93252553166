"""The flywheel's starting checkpoint as a folder TRL can train: a local folder as it is, a GGUF model
(a ``.gguf`` file or a shipped short name) de-quantized once into ``OUT/base-model``."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

DONE = "DONE"


def base_checkpoint(target: str, out: Path, say: Callable[[str], None] = print) -> Path:
    """The folder the flywheel starts from; a GGUF target is converted on the first call (float32
    safetensors and its tokenizer, ``DONE`` written last) and reused after."""
    from wizardarena.backends.gguf import gguf_source, is_gguf, require_gguf_reader, shipped_file

    path = shipped_file(target, f"target {target}") or target
    if not is_gguf(path):
        return Path(path).expanduser().resolve()
    folder = out / "base-model"
    if (folder / DONE).is_file():
        return folder.resolve()
    require_gguf_reader()
    import torch
    import transformers

    source, gguf = gguf_source(path)
    transformers.utils.logging.disable_progress_bar()
    tokenizer = transformers.AutoTokenizer.from_pretrained(source, **gguf)
    loaded = transformers.AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32, **gguf)
    config = loaded.config
    if hasattr(config, "quantization_config"):  # transformers will not save a model it loaded from GGUF
        del config.quantization_config
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict(), strict=True)
    model.generation_config = loaded.generation_config
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / DONE).write_text(f"{path}\n", encoding="utf-8")
    say(f"base model: {Path(path).name} de-quantized into {folder} ({sum(p.numel() for p in model.parameters()):,} "
        "parameters, float32)")
    return folder.resolve()
