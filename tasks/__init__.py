"""lm-evaluation-harness tasks (import name ``wizardarena.tasks``), shipped as package data by their
issue. The core never imports lm_eval."""
