"""Hardened XML parsing: no DTD, no entities, no network, bounded size, BOM tolerated.

Untrusted bytes never reach a parser that could load a DTD, expand an entity or open a
URL. A document that even *declares* a DOCTYPE is refused, with a code telling which kind
of attack it looks like (external entity, network entity, nested entities…).
"""

from __future__ import annotations

import codecs
import re
import threading
from pathlib import Path

from lxml import etree

from core.refusals import Refused, err

_PARSER_OPTIONS = dict(
    resolve_entities=False,
    load_dtd=False,
    dtd_validation=False,
    no_network=True,
    huge_tree=False,
    remove_blank_text=False,
    remove_comments=False,
    remove_pis=False,
    collect_ids=False,
)

_NETWORK = re.compile(r"^\s*(https?|ftp|gopher|jar|netdoc)://", re.IGNORECASE)


def hardened_parser() -> etree.XMLParser:
    """A fresh parser (lxml parsers are not thread-safe) with every risky feature off."""
    return etree.XMLParser(**_PARSER_OPTIONS)


def strip_bom(data: bytes) -> bytes:
    """Drop a leading UTF-8 byte-order mark (real I-VAN software writes one)."""
    return data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data


def _doctype_refusal(tree: etree._ElementTree, form: str | None):
    info = tree.docinfo
    dtd = info.internalDTD
    entities = list(dtd.iterentities()) if dtd is not None else []
    for entity in entities:
        url = entity.system_url or ""
        if url and _NETWORK.match(url):
            return err("XML_ENTITY_NETWORK", form=form, line=1)
    for entity in entities:
        if entity.system_url:
            return err("XML_ENTITY_EXTERNAL", form=form, line=1)
    for entity in entities:
        if "&" in (entity.content or ""):
            return err("XML_ENTITY_EXPANSION", form=form, line=1)
    if entities:
        return err("XML_ENTITY_DECLARED", form=form, line=1)
    if info.system_url or info.public_id:
        return err("XML_DTD_EXTERNAL", form=form, line=1)
    return err("XML_DTD", form=form, line=1)


def parse_untrusted(data: bytes, *, limit: int, form: str | None = None) -> etree._Element:
    """Parse untrusted bytes into an element tree or raise :class:`Refused`."""
    if len(data) > limit:
        raise Refused(err("XML_TOO_LARGE", form=form, limit=limit))
    data = strip_bom(data)
    if not data.strip():
        raise Refused(err("XML_EMPTY", form=form))
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        # A DOCTYPE whose entities lxml refused to use still ends up here: say what it was.
        if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
            raise Refused(_doctype_from_text(data, form)) from None
        raise Refused(err("XML_MALFORMED", form=form, line=exc.lineno, detail=exc.msg)) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise Refused(_doctype_refusal(tree, form))
    for node in root.iter(etree.Comment, etree.ProcessingInstruction):
        raise Refused(err("XML_COMMENT", form=form, line=node.sourceline))
    for sibling in _siblings_of_root(root):
        raise Refused(err("XML_COMMENT", form=form, line=sibling.sourceline))
    return root


def _siblings_of_root(root):
    node = root.getprevious()
    while node is not None:
        yield node
        node = node.getprevious()
    node = root.getnext()
    while node is not None:
        yield node
        node = node.getnext()


_ENTITY_DECL = re.compile(rb"<!ENTITY\s+%?\s*[\w.-]+\s+(SYSTEM|PUBLIC)?\s*([\"'])(.*?)\2", re.S)


def _doctype_from_text(data: bytes, form):
    """Classify a DOCTYPE that lxml would not even parse, from its text."""
    decls = _ENTITY_DECL.findall(data[:65536])
    for kind, _q, value in decls:
        if kind and _NETWORK.match(value.decode("latin-1")):
            return err("XML_ENTITY_NETWORK", form=form, line=1)
    for kind, _q, _value in decls:
        if kind:
            return err("XML_ENTITY_EXTERNAL", form=form, line=1)
    for _kind, _q, value in decls:
        if b"&" in value:
            return err("XML_ENTITY_EXPANSION", form=form, line=1)
    if decls:
        return err("XML_ENTITY_DECLARED", form=form, line=1)
    if re.search(rb"<!DOCTYPE\s+\S+\s+(SYSTEM|PUBLIC)", data[:4096]):
        return err("XML_DTD_EXTERNAL", form=form, line=1)
    return err("XML_DTD", form=form, line=1)


_schemas: dict[str, etree.XMLSchema] = {}
# libxml2 cannot compile schemas in several threads at once (the first concurrent
# submissions of a process failed with XMLSchemaParseError): one compiles, the others wait.
_schemas_lock = threading.Lock()


def xml_schema(path: Path) -> etree.XMLSchema:
    """Load (once) one of our own XSDs, with a parser that cannot reach the network."""
    name = str(path)
    schema = _schemas.get(name)
    if schema is None:
        with _schemas_lock:
            schema = _schemas.get(name)
            if schema is None:
                parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
                schema = etree.XMLSchema(etree.parse(name, parser))
                _schemas[name] = schema
    return schema
