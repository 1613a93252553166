"""The names the YAML tasks beside this file call with ``!function hooks.NAME``.

lm-eval loads a ``!function`` file by its path, as a new module each time it reads a YAML, so nothing
lives here: the code, and the memo the six metric aggregations share, are in
:mod:`wizardarena.tasks.harness`, imported once like any package module.
"""

from wizardarena.tasks.harness import (  # noqa: F401
                                       diverse_dataset,
                                       doc_to_text,
                                       elo,
                                       elo_lower,
                                       elo_upper,
                                       hard_dataset,
                                       mix_dataset,
                                       n_battles,
                                       n_invalid,
                                       process_results,
                                       win_rate,
)
