"""The flywheel's TRL glue on a tiny local chat model (CPU, offline): each stage trains a few steps and
saves a loadable checkpoint, finished stages are skipped, the judge-backed reward functions, and the
arena callback. Configs keep the paper's numbers."""

import json
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("trl")

from fixtures.tiny_model import tiny_model_path  # noqa: E402,F401 (a fixture)
from wizardarena.errors import InputError  # noqa: E402
from wizardarena.records import Judgment  # noqa: E402
from wizardarena.trainers.config import (  # noqa: E402
    DPOStage,
    RewardStage,
    RLStage,
    SFTStage,
    TrainingConfig,
    cpu_safe_args,
    training_config,
)
from wizardarena.trainers.rewards import judge_reward, paired_judge_reward  # noqa: E402
from wizardarena.trainers.training import DONE, stage_done, train_dpo, train_reward, train_rl, train_sft  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_thread(one_torch_thread):
    """Every test here runs torch on one thread (see tests/conftest.py)."""


def user(text):
    return [{"role": "user", "content": text}]


def assistant(text):
    return [{"role": "assistant", "content": text}]


def chats(n=4):
    from datasets import Dataset

    return Dataset.from_list([{"messages": user(f"q {i}") + assistant(f"answer {i}")} for i in range(n)])


def pairs(n=4):
    from datasets import Dataset

    return Dataset.from_list([{"prompt": user(f"question {i}"), "chosen": assistant(f"a careful answer {i}"),
                               "rejected": assistant("no"), "margin": 2.0} for i in range(n)])


class ScriptedJudge:
    """Scores a reply by its length (capped at 10); a reply containing INVALID makes the game invalid."""

    def __init__(self):
        self.games = []

    def judge(self, games):
        self.games += games
        out = []
        for g in games:
            valid = not any("INVALID" in a[-1] for a in (g.answer_a, g.answer_b))
            a, b = (min(len(g.answer_a[-1]), 10), min(len(g.answer_b[-1]), 10)) if valid else (None, None)
            out.append(Judgment(prompt_id=g.prompt["id"], model_a=g.model_a, model_b=g.model_b,
                                judge="scripted", swapped=g.swapped, score_a=a, score_b=b, p_a=None,
                                winner=None, valid=valid, raw=""))
        return out


# -- config ---------------------------------------------------------------------------------------------

def test_config_defaults_are_the_papers_and_load_from_yaml(tmp_path):
    config = TrainingConfig(seed=7)
    assert (config.sft.epochs, config.sft.learning_rate) == (3, 5e-6)
    assert (config.dpo.epochs, config.dpo.learning_rate, config.dpo.beta) == (2, 5e-7, 0.3)
    assert (config.reward.epochs, config.reward.learning_rate) == (1, 1e-6)
    rl = config.rl
    assert (rl.epochs, rl.learning_rate, rl.kl_beta, rl.algorithm) == (1, 1e-7, 0.4, "grpo")
    assert {stage.seed for stage in (config.sft, config.dpo, config.reward, config.rl)} == {7}
    assert config.sft.max_steps is None

    path = tmp_path / "train.yaml"
    path.write_text("seed: 3\noutput_dir: out\nrl:\n  algorithm: rloo\n  max_steps: 2\n  num_generations: 2\n"
                    "dpo:\n  seed: 9\n  learning_rate: 1e-6\n")
    loaded = training_config(path)
    assert (loaded.rl.algorithm, loaded.rl.max_steps, loaded.rl.seed, loaded.dpo.seed) == ("rloo", 2, 3, 9)
    assert loaded.dpo.learning_rate == 1e-6  # YAML 1.1 reads 1e-6 as a string
    with pytest.raises(InputError, match="must be a number"):
        training_config({"sft": {"learning_rate": "fast"}})
    with pytest.raises(InputError, match="did you mean 'learning_rate'"):
        training_config({"sft": {"learning_rte": 1e-5}})
    with pytest.raises(InputError, match="multiple of num_generations"):
        RLStage(batch_size=3, num_generations=2)
    with pytest.raises(InputError, match="beta must be > 0"):
        DPOStage(beta=0)


def test_cpu_safe_settings_without_a_gpu():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    args = cpu_safe_args()
    assert {"report_to": "none", "dataloader_num_workers": 0, "bf16": False, "fp16": False,
            "gradient_checkpointing": False, "use_cpu": True}.items() <= args.items()
    assert "bf16" not in cpu_safe_args(cuda=True)


