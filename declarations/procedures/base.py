"""What a procedure module declares: its forms and their schemas, its rules, its notices."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).resolve().parent.parent / "intake" / "schemas"


@dataclass(frozen=True)
class FormSpec:
    """A form a procedure accepts: its code (MaToKhai), root element names and schema."""

    code: str
    roots: tuple[str, ...]
    schema_file: str
    required: bool = True
    repeatable: bool = False

    @cached_property
    def schema(self) -> etree.XMLSchema:
        return xml_schema(self.schema_file)


_schemas: dict[str, etree.XMLSchema] = {}
# libxml2 cannot compile schemas in several threads at once (the first concurrent
# submissions of a process failed with XMLSchemaParseError): one compiles, the others wait.
_schemas_lock = threading.Lock()


def xml_schema(name: str) -> etree.XMLSchema:
    """Load (once) one of our own XSDs, with a parser that cannot reach the network."""
    schema = _schemas.get(name)
    if schema is None:
        with _schemas_lock:
            schema = _schemas.get(name)
            if schema is None:
                parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
                schema = etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))
                _schemas[name] = schema
    return schema


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

    def form(self, code: str) -> FormSpec | None:
        code = (code or "").strip()
        for spec in self.forms:
            if spec.code == code or code in spec.roots:
                return spec
        return None

    def name(self, language: str = "vi") -> str:
        return self.name_en if language.startswith("en") else self.name_vi
