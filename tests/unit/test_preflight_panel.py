"""Preflight of a judge panel: every judge is checked, and every openai: server is pinged once, however many
judges a run has (a contestant's server is not pinged again for each judge)."""

from collections import Counter

import pytest

from wizardarena.arena.preflight import preflight
from wizardarena.errors import InputError
from wizardarena.judge import JudgeConfig
from wizardarena.refs import resolve_judge, resolve_model
from wizardarena.refs.model import ModelRef


def test_a_panel_pings_each_server_once(monkeypatch):
    pinged = Counter()

    class Pinger:
        def __init__(self, spec):
            self.spec = spec

        def ping(self):
            pinged[self.spec] += 1

    monkeypatch.setattr(ModelRef, "load", lambda ref, **options: Pinger(ref.spec))
    contestant = resolve_model("openai:m@http://127.0.0.1:9/v1")
    judges = [resolve_judge(f"openai:{name}@http://127.0.0.1:9/v1") for name in ("j1", "j2")]
    preflight([contestant, resolve_model("fake:x")], judges)
    assert pinged == Counter({contestant.spec: 1, judges[0].model.spec: 1, judges[1].model.spec: 1})


def test_every_judge_of_a_panel_is_checked(tmp_path):
    template = tmp_path / "t.txt"
    template.write_text("{history} {question} {answer_a}")  # no {answer_b}: not a template
    judges = [resolve_judge("fake:j"), resolve_judge("fake:k", JudgeConfig(template=str(template)))]
    with pytest.raises(InputError, match="judge template lacks {answer_b}"):
        preflight([resolve_model("fake:x")], judges, ping=False)