def test_importing_the_glue_stays_free_of_torch(tmp_path):
    code = ("import sys, wizardarena.trainers, wizardarena.trainers.config, wizardarena.trainers.training, "
            "wizardarena.trainers.rewards; "
            "print([m for m in ('torch', 'transformers', 'trl') if m in sys.modules])")
    # not the repo root, whose source tree lacks the mapped sub-packages: import the installed package
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert run.stdout.strip() == "[]"


# -- stages ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reward_model(tiny_model_path, tmp_path_factory):
    return train_reward(tiny_model_path, pairs(), tmp_path_factory.mktemp("stages") / "reward",
                        RewardStage(max_steps=2, batch_size=2))


def test_sft_trains_saves_and_is_skipped_when_done(tiny_model_path, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    result = train_sft(tiny_model_path, chats(), tmp_path / "sft", SFTStage(max_steps=2, batch_size=2))
    assert result.path == tmp_path / "sft"
    assert result.metrics["global_step"] == 2 and "train_loss" in result.metrics
    AutoModelForCausalLM.from_pretrained(result.path)
    assert AutoTokenizer.from_pretrained(result.path).chat_template
    assert json.loads((result.path / DONE).read_text())["stage"] == "sft"

    weights = (result.path / "model.safetensors").stat().st_mtime_ns
    # A finished stage needs no data: it returns what it saved.
    again = train_sft(tiny_model_path, None, tmp_path / "sft", SFTStage(max_steps=2, batch_size=2))
    assert again == result == stage_done(tmp_path / "sft")
    assert (result.path / "model.safetensors").stat().st_mtime_ns == weights


def test_dpo_trains_and_saves(tiny_model_path, tmp_path):
    from transformers import AutoModelForCausalLM

    result = train_dpo(tiny_model_path, pairs().remove_columns("margin"), tmp_path / "dpo",
                       DPOStage(max_steps=2, batch_size=2))
    assert result.metrics["global_step"] == 2
    AutoModelForCausalLM.from_pretrained(result.path)


def test_reward_model_trains_on_pairs_with_margin_reproducibly(reward_model, tiny_model_path, tmp_path):
    import torch
    from transformers import AutoModelForSequenceClassification

    assert reward_model.metrics["global_step"] == 2
    model = AutoModelForSequenceClassification.from_pretrained(reward_model.path)
    assert model.config.num_labels == 1 and model.config.pad_token_id is not None
    again = train_reward(tiny_model_path, pairs(), tmp_path / "again", RewardStage(max_steps=2, batch_size=2))
    assert again.metrics["train_loss"] == reward_model.metrics["train_loss"]  # same seed, same run
    twin = AutoModelForSequenceClassification.from_pretrained(again.path)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), twin.state_dict().values()))


@pytest.mark.parametrize("algorithm", ["grpo", "rloo"])
def test_rl_with_the_reward_model_and_the_judge(tiny_model_path, reward_model, tmp_path, algorithm):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM

    judge = ScriptedJudge()
    data = Dataset.from_list([{"prompt": user(f"question {i}"), "reference": "a fair answer"}
                              for i in range(2)])
    config = RLStage(algorithm=algorithm, max_steps=1, batch_size=4, num_generations=2,
                     max_completion_length=6)
    result = train_rl(tiny_model_path, data, tmp_path / algorithm, config, reward_model=reward_model.path,
                      reward_funcs=[judge_reward(judge)])
    assert result.metrics["global_step"] == 1 and "rewards/judge_gap/mean" in result.metrics
    assert len(judge.games) == 2 * 4  # four completions, each judged in both orders
    AutoModelForCausalLM.from_pretrained(result.path)
    with pytest.raises(InputError, match="reward_model and/or reward_funcs"):
        train_rl(tiny_model_path, data, tmp_path / "none", config)


# -- rewards --------------------------------------------------------------------------------------------

def test_judge_reward_scores_both_orders_and_gives_none_when_invalid():
    judge = ScriptedJudge()
    reward = judge_reward(judge, references={"p2": "mapped"})
    prompts = [user("q0"), user("q1"), user("q2"), user("q3")]
    completions = [assistant("long answer"), assistant("INVALID"), assistant("abc"), assistant("x")]
    got = reward(prompts, completions, reference=["abc", "abc", None, None],
                 prompt_id=["p0", "p1", "p2", "p3"], trainer_state=None)
    assert got == [10 - 3, None, 3 - 6, None]  # p3: no reference anywhere
    assert [g.swapped for g in judge.games] == [False, True] * 3
    assert judge.games[1].answer_a == ["abc"] and judge.games[1].answer_b == ["long answer"]
    own = judge_reward(ScriptedJudge(), score="score")
    assert own([user("q")], [assistant("abcd")], reference=["ab"]) == [4]
    with pytest.raises(InputError):
        judge_reward(judge, score="elo")


