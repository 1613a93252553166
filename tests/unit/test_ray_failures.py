"""The Ray engine's failure rule, without Ray: a failing judge batch is retried, then judged game by game,
and a game that still fails is recorded invalid, never dropped."""

from wizardarena.arena.ray_engine import ATTEMPTS, _with_retries
from wizardarena.judge.base import Game


class _FlakyJudge:
    id = "judge-id"

    def __init__(self, broken: set[str], batch_failures: int):
        self.broken, self.batch_failures, self.tries = broken, batch_failures, 0

    def judge(self, games):
        self.tries += 1
        if len(games) > 1 and self.batch_failures:
            self.batch_failures -= 1
            raise ConnectionError("endpoint gone")
        if any(g.prompt["id"] in self.broken for g in games):
            raise TimeoutError("no reply")
        return [{"prompt_id": g.prompt["id"], "valid": True} for g in games]


def _games(*ids):
    return [Game({"id": i, "turns": ["q"]}, "a", "b", ["x"], ["y"], False) for i in ids]


def test_a_batch_that_fails_once_is_retried_whole():
    judge = _FlakyJudge(set(), batch_failures=1)
    assert [j["prompt_id"] for j in _with_retries(judge, _games("p1", "p2"))] == ["p1", "p2"]
    assert judge.tries == 2


def test_a_game_that_keeps_failing_is_recorded_invalid_in_its_place():
    judge = _FlakyJudge({"p2"}, batch_failures=0)
    out = _with_retries(judge, _games("p1", "p2", "p3"))
    assert [j["prompt_id"] for j in out] == ["p1", "p2", "p3"]
    assert [j["valid"] for j in out] == [True, False, True]
    assert out[1]["judge"] == "judge-id" and "TimeoutError" in out[1]["raw"] and out[1]["winner"] is None
    assert judge.tries == ATTEMPTS + 3
