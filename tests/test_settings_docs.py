"""Every setting is documented, and ``docs/settings.md`` is the reference generated from the settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from aipair.config import Settings, SettingsGroup, load_settings
from aipair.config.reference import settings_of, settings_reference, undocumented

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_has_a_description() -> None:
    assert undocumented() == []


def test_docs_settings_md_is_the_generated_reference() -> None:
    assert DOCS.read_text() == settings_reference(), (
        "docs/settings.md is out of date: python -m aipair.config.reference > docs/settings.md"
    )


def test_an_undocumented_setting_is_found() -> None:
    class Group(SettingsGroup):
        documented: int = 1
        """Has a description."""
        forgotten: int = 2

    class WithGroup(BaseModel):
        group: Group = Field(default_factory=Group)

    rows = [s for _, group in settings_of(WithGroup) for s in group]
    assert [(s.variable, s.description) for s in rows] == [
        ("AIPAIR_GROUP__DOCUMENTED", "Has a description."),
        ("AIPAIR_GROUP__FORGOTTEN", None),
    ]


def test_the_documented_variables_are_the_ones_the_settings_read(monkeypatch: pytest.MonkeyPatch) -> None:
    variables = [s.variable for _, group in settings_of(Settings) for s in group]
    assert len(variables) == len(set(variables))
    monkeypatch.setenv("AIPAIR_HTTP__PORT", "18299")
    monkeypatch.setenv("AIPAIR_SUPPORT__GRANT_MAX_MINUTES", "90")
    read = Settings(_env_file=None)  # type: ignore[call-arg]
    assert {"AIPAIR_HTTP__PORT", "AIPAIR_SUPPORT__GRANT_MAX_MINUTES"} <= set(variables)
    assert (read.http.port, read.support.grant_max_minutes) == (18299, 90)


def test_the_example_env_file_names_only_real_settings() -> None:
    example = (DOCS.parents[1] / ".env.example").read_text()
    named = set(re.findall(r"^#?\s*(AIPAIR_[A-Z0-9_]+)=", example, flags=re.M))
    variables = {s.variable for _, group in settings_of(Settings) for s in group}
    assert named and named <= variables, named - variables


def test_a_dot_env_file_in_the_working_directory_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("AIPAIR_HTTP__PORT=18311\nAIPAIR_SUPPORT__GRANT_MAX_MINUTES=45\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AIPAIR_HTTP__PORT", raising=False)
    monkeypatch.setenv("AIPAIR_SUPPORT__GRANT_MAX_MINUTES", "90")
    read = load_settings()
    assert (read.http.port, read.support.grant_max_minutes) == (18311, 90)
