"""References: every model, judge and contestant resolved once, at the door, into small typed,
picklable values. Past the CLI or config reader no stage parses a spec string again.

- :class:`ModelRef` (:func:`resolve_model`): backend, canonical target, options, fingerprint;
- :class:`JudgeRef` (:func:`resolve_judge`): a model ref + :class:`~wizardarena.judge.JudgeConfig`, and
  the judge id that keys, labels and filters its judgments;
- :class:`Contestant`: a display name on a model ref; :func:`answer_key` / :func:`content_key`.
"""

from wizardarena.refs.contestant import Contestant, answer_key, parse_contestant
from wizardarena.refs.judge import JudgeRef, resolve_judge
from wizardarena.refs.keys import content_key
from wizardarena.refs.model import ModelRef, resolve_model

__all__ = ["Contestant", "JudgeRef", "ModelRef", "answer_key", "content_key", "parse_contestant", "resolve_judge",
           "resolve_model"]
