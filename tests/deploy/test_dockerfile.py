"""The container image, read from ``deploy/Dockerfile`` (no Docker engine here to build it): linted by
hadolint, multi-stage with uv and the lock file, pinned bases, no build tools in the final stage, a
non-root user, a health check on ``/health`` and the CLI as the entrypoint."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tests.deploy.manifests import DEPLOY, ROOT

DOCKERFILE = DEPLOY / "Dockerfile"
PINNED = re.compile(r"^[\w./-]+(:\d+(\.\d+)+[\w.-]*|@sha256:[0-9a-f]{64})$")  # an exact version or digest
BUILD_TOOLS = ("gcc", "g++", "clang", "make", "build-essential", "cc ", "rustc", "cargo", "python3-dev")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]


def stages() -> list[Stage]:
    """The stages of the Dockerfile, each with its instructions (continuation lines joined)."""
    text = re.sub(r"\\\n(\s*#.*\n)*", " ", DOCKERFILE.read_text())
    parsed: list[Stage] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            words = arguments.split()
            parsed.append(Stage(words[0], words[2] if len(words) > 2 else None))
        else:
            parsed[-1].instructions.append((instruction.upper(), arguments.strip()))
    return parsed


def hadolint() -> str:
    return str(Path(sys.executable).parent / "hadolint")


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    done = subprocess.run([hadolint(), str(DOCKERFILE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_would_flag_an_unpinned_base_and_a_root_user() -> None:
    bad = "FROM python:latest\nUSER root\nCMD serve\n"
    done = subprocess.run([hadolint(), "-"], input=bad, capture_output=True, text=True)
    assert done.returncode != 0 and "DL3007" in done.stdout and "DL3002" in done.stdout


def test_every_base_image_is_pinned_to_an_exact_version() -> None:
    for stage in stages():
        assert PINNED.match(stage.base), stage.base
        for copy in stage.arguments("COPY"):
            source = re.search(r"--from=(\S+)", copy)
            if source and ("/" in source.group(1) or ":" in source.group(1)):
                assert PINNED.match(source.group(1)), copy


def test_the_build_stage_installs_the_locked_dependencies_with_uv() -> None:
    build, *_ = stages()
    copies, runs = build.arguments("COPY"), build.arguments("RUN")
    assert any("uv.lock" in c and "pyproject.toml" in c for c in copies)
    assert any(re.search(r"/uv\b", c) for c in copies), "uv is not in the build stage"
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs and all("--frozen" in r and "--no-dev" in r for r in syncs)
    first_sync = next(i for i, (name, args) in enumerate(build.instructions) if "uv sync" in args)
    first_source = next(
        i for i, (name, args) in enumerate(build.instructions) if name == "COPY" and "src" in args
    )
    assert first_sync < first_source, "dependencies are installed after the code: no layer cache"


def test_the_final_stage_has_no_build_tools_and_takes_only_the_app_from_the_build() -> None:
    *builders, final = stages()
    assert builders and final.base.split(":")[1].endswith("-slim-bookworm")
    for run in final.arguments("RUN"):
        assert "uv " not in run and not any(tool in run for tool in BUILD_TOOLS), run
    copied = [c for c in final.arguments("COPY") if "--from=" in c]
    assert copied == ["--from=build /app /app"]


def test_the_image_runs_as_a_non_root_user() -> None:
    *_, final = stages()
    user = final.arguments("USER")[-1]
    assert user.split(":")[0] not in ("root", "0")
    assert any(f"--uid {user.split(':')[0]}" in run for run in final.arguments("RUN"))


def test_the_health_check_asks_health_and_the_entrypoint_is_the_cli() -> None:
    *_, final = stages()
    (check,) = final.arguments("HEALTHCHECK")
    command = json.loads(check.split("CMD", 1)[1])
    assert "/health'" in " ".join(command)
    assert json.loads(final.arguments("ENTRYPOINT")[-1]) == ["aipair"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "aipair" in scripts
    assert json.loads(final.arguments("CMD")[-1]) == ["serve"]


def test_the_build_context_sends_what_the_dockerfile_copies_and_nothing_else() -> None:
    rules = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert rules[0] == "*"
    included = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    build, *_ = stages()
    for copy in build.arguments("COPY"):
        if "--from" not in copy:
            *sources, _ = shlex.split(copy)
            assert set(sources) <= included, sources
    assert not included & {".venv", "var", ".git", "tests"}
