"""The evaluation run: every meeting through the engine, figures per language and split."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aipair.meetings.minutes import Minutes
from bench.minutes_eval.dataset import GoldMeeting, load_all, minutes_of
from bench.minutes_eval.matching import match
from bench.minutes_eval.scoring import Tally, score

LANGUAGES = ("en", "es")
# "all" is the set written with the rules (dev, heldout and dev2); "blind" is reported on its own
SPLITS = ("dev", "heldout", "dev2", "all", "blind")


@dataclass(frozen=True)
class Evaluation:
    """Each meeting's minutes and counts, and the counts per (language, split)."""

    meetings: list[GoldMeeting]
    minutes: dict[str, Minutes]
    per_meeting: dict[str, Tally]
    groups: dict[tuple[str, str], Tally]


def evaluate(meetings: Sequence[GoldMeeting] | None = None) -> Evaluation:
    """Run the engine on ``meetings`` (the set and its blind part by default) and score it."""
    chosen = list(meetings if meetings is not None else load_all())
    minutes = {m.id: minutes_of(m) for m in chosen}
    per_meeting = {m.id: score(m, minutes[m.id]) for m in chosen}
    groups = {(lang, split): Tally() for lang in LANGUAGES for split in SPLITS}
    for meeting in chosen:
        for split in (meeting.split,) if meeting.split == "blind" else (meeting.split, "all"):
            groups[(meeting.language, split)].add(per_meeting[meeting.id])
    return Evaluation(chosen, minutes, per_meeting, groups)


_ROWS: tuple[tuple[str, str], ...] = (
    ("meetings", "meetings"),
    ("action items: precision", "precision"),
    ("action items: recall", "recall"),
    ("owner accuracy (matched)", "owner_accuracy"),
    ("due date exact (matched)", "due_accuracy"),
    ("due date exact (stated in gold)", "stated_due_accuracy"),
    ("decisions found (recall)", "decision_recall"),
    ("decisions written that are gold", "decision_precision"),
)


def _cell(tally: Tally, attribute: str) -> str:
    value = getattr(tally, attribute)
    return f"{value:d}" if isinstance(value, int) else f"{value:.2f}"


def render(evaluation: Evaluation) -> str:
    """The table ``make eval`` prints."""
    columns = [(lang, split) for lang in LANGUAGES for split in SPLITS]
    header = f"{'':34}" + "".join(f"{lang + ' ' + split:>12}" for lang, split in columns)
    lines = [header]
    for label, attribute in _ROWS:
        lines.append(
            f"{label:34}" + "".join(f"{_cell(evaluation.groups[c], attribute):>12}" for c in columns)
        )
    for label, names in (
        ("summary ROUGE-1/2/Lsum", ("rouge1", "rouge2", "rougelsum")),
        ("first-sentences baseline", ("lead1", "lead2", "leadlsum")),
    ):
        cells = []
        for column in columns:
            tally = evaluation.groups[column]
            cells.append("/".join(f"{100 * tally.mean(getattr(tally, n)):.0f}" for n in names))
        lines.append(f"{label:34}" + "".join(f"{c:>12}" for c in cells))
    for label, attribute in (("summary words (mean)", "summary_words"),):
        lines.append(
            f"{label:34}"
            + "".join(
                f"{evaluation.groups[c].mean(getattr(evaluation.groups[c], attribute)):>12.0f}"
                for c in columns
            )
        )
    for label, attribute in (
        ("markup tokens in output", "markup"),
        ("fillers in output", "fillers"),
        ("repeated words in output", "stutters"),
    ):
        lines.append(
            f"{label:34}" + "".join(f"{getattr(evaluation.groups[c], attribute):>12d}" for c in columns)
        )
    return "\n".join(lines)


def details(evaluation: Evaluation) -> str:
    """Per meeting: missed and extra action items and decisions, wrong owners and dates.

    Never for the blind part: its misses must not guide a rule, so only its figures are printed.
    """
    lines: list[str] = []
    for meeting in (m for m in evaluation.meetings if m.split != "blind"):
        minutes = evaluation.minutes[meeting.id]
        lines.append(f"== {meeting.id} ({meeting.split})")
        produced = minutes.action_items
        pairs = dict(match([g.task for g in meeting.actions], [p.task for p in produced]))
        for gi, gold in enumerate(meeting.actions):
            if gi not in pairs:
                lines.append(f"  MISSED  {gold.task!r} ({gold.owner}, {gold.due})")
                continue
            item = produced[pairs[gi]]
            if (item.owner_name or "").casefold() != (
                gold.owner or ""
            ).casefold() or item.due_date != gold.due:
                lines.append(
                    f"  WRONG   {item.task!r}: owner {item.owner_name} (gold {gold.owner}),"
                    f" due {item.due_date} (gold {gold.due})"
                )
        for pi, item in enumerate(produced):
            if pi not in pairs.values():
                lines.append(
                    f"  EXTRA   {item.task!r} ({item.owner_name}, {item.due_date}, {item.confidence})"
                )
        found = dict(match(list(meeting.decisions), [d.text for d in minutes.decisions]))
        lines += [f"  DEC MISSED {d!r}" for i, d in enumerate(meeting.decisions) if i not in found]
        lines += [
            f"  DEC EXTRA  {d.text!r}" for i, d in enumerate(minutes.decisions) if i not in found.values()
        ]
        lines.append(f"  TITLE   {minutes.title}")
        lines.append(f"  SUMMARY {minutes.summary}")
    return "\n".join(lines)
