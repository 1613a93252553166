"""WizardArena: an offline simulated Chatbot Arena (the system of the Arena Learning paper).

Importing the package is cheap: it loads numpy-based engines only (scipy where a command needs it).
Model backends, TRL and lm-eval integrations load lazily inside the modules that need them.
"""

from wizardarena.errors import InputError, WizardArenaError

__version__ = "0.1.0"

__all__ = ["InputError", "WizardArenaError", "__version__"]
