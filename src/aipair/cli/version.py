"""The installed version of the package (for ``--version`` and the server's banner)."""

from __future__ import annotations


def package_version() -> str:
    """The installed version of the ``aipair`` package."""
    from importlib import metadata

    try:
        return metadata.version("aipair")
    except metadata.PackageNotFoundError:
        return "unknown"
