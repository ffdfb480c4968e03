"""Signing dossiers exactly as intake expects (for ``sign_dossier``, the demo and tests):
each embedded XML form at ``<Root>/Cky``, then the envelope at ``Hoso/CKy_Dvi``; enveloped
XMLDSig, ``Reference URI=""``, RSA-SHA256, SHA-256, inclusive C14N 1.0, X509Data, and the
SigningTime in a SignatureProperty."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

from .parsing import hardened_parser, strip_bom
from .signatures import DS

SP_NS = "http://example.org/#signatureProperties"


def sign_element(
    root: etree._Element,
    *,
    key_pem: bytes,
    cert_pem: bytes,
    container: str,
    signing_time: datetime | None = None,
) -> etree._Element:
    """Sign ``root`` with the signature placed in ``<root>/<container>``; returns a new tree."""
    for old in root.findall(container):
        root.remove(old)
    holder = etree.SubElement(root, container)
    etree.SubElement(holder, f"{{{DS}}}Signature", nsmap={None: DS}, Id="placeholder")
    signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0)
    signer.namespaces = {None: DS}
    signer.excise_empty_xmlns_declarations = True
    signed = signer.sign(
        root, key=key_pem, cert=cert_pem.decode(), exclude_c14n_transform_element=True
    )
    signature = signed.find(f"{container}/{{{DS}}}Signature")
    signature.set("Id", "sigid")
    obj = etree.SubElement(signature, f"{{{DS}}}Object")
    props = etree.SubElement(obj, f"{{{DS}}}SignatureProperties", Id="proid")
    prop = etree.SubElement(props, f"{{{DS}}}SignatureProperty", Target="#sigid")
    moment = (signing_time or datetime.now(UTC)).astimezone(UTC)
    etree.SubElement(prop, f"{{{SP_NS}}}SigningTime", nsmap={None: SP_NS}).text = moment.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return signed


def sign_form(data: bytes, **kwargs) -> bytes:
    root = etree.fromstring(strip_bom(data), hardened_parser())
    signed = sign_element(root, container="Cky", **kwargs)
    return etree.tostring(signed, xml_declaration=True, encoding="utf-8")


def sign_dossier(data: bytes, *, key_pem: bytes, cert_pem: bytes, signing_time=None) -> bytes:
    """Sign every embedded XML form, update its length, then sign the envelope."""
    root = etree.fromstring(strip_bom(data), hardened_parser())
    for node in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
        if (node.findtext("LoaiFile") or "").strip().lower() != "xml":
            continue
        content = base64.b64decode("".join((node.findtext("NoiDungFile") or "").split()))
        signed = sign_form(content, key_pem=key_pem, cert_pem=cert_pem, signing_time=signing_time)
        node.find("NoiDungFile").text = base64.b64encode(signed).decode()
        node.find("DoDaiFile").text = str(len(signed))
    signed_root = sign_element(
        root, key_pem=key_pem, cert_pem=cert_pem, container="CKy_Dvi", signing_time=signing_time
    )
    return etree.tostring(signed_root, xml_declaration=True, encoding="utf-8")
