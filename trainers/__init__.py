"""The Arena Learning data flywheel (import name ``wizardarena.trainers``), on TRL 1.x.

- :mod:`~wizardarena.trainers.battle_data`: SFT / DPO / reward-model rows from judged battles, in TRL's
  formats (pure functions);
- :mod:`~wizardarena.trainers.training`: one function per stage (SFTTrainer, DPOTrainer, RewardTrainer,
  GRPO/RLOO), each resumable;
- :mod:`~wizardarena.trainers.rewards`: the WizardArena judge as a GRPO/RLOO/OnlineDPO reward function;
- :mod:`~wizardarena.trainers.callback`: ``ArenaEvalCallback``, an arena Elo with CI during training;
- :mod:`~wizardarena.trainers.flywheel`: the loop (``wizardarena flywheel``).

Importing this package loads no torch, transformers or TRL; the modules that need them import them
inside their functions (``callback`` subclasses ``TrainerCallback``, so import it explicitly).
"""

from wizardarena.trainers.config import DPOStage, RewardStage, RLStage, SFTStage, TrainingConfig, training_config
from wizardarena.trainers.flywheel import FlywheelConfig, flywheel_config
from wizardarena.trainers.flywheel_loop import run_flywheel

__all__ = ["DPOStage", "FlywheelConfig", "RLStage", "RewardStage", "SFTStage", "TrainingConfig",
           "flywheel_config", "run_flywheel", "training_config"]
