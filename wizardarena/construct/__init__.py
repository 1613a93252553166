"""Test-set construction: pool -> cleaning -> embeddings -> clusters -> diverse / hard / mix; decontamination."""
