"""The procedure catalogue (danh mục thủ tục): each procedure's forms and their schemas, its
rules and its notices. An employer registers for procedures; intake's procedure modules
(``declarations.intake.procedures``) register them here at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lxml import etree

from declarations.employers.pki.parsing import xml_schema


@dataclass(frozen=True)
class FormSpec:
    """A form a procedure accepts: its code (MaToKhai), root element names and schema."""

    code: str
    roots: tuple[str, ...]
    schema_file: Path
    required: bool = True
    repeatable: bool = False

    @cached_property
    def schema(self) -> etree.XMLSchema:
        return xml_schema(self.schema_file)


@dataclass(frozen=True)
class Procedure:
    """A procedure (thủ tục) by code: forms, allowed plan codes, rules and notice template."""

    code: str
    name_vi: str
    name_en: str
    forms: tuple[FormSpec, ...]
    plan_codes: frozenset[str]
    rules: Callable = field(repr=False)
    notice_template: str = "declarations/notices/receipt_email.txt"
    checks_salary: bool = True
    # What acceptance produces (books, cards, …) and the function that produces it, called
    # inside the decision's transaction with the accepted dossier; returns the rows the
    # result notice lists.
    results: tuple[str, ...] = ()
    on_accept: Callable | None = field(default=None, repr=False)
    # A reviewer may accept some rows and return others (``on_accept(…, returned=…)``).
    row_decisions: bool = False
    # The unsigned envelope of a dossier drafted on a page of a lower app, for the employer to
    # download and sign: ``envelope_draft(employer=…, fields=…) -> bytes`` (intake builds it).
    envelope_draft: Callable | None = field(default=None, repr=False)

    def form(self, code: str) -> FormSpec | None:
        code = (code or "").strip()
        for spec in self.forms:
            if spec.code == code or code in spec.roots:
                return spec
        return None

    def name(self, language: str = "vi") -> str:
        return self.name_en if language.startswith("en") else self.name_vi


REGISTRY: dict[str, Procedure] = {}


def register(procedure: Procedure) -> Procedure:
    REGISTRY[procedure.code] = procedure
    return procedure


def procedure_get(code: str) -> Procedure | None:
    return REGISTRY.get((code or "").strip())


__all__ = ["REGISTRY", "FormSpec", "Procedure", "procedure_get", "register"]
