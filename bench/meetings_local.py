"""Benchmark: the local minutes engine on a 3-hour, ~30,000-word multi-speaker meeting.

Generates a deterministic WebVTT transcript (fixed seed), then times what the processing job does with
it — parse, normalise, chunk (coverage checked), extract chunk by chunk, summarise and assemble — and
prints the result against the 5-second target. Run with ``python -m bench.meetings_local``.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from aipair.kit.text import word_count
from aipair.meetings.chunking import chunk_segments, render_transcript, verify_coverage
from aipair.meetings.engines import LocalEngine, prepare_meeting
from aipair.meetings.parsing import parse_transcript

TARGET_SECONDS = 5.0
TARGET_WORDS = 30_000
MEETING_SECONDS = 3 * 3600
MAX_TOKENS = 3_000
SEED = 20260304

SPEAKERS = ("Maria Lopez", "Bob Chen", "Priya Natarajan", "Ana García", "Tom Becker", "Yuki Tanaka")
TOPICS = (
    "the onboarding flow", "the pricing page", "the billing migration", "the mobile release",
    "the vendor contract", "the hiring plan", "the analytics dashboard", "the support backlog",
    "the security review", "the data retention policy", "the partner integration", "the Q3 roadmap",
)  # fmt: skip
DEADLINES = ("by Friday", "tomorrow", "next Monday", "by the end of the month", "by March 20", "next week")
TEMPLATES = (
    "I think {topic} is in better shape than last week, but there are still a few open risks.",
    "The numbers for {topic} went up about {n} percent since the last review, which is encouraging.",
    "We decided to move {topic} to the next sprint so we can focus on quality first.",
    "I'll follow up on {topic} {deadline}.",
    "{person}, can you prepare a short summary of {topic} {deadline}?",
    "{person} will talk to the customer about {topic} {deadline}.",
    "We need to double check the assumptions behind {topic} before we commit to a date.",
    "What is the current status of {topic} after the last round of feedback?",
    "Honestly the feedback on {topic} was mixed, some customers loved it and others were confused.",
    "Let's go with the simpler option for {topic} and revisit it next quarter.",
    "It's urgent, we have to fix {topic} before the audit starts.",
    "Next steps: we review {topic} again in the next meeting with fresh data.",
    "Yeah, that makes sense to me, as long as the team has enough time for testing.",
    "Does anyone know who owns {topic} now that the team has been reorganised?",
)


def generate_vtt(seed: int = SEED, target_words: int = TARGET_WORDS) -> str:
    """A deterministic Teams-style WebVTT meeting of about ``target_words`` words over three hours."""
    rng = random.Random(seed)
    cues: list[str] = []
    words = 0
    while words < target_words:
        speaker = rng.choice(SPEAKERS)
        others = [s.split()[0] for s in SPEAKERS if s != speaker]
        sentences = [
            rng.choice(TEMPLATES).format(
                topic=rng.choice(TOPICS),
                n=rng.randint(2, 40),
                deadline=rng.choice(DEADLINES),
                person=rng.choice(others),
            )
            for _ in range(rng.randint(1, 2))
        ]
        text = " ".join(sentences)
        words += word_count(text)
        cues.append(f"<v {speaker}>{text}</v>")
    step = MEETING_SECONDS / len(cues)
    blocks = [
        f"{i + 1}\n{_clock(i * step)} --> {_clock((i + 1) * step - 0.1)}\n{cue}" for i, cue in enumerate(cues)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def _clock(seconds: float) -> str:
    whole, millis = divmod(round(seconds * 1000), 1000)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{millis:03d}"


def run() -> None:
    """Generate, parse, chunk and extract; print counts and wall time against the 5 s target."""
    data = generate_vtt().encode()
    started, cpu_started = time.perf_counter(), time.process_time()
    segments = parse_transcript("meeting.vtt", data)
    prepared = prepare_meeting(segments)
    chunks = chunk_segments(prepared.segments, MAX_TOKENS)
    verify_coverage(chunks, len(render_transcript(prepared.segments)))
    engine = LocalEngine(prepared, dt.date(2026, 3, 4))
    for chunk in chunks:
        engine.extract(chunk.segments)
    minutes = engine.minutes(None)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    words = sum(word_count(s.text) for s in segments)
    verdict = "OK" if elapsed <= TARGET_SECONDS else "TOO SLOW"
    print(
        f"meetings local engine: {words:,} words, {len(segments):,} segments, {len(chunks):,} chunks, "
        f"{len(minutes.action_items):,} action items, "
        f"{elapsed:.2f} s, {cpu:.2f} s of CPU (target ≤ {TARGET_SECONDS:g} s) {verdict}"
    )


if __name__ == "__main__":
    run()
