"""Registries of named specs, in the style of timm's ``register_model``/``list_models``.

A :class:`Registry` is a plain ``dict`` from a name to a frozen spec (the backbones'
``BackboneSpec``, the encoders' ``EncoderSpec``), so ``vx.BACKBONES[name]`` reads as it always
did. What it adds: a spec registers under its own name, an existing name is never replaced by
accident, and the names list sorted. Of the package it imports only :mod:`.errors`.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from .errors import RegistryError


class NamedSpec(Protocol):
    """Anything with a ``name``: what a registry files its entries under."""

    @property
    def name(self) -> str:
        """The name the spec is registered and loaded by."""


SpecT = TypeVar("SpecT", bound=NamedSpec)


class Registry(dict[str, SpecT]):
    """Specs of one kind by name; ``kind`` (``"backbone"``, ``"encoder"``) is the word errors use."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def register(self, spec: SpecT, overwrite: bool = False) -> SpecT:
        """Make ``spec`` loadable by its name; a name already taken needs ``overwrite=True``."""
        if spec.name in self and not overwrite:
            raise RegistryError(
                f"{self.kind} {spec.name!r} is already registered; pass overwrite=True to replace it"
            )
        self[spec.name] = spec
        return spec

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self)
