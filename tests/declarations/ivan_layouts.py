"""Signing as today's I-VAN and remote-signing (SmartCA-style) clients do, for fixtures.

These clients are .NET programs: the SignatureValue is computed over SignedInfo
canonicalized on its own (without the namespace declarations it inherits from the root),
and a Reference to an Object digests that Object canonicalized on its own too. The layouts
differ from the two real samples in ``data/`` in ways the issue lists:

- ``smartca``: ``Signature/@Id`` a GUID starting with a digit (not ``xs:ID``); the signing
  time directly in ``<Object xmlns="">`` (no namespace, no SignatureProperties), covered by a
  second Reference ``#<guid>``;
- ``smartca_named``: the same Object with another time element name (``ThoiGianKy``), not
  covered by any Reference;
- ``ds_object``: a ``ds:Object`` holding ``<SigningTime xmlns="">`` directly, covered by a
  second Reference;
- ``properties``: the samples' own layout (SignatureProperties, one Reference) signed the
  .NET way, as a control.

Each can carry an RFC 3161 timestamp over the SignatureValue (XAdES
``SignatureTimeStamp``), and be written with or without a UTF-8 BOM.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from declarations.employers.pki.signing import timestamp_fetch, timestamp_object_add

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SP_NS = "http://example.org/#signatureProperties"
LAYOUTS = ("smartca", "smartca_named", "ds_object", "properties")
SIGNATURE_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
OBJECT_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def _ds(parent, name, **attrs):
    return etree.SubElement(parent, f"{{{DS}}}{name}", **attrs)


def _digest(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _with_xsi(root):
    """The root declaring ``xmlns:xsi`` and ``xmlns:xsd`` as .NET serializers write them:
    declarations SignedInfo and the Objects inherit but do not use."""
    if "xsi" in root.nsmap:
        return root
    nsmap = {"xsi": "http://www.w3.org/2001/XMLSchema-instance"}
    nsmap["xsd"] = "http://www.w3.org/2001/XMLSchema"
    new = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    new.text = root.text
    new.extend(list(root))
    return new


def _time_object(layout: str, moment: datetime) -> bytes:
    """The Object holding the signer's claimed time, as the client writes it into the
    signature (``xmlns=""`` where the element is in no namespace)."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if layout == "smartca":
        return (
            f'<Object xmlns="" Id="{OBJECT_ID}"><SigningTime>{text}</SigningTime></Object>'.encode()
        )
    if layout == "smartca_named":
        return (
            f'<Object xmlns="" Id="{OBJECT_ID}"><ThoiGianKy>{text}</ThoiGianKy></Object>'.encode()
        )
    if layout == "ds_object":
        return (
            f'<Object Id="{OBJECT_ID}"><SigningTime xmlns="">{text}</SigningTime></Object>'.encode()
        )
    return (
        f'<Object><SignatureProperties Id="proid"><SignatureProperty Target="#{SIGNATURE_ID}">'
        f'<SigningTime xmlns="{SP_NS}">{text}</SigningTime></SignatureProperty>'
        "</SignatureProperties></Object>"
    ).encode()


def _detached_c14n(obj: bytes) -> bytes:
    """The Object canonicalized on its own: inside the signature's default namespace, and
    nothing else inherited."""
    holder = etree.fromstring(b'<Signature xmlns="' + DS.encode() + b'">' + obj + b"</Signature>")
    return etree.tostring(holder[0], method="c14n")


PLACEHOLDER = "ObjectPlaceholder"


def net_sign(
    data: bytes,
    *,
    container: str,
    issued,
    layout: str = "smartca",
    signing_time: datetime | None = None,
    tsa_url: str | None = None,
    bom: bool = True,
    key_value: bool = False,
) -> bytes:
    """Sign ``data`` (an unsigned envelope or form) at ``<root>/<container>`` in ``layout``."""
    assert layout in LAYOUTS, layout
    root = _with_xsi(etree.fromstring(data.removeprefix(b"\xef\xbb\xbf")))
    for old in root.findall(container):
        root.remove(old)
    holder = etree.SubElement(root, container)
    # The enveloped reference: the whole document, the signature (not there yet) removed.
    document_digest = _digest(etree.tostring(root.getroottree(), method="c14n"))

    obj = _time_object(layout, signing_time or datetime.now(UTC))
    info = etree.Element(f"{{{DS}}}SignedInfo", nsmap={None: DS})
    _ds(info, "CanonicalizationMethod", Algorithm=C14N)
    _ds(info, "SignatureMethod", Algorithm=RSA_SHA256)
    ref = _ds(info, "Reference", URI="")
    _ds(_ds(ref, "Transforms"), "Transform", Algorithm=ENVELOPED)
    _ds(ref, "DigestMethod", Algorithm=SHA256)
    _ds(ref, "DigestValue").text = document_digest
    if layout in ("smartca", "ds_object"):
        obj_ref = _ds(info, "Reference", URI=f"#{OBJECT_ID}")
        _ds(obj_ref, "DigestMethod", Algorithm=SHA256)
        _ds(obj_ref, "DigestValue").text = _digest(_detached_c14n(obj))
    # The .NET way: SignedInfo canonicalized on its own, signed with RSA-SHA256.
    value = issued.key.sign(
        etree.tostring(info, method="c14n"), padding.PKCS1v15(), hashes.SHA256()
    )

    signature = etree.SubElement(holder, f"{{{DS}}}Signature", nsmap={None: DS}, Id=SIGNATURE_ID)
    signature.append(info)
    _ds(signature, "SignatureValue").text = base64.b64encode(value).decode()
    key_info = _ds(signature, "KeyInfo")
    if key_value:
        numbers = issued.key.public_key().public_numbers()
        rsa_value = _ds(_ds(key_info, "KeyValue"), "RSAKeyValue")
        _ds(rsa_value, "Modulus").text = base64.b64encode(
            numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        ).decode()
        _ds(rsa_value, "Exponent").text = base64.b64encode(numbers.e.to_bytes(3, "big")).decode()
    x509_data = _ds(key_info, "X509Data")
    _ds(x509_data, "X509SubjectName").text = issued.cert.subject.rfc4514_string()
    _ds(x509_data, "X509Certificate").text = base64.b64encode(
        issued.cert.public_bytes(serialization.Encoding.DER)
    ).decode()
    _ds(signature, PLACEHOLDER)
    if tsa_url:
        timestamp_object_add(signature, timestamp_fetch(tsa_url, value))
    out = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    out = out.replace(f"<{PLACEHOLDER}/>".encode(), obj)
    return (b"\xef\xbb\xbf" + out) if bom else out


def net_sign_dossier(envelope: bytes, *, issued, layout: str = "smartca", **kwargs) -> bytes:
    """Every embedded XML form at ``<Root>/Cky``, then the envelope at ``Hoso/CKy_Dvi``, each
    in ``layout`` (a timestamp, if asked, on the envelope's signature only)."""
    tsa_url = kwargs.pop("tsa_url", None)
    root = etree.fromstring(envelope.removeprefix(b"\xef\xbb\xbf"))
    for node in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
        if (node.findtext("LoaiFile") or "").strip().lower() != "xml":
            continue
        content = base64.b64decode(node.findtext("NoiDungFile"))
        signed = net_sign(content, container="Cky", issued=issued, layout=layout, **kwargs)
        node.find("NoiDungFile").text = base64.b64encode(signed).decode()
        node.find("DoDaiFile").text = str(len(signed))
    return net_sign(
        etree.tostring(root, encoding="utf-8"),
        container="CKy_Dvi",
        issued=issued,
        layout=layout,
        tsa_url=tsa_url,
        **kwargs,
    )
