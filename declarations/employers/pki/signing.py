"""Signing dossiers exactly as intake expects (for ``sign_dossier``, the demo and tests):
each embedded XML form at ``<Root>/Cky``, then the envelope at ``Hoso/CKy_Dvi``; enveloped
XMLDSig, ``Reference URI=""``, RSA-SHA256, SHA-256, inclusive C14N 1.0, X509Data, the
signer's claimed SigningTime in a SignatureProperty, and optionally an RFC 3161 timestamp
over the SignatureValue from a time-stamping authority (XAdES ``SignatureTimeStamp``)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import httpx
from lxml import etree
from rfc3161_client import PKIStatus, TimestampRequestBuilder, decode_timestamp_response
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

from declarations.employers.pki.parsing import hardened_parser, strip_bom
from declarations.employers.pki.signatures import DS, NS

XADES = "http://uri.etsi.org/01903/v1.3.2#"

SP_NS = "http://example.org/#signatureProperties"


def sign_element(
    root: etree._Element,
    *,
    cert_pem: bytes,
    container: str,
    key_pem: bytes | None = None,
    key=None,
    signing_time: datetime | None = None,
) -> etree._Element:
    """Sign ``root`` with the signature placed in ``<root>/<container>``; returns a new tree.

    ``key``: instead of ``key_pem``, any object with an RSA private key's ``sign(data,
    padding, algorithm)`` — hash-then-sign (declarations.signing) passes one that hands the
    SignedInfo to the employer's own signer, so both paths build the same layout."""
    for old in root.findall(container):
        root.remove(old)
    holder = etree.SubElement(root, container)
    etree.SubElement(holder, f"{{{DS}}}Signature", nsmap={None: DS}, Id="placeholder")
    signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0)
    signer.namespaces = {None: DS}
    signer.excise_empty_xmlns_declarations = True
    signed = signer.sign(
        root,
        key=key if key is not None else key_pem,
        cert=cert_pem.decode(),
        exclude_c14n_transform_element=True,
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


def sign_dossier(
    data: bytes,
    *,
    cert_pem: bytes,
    key_pem: bytes | None = None,
    key=None,
    signing_time=None,
    tsa_url: str | None = None,
) -> bytes:
    """Sign every embedded XML form, update its length, then sign the envelope (and have its
    signature timestamped by the TSA at ``tsa_url``, if given). ``key``: see
    :func:`sign_element`; the forms are signed first, in document order, then the envelope."""
    root = etree.fromstring(strip_bom(data), hardened_parser())
    dossier_forms_sign(root, key_pem=key_pem, key=key, cert_pem=cert_pem, signing_time=signing_time)
    signed_root = sign_element(
        root,
        key_pem=key_pem,
        key=key,
        cert_pem=cert_pem,
        container="CKy_Dvi",
        signing_time=signing_time,
    )
    if tsa_url:
        # signxml's tree holds the signature's parts in no namespace until serialized.
        signed_root = etree.fromstring(etree.tostring(signed_root), hardened_parser())
        timestamp_attach(signed_root, container="CKy_Dvi", tsa_url=tsa_url)
    return etree.tostring(signed_root, xml_declaration=True, encoding="utf-8")


def dossier_forms_sign(
    root: etree._Element,
    *,
    cert_pem: bytes,
    key_pem: bytes | None = None,
    key=None,
    signing_time=None,
) -> None:
    """Sign, in place, every embedded XML form of the envelope ``root`` (in document
    order) and update its length: the first half of :func:`sign_dossier`."""
    for node in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
        if (node.findtext("LoaiFile") or "").strip().lower() != "xml":
            continue
        content = base64.b64decode("".join((node.findtext("NoiDungFile") or "").split()))
        signed = sign_form(
            content, key_pem=key_pem, key=key, cert_pem=cert_pem, signing_time=signing_time
        )
        node.find("NoiDungFile").text = base64.b64encode(signed).decode()
        node.find("DoDaiFile").text = str(len(signed))


def timestamp_fetch(tsa_url: str, data: bytes, *, timeout: float = 10.0) -> bytes:
    """An RFC 3161 timestamp token over ``data`` from the TSA at ``tsa_url`` (HTTP POST of
    an ``application/timestamp-query``); the token as DER."""

    request = TimestampRequestBuilder().data(data).cert_request(cert_request=True).build()
    answer = httpx.post(
        tsa_url,
        content=request.as_bytes(),
        headers={"Content-Type": "application/timestamp-query"},
        timeout=timeout,
    )
    answer.raise_for_status()
    response = decode_timestamp_response(answer.content)
    if PKIStatus(response.status) != PKIStatus.GRANTED:
        raise ValueError(f"the TSA did not grant a timestamp: {response.status_string}")
    return response.time_stamp_token()


def timestamp_attach(root: etree._Element, *, container: str, tsa_url: str) -> etree._Element:
    """Add a timestamp over the SignatureValue of the signature at ``<root>/<container>``,
    as XAdES unsigned properties in an Object of that signature."""
    signature = root.find(f"{container}/ds:Signature", NS)
    value = base64.b64decode(
        "".join(signature.findtext("ds:SignatureValue", namespaces=NS).split())
    )
    timestamp_object_add(signature, timestamp_fetch(tsa_url, value))
    return root


def timestamp_object_add(signature: etree._Element, token: bytes) -> etree._Element:
    """Append to ``signature`` an Object with ``token`` as XAdES
    ``QualifyingProperties/UnsignedProperties/…/SignatureTimeStamp/EncapsulatedTimeStamp``."""
    obj = etree.SubElement(signature, f"{{{DS}}}Object")
    props = etree.SubElement(
        obj,
        f"{{{XADES}}}QualifyingProperties",
        nsmap={"xades": XADES},
        Target=f"#{signature.get('Id', '')}",
    )
    unsigned = etree.SubElement(props, f"{{{XADES}}}UnsignedProperties")
    stamps = etree.SubElement(unsigned, f"{{{XADES}}}UnsignedSignatureProperties")
    stamp = etree.SubElement(stamps, f"{{{XADES}}}SignatureTimeStamp")
    etree.SubElement(stamp, f"{{{XADES}}}EncapsulatedTimeStamp").text = base64.b64encode(
        token
    ).decode()
    return obj
