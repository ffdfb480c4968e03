"""The procedure registry (danh mục thủ tục): one module per procedure code.

Adding a procedure is adding a module that builds a :class:`~.base.Procedure` and calls
:func:`register`; the intake pipeline finds it by the envelope's ``MaThuTuc``.
"""

from __future__ import annotations

from .base import FormSpec, Procedure

REGISTRY: dict[str, Procedure] = {}


def register(procedure: Procedure) -> Procedure:
    REGISTRY[procedure.code] = procedure
    return procedure


def procedure_get(code: str) -> Procedure | None:
    return REGISTRY.get((code or "").strip())


from . import p600, p600a  # noqa: E402,F401  (each module registers itself)

__all__ = ["REGISTRY", "FormSpec", "Procedure", "procedure_get", "register"]
