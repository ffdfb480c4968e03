"""The forms of a stored dossier, parsed again for acceptance (one envelope parse)."""

from __future__ import annotations

import base64

from lxml import etree

from declarations.employers.pki.parsing import hardened_parser, strip_bom
from declarations.employers.procedures import procedure_get


def dossier_forms(dossier) -> dict[str, list[etree._Element]]:
    """``{form code: [root, …]}`` of the XML forms of ``dossier`` its procedure knows."""
    procedure = procedure_get(dossier.procedure_code)
    files = list(dossier.files.all())
    nodes = None
    forms: dict[str, list[etree._Element]] = {}
    for f in files:
        spec = procedure.form(f.form_code) if procedure else None
        if spec is None or f.kind != "xml":
            continue
        if f.content:
            data = bytes(f.content)
        else:
            if nodes is None:
                root = etree.fromstring(strip_bom(bytes(dossier.envelope)), hardened_parser())
                nodes = root.findall("NoiDung/ThongTinHoSo/ToKhais/FileToKhai")
            text = nodes[f.position].findtext("NoiDungFile") or ""
            data = base64.b64decode(text)  # line breaks and spaces are skipped (validate=False)
        forms.setdefault(spec.code, []).append(etree.fromstring(strip_bom(data), hardened_parser()))
    return forms
