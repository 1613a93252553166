"""``python -m wizardarena.cli``."""

from wizardarena.cli.main import main

main()
