"""``make eval``: the minutes engine on the evaluation set (``python -m bench.minutes_eval [--details]``)."""

from __future__ import annotations

import sys

from bench.minutes_eval.report import details, evaluate, render


def main() -> None:
    """Print the figures per language and split; with ``--details`` also every miss per meeting."""
    evaluation = evaluate()
    if "--details" in sys.argv[1:]:
        print(details(evaluation))
        print()
    print(render(evaluation))


if __name__ == "__main__":
    main()
