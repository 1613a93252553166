"""Shipped reference rankings and name maps (data files; see PROVENANCE.md)."""
