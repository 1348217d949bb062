"""The documentation's links between its own files lead somewhere (README and ``docs/``)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def local_links(text: str) -> list[str]:
    """Targets of the Markdown links outside code that name a file of the repository (no URL scheme)."""
    return [t for t in LINK.findall(CODE.sub("", text)) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_every_link_between_documents_leads_to_a_file() -> None:
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = [
        f"{doc.relative_to(ROOT)} -> {target}"
        for doc in documents
        for target in local_links(doc.read_text())
        if not (doc.parent / target).exists()
    ]
    assert len(documents) > 10 and broken == []


def test_links_in_code_and_to_the_web_are_not_files() -> None:
    text = "[a](docs/api.md) `[b](c.md)` [d](https://example.com/x) [e](settings.md#auth)"
    text += "\n```\n[f](g.md)\n```"
    assert local_links(text) == ["docs/api.md", "settings.md"]
