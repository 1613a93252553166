"""Helpers for trying WizardArena without downloads: a tiny local chat model (see :mod:`.tiny_model`)."""
