"""Services by type: the composition root registers each long-lived object under its type once; endpoints
(``Annotated`` aliases of :func:`provided`), middleware and jobs receive exactly the ones they name.

Nothing here builds a service or knows a domain: the registry is filled by the composition root and lives
on ``app.state.services`` (or in the worker), never in a module-level variable.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, TypeVar

from fastapi import Depends
from starlette.requests import HTTPConnection

T = TypeVar("T")


class ServiceNotRegistered(LookupError):
    """Nothing was registered under the type asked for (a wiring mistake, found at start-up or first use)."""


def _key(service_type: Any) -> Any:
    """Generic types are registered and looked up by their origin (``async_sessionmaker[X]`` by
    ``async_sessionmaker``)."""
    return typing.get_origin(service_type) or service_type


class ServiceRegistry:
    """Long-lived objects keyed by the type they are provided as; each type at most once."""

    def __init__(self) -> None:
        self._by_type: dict[Any, object] = {}

    def add(self, instance: object, as_type: Any = None) -> None:
        """Register ``instance`` under ``as_type`` (default: its own class); a type taken twice raises."""
        key = _key(as_type if as_type is not None else type(instance))
        if key in self._by_type:
            raise ValueError(f"{key!r} is registered twice")
        self._by_type[key] = instance

    def get(self, service_type: type[T]) -> T:
        """The instance registered under ``service_type``; raises :class:`ServiceNotRegistered`."""
        found = self._by_type.get(service_type)  # the common case, one dict read (the hot path asks)
        if found is None:
            found = self._by_type.get(_key(service_type))
        if found is None:
            raise ServiceNotRegistered(f"no {service_type!r} is registered")
        return typing.cast(T, found)

    def __contains__(self, service_type: object) -> bool:
        return _key(service_type) in self._by_type

    def resolve(self, bundle: type[T]) -> T:
        """An instance of the dataclass ``bundle`` whose every field is the service registered under the
        field's type (what a job group declares it needs)."""
        hints = typing.get_type_hints(bundle)
        fields = dataclasses.fields(bundle)  # type: ignore[arg-type]
        return bundle(**{field.name: self.get(hints[field.name]) for field in fields})


def registry_of(connection: HTTPConnection) -> ServiceRegistry:
    """The application's registry (set by its lifespan, or by a test that built the services itself)."""
    registry: ServiceRegistry = connection.app.state.services
    return registry


def provided(service_type: Any) -> Any:
    """``Depends`` marker giving an endpoint the service registered under ``service_type``.

    Use it once per type, in the owning domain's ``dependencies.py``:
    ``Tenancy = Annotated[TenancyService, provided(TenancyService)]``.
    """

    async def provide(connection: HTTPConnection) -> Any:  # async: FastAPI runs a sync one in a thread
        return registry_of(connection).get(service_type)

    provide.__name__ = f"provide_{getattr(_key(service_type), '__name__', 'service')}"
    return Depends(provide)
