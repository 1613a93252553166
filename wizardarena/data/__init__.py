"""Package data: shipped reference rankings and model-name maps (see references/PROVENANCE.md)."""
