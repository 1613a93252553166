"""The arena store: one SQLite file per arena holding prompts, answers, judgments, work claims and runs.

Stages read finished work from it and write each new record as soon as it exists, so a run that is
killed resumes where it stopped, and several processes can share one store without repeating work::

    store = ArenaStore("arena/store.sqlite")
    owner = make_owner()
    for key in store.claim(keys, owner, kind="judgment"):
        store.put_judgment(key, judge(key))
"""

from wizardarena.store.claims import make_owner
from wizardarena.store.schema import SCHEMA_VERSION
from wizardarena.store.sqlite import ArenaStore

__all__ = ["SCHEMA_VERSION", "ArenaStore", "make_owner"]
