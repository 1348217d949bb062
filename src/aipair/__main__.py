"""``python -m aipair`` runs the command line."""

from aipair.cli import main

main()
