"""The battle stage: schedules, judgments -> battles, and the ``eval`` pipeline."""
