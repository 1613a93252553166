"""Every shipped test set says which reference pack answers it, and that pack answers every prompt."""

import pytest

from wizardarena.packs import load_pack
from wizardarena.testsets import load_testset, shipped_testsets, testset_names


def test_every_shipped_set_is_listed_with_its_pack_or_a_note():
    index = shipped_testsets()
    assert set(index) == set(testset_names())
    assert all(entry["note"] for entry in index.values())
    for name, entry in index.items():
        if entry["pack"] is None:
            assert "generating models" in entry["note"], name


@pytest.mark.parametrize("name", sorted(n for n, e in shipped_testsets().items() if e["pack"]))
def test_the_pack_answers_every_prompt_of_its_sets(name):
    """Every model of the pack answers every prompt, except the few answers its publishers never released
    (recorded on the pack's card; eval skips and counts those games); the 2024-03 subset has no hole."""
    pack = load_pack(shipped_testsets()[name]["pack"])
    _, prompts = load_testset(name)
    missing = {model: sum(p["id"] not in pack.answers[model] for p in prompts) for model in pack.models}
    published_holes = pack.meta.get("missing", {})
    assert all(count <= published_holes.get(model, 0) for model, count in missing.items()), missing
    assert not any(missing[model] for model in pack.subsets["2024-03"])
    assert all(len(p["turns"]) == 1 for p in prompts)  # the pack's answers are single-turn


@pytest.mark.parametrize("name", sorted(n for n, e in shipped_testsets().items() if e["pack"] is None))
def test_sets_marked_for_generating_models_really_need_them(name):
    pack = load_pack("arena-hard-v0.1")
    _, prompts = load_testset(name)
    answered = sum(p["id"] in pack.answers[pack.models[0]] for p in prompts)
    assert answered < len(prompts)
    assert f"answers {answered} of its {len(prompts)}" in shipped_testsets()[name]["note"]


def test_eval_names_the_offline_counterpart_of_a_set_that_needs_generating_models(tmp_path):
    from click.testing import CliRunner

    from wizardarena.cli.main import _register, cli

    _register()
    args = ["eval", "--model", "answers:arena-hard-v0.1#gpt-4-0314", "--model", "answers:arena-hard-v0.1#gpt-4-0613",
            "--judge", "fake:j", "--judge-mode", "logprob", "--testset", "wizardarena-diverse", "--dry-run"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "needs generating models" in result.output and "use wizardarena-diverse-offline" in result.output
    assert "gpt-4-0314: 72 of 100 prompts without a pre-computed answer" in result.output
    refused = CliRunner().invoke(cli, [*args, "--missing-answers", "refuse"])
    assert refused.exit_code == 2 and len(refused.output.strip().splitlines()) == 1
