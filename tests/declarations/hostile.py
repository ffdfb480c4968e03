"""Builders of hostile variants of a signed dossier (used by the hostile corpus tests)."""

from __future__ import annotations

import base64
import copy

from lxml import etree

from declarations.employers.pki.signatures import DS
from declarations.employers.pki.signing import sign_element

NS = {"ds": DS}


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data.removeprefix(b"\xef\xbb\xbf"))


def dump(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def tamper(data: bytes, change) -> bytes:
    root = parse(data)
    change(root)
    return dump(root)


def envelope_signature(root):
    return root.find("CKy_Dvi/ds:Signature", NS)


def form_node(root, code="D02-LT"):
    for node in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
        if node.findtext("MaToKhai") == code:
            return node
    raise LookupError(code)


def tamper_form(data: bytes, change, *, issued, code="D02-LT", as_bytes=False) -> bytes:
    """Change an embedded form, then sign the envelope again (a re-wrapping intermediary):
    only the form's own signature can catch it."""
    root = parse(data)
    node = form_node(root, code)
    content = base64.b64decode(node.findtext("NoiDungFile"))
    if as_bytes:
        content = change(content)
    else:
        form = etree.fromstring(content)
        change(form)
        content = etree.tostring(form, xml_declaration=True, encoding="utf-8")
    node.find("NoiDungFile").text = base64.b64encode(content).decode()
    node.find("DoDaiFile").text = str(len(content))
    root.remove(root.find("CKy_Dvi"))
    return dump(
        sign_element(root, key_pem=issued.key_pem, cert_pem=issued.cert_pem, container="CKy_Dvi")
    )


def resign(data: bytes, change, *, issued) -> bytes:
    """Change the unsigned envelope, then sign it properly (for rule-level variants)."""
    root = parse(data)
    change(root)
    root.remove(root.find("CKy_Dvi"))
    return dump(
        sign_element(root, key_pem=issued.key_pem, cert_pem=issued.cert_pem, container="CKy_Dvi")
    )


def deep(node):
    return copy.deepcopy(node)
