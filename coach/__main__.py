"""``python -m coach`` runs the same CLI as the ``coach`` script."""

from coach.cli import main

main()
