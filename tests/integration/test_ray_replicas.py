"""``--engine ray`` with a judge on several endpoints (``?replicas=``): every actor's client spreads its
calls, and the store is the same as the local path's against one endpoint."""

import contextlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures.eval_args import store_beside_out
from fixtures.openai_server import ServerStats, serve_model
from wizardarena.backends.fake import FakeModel
from wizardarena.cli.main import _register, cli

ray = pytest.importorskip("ray")
_register()


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _outputs(out: Path) -> dict:
    return {name: [json.loads(line) for line in (out / name).read_text().splitlines()]
            for name in ("judgments.jsonl", "ratings.jsonl")}


def test_ray_actors_spread_over_replicas_and_store_what_one_endpoint_would(tmp_path, cluster):
    testset = tmp_path / "prompts.jsonl"
    testset.write_text("".join(json.dumps({"id": f"q{k}", "turns": [f"question {k}"]}) + "\n" for k in range(4)))
    stats = [ServerStats() for _ in range(3)]
    outputs = {}
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(serve_model(FakeModel("judge"), model_name="judge", stats=s)) for s in stats]
        runs = {"local": f"openai:judge@{urls[0]}", "ray": f"openai:judge@{urls[0]}?replicas={urls[1]},{urls[2]}"}
        for engine, judge in runs.items():
            args = ["eval", "--model", "fake:a", "--model", "fake:b", "--opponents", "fake:c", "--judge", judge,
                    "--judge-mode", "logprob", "--testset", testset, "--out", tmp_path / engine, "--bootstrap", "20",
                    "--engine", engine, "--ray-workers", "2"]
            result = CliRunner().invoke(cli, store_beside_out(args), catch_exceptions=False)
            assert result.exit_code == 0, result.output
            outputs[engine] = _outputs(tmp_path / engine)
            if engine == "local":
                alone = stats[0].requests
    spread = [stats[0].requests - alone, stats[1].requests, stats[2].requests]  # the ray run's calls
    assert alone > 0 and sum(spread) == alone  # the same calls, dealt in turn by each actor's client
    assert min(spread) >= alone // 4, spread
    assert outputs["ray"] == outputs["local"]