def test_judge_reward_judges_a_multi_turn_prompt_in_full():
    judge = ScriptedJudge()
    prompt = user("first") + assistant("earlier reply") + user("second")
    assert judge_reward(judge)([prompt], ["plain text"], reference=["ref"]) == [10 - 3]
    game = judge.games[0]
    assert game.prompt["turns"] == ["first", "second"] and game.answer_a == ["earlier reply", "plain text"]


def test_judge_reward_with_the_fake_judge_model():
    from wizardarena.backends.fake import FakeModel
    from wizardarena.judge import JudgeConfig, PairwiseJudge

    prompts, completions = [user("q0"), user("q1")], [assistant("one"), assistant("two")]
    logprob = judge_reward(PairwiseJudge(FakeModel("judge"), JudgeConfig(mode="logprob")))
    scores = logprob(prompts, completions, reference=["ref", "ref"])
    assert all(isinstance(s, float) and -9 <= s <= 9 for s in scores)
    assert logprob(prompts, completions, reference=["ref", "ref"]) == scores  # deterministic
    text = judge_reward(PairwiseJudge(FakeModel("judge"), JudgeConfig(mode="text", max_retries=0)))
    assert text(prompts, completions, reference=["ref", "ref"]) == [None, None]  # fake prose has no scores


def test_paired_judge_reward_battles_i_against_i_plus_b():
    judge = ScriptedJudge()
    reward = paired_judge_reward(judge, batch_size=3)
    prompts = [user("q0"), user("q1"), user("q2")] * 2
    completions = [assistant(t) for t in ("abcd", "a", "INVALID", "ab", "abcdef", "x")]
    assert reward(prompts, completions) == [2, -5, None, -2, 5, None]
    own = paired_judge_reward(ScriptedJudge(), score="score")
    assert own(prompts, completions) == [4, 1, None, 2, 6, None]
    with pytest.raises(InputError, match="same prompt"):
        reward(prompts[:3] + prompts[3:][::-1], completions)


# -- callback -------------------------------------------------------------------------------------------

def test_arena_callback_logs_elo_during_training(tiny_model_path, tmp_path, arena_home):
    from transformers import TrainerCallback

    from wizardarena.backends import Decoding
    from wizardarena.judge import JudgeConfig
    from wizardarena.ratings import RatingConfig
    from wizardarena.trainers.callback import ArenaEvalCallback

    testset = tmp_path / "mini.jsonl"
    testset.write_text("".join(json.dumps({"id": f"t{i}", "turns": [f"Explain {w}."]}) + "\n"
                               for i, w in enumerate(["hashing", "the sea", "poems"])))
    arena = ArenaEvalCallback("fake:judge", testset, ["fake:weak", "fake:strong"], every_n_steps=1,
                              judge=JudgeConfig(mode="logprob"), decoding=Decoding(max_new_tokens=4),
                              ratings=RatingConfig(unit="prompt", bootstrap=10))

    class History(TrainerCallback):
        def on_train_end(self, args, state, control, **kwargs):
            self.log_history = list(state.log_history)

    history = History()
    train_sft(tiny_model_path, chats(), tmp_path / "sft", SFTStage(max_steps=2, batch_size=2),
              callbacks=[arena, history])

    assert [p.step for p in arena.points] == [1, 2]
    assert all(p.lower <= p.elo <= p.upper for p in arena.points)
    logged = [entry for entry in history.log_history if "arena/elo" in entry]
    assert [entry["step"] for entry in logged] == [1, 2]
    assert {"arena/elo_lower", "arena/elo_upper"} <= set(logged[0])
    from wizardarena.store import ArenaStore

    store_path = arena_home / "arena.sqlite"  # the shared default store: references judged once
    assert store_path.is_file()
    with ArenaStore(store_path) as store:
        specs = {answer["meta"]["spec"] for answer in store.all_answers()}
    assert "hf:memory:step-1" in specs  # rated from memory (known by its weights), not reloaded from disk
    assert arena.best() in arena.points and arena.checkpoints[arena.best().step].is_dir()
