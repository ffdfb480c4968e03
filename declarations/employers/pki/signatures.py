"""XMLDSig verification of the envelope (``Hoso/CKy_Dvi``) and each form (``<Root>/Cky``).

Built on signxml, with the checks it leaves to the caller made first, each with its own
error code. The shape policy (what is accepted, by rule rather than by sample):

- exactly one signature, at the expected place; SHA-256-family algorithms;
- one ``Reference URI=""`` with the enveloped transform (it covers the whole document), plus
  optional same-document references ``URI="#id"`` to Objects *inside the same Signature*
  (each Id unique in the document, canonicalization transforms only);
- Objects in the XMLDSig namespace or in none (remote-signing clients write
  ``<Object xmlns="">``), holding SignatureProperties, XAdES QualifyingProperties or leaf
  elements: never a document of their own (the wrapping attack);
- any Id syntax (GUIDs starting with a digit are not ``xs:ID``; the XMLDSig schema is
  checked on a copy with such Ids made valid);
- the signer's time found by local name in any namespace; it is a *claim* and decides
  nothing (see ``pipeline``); an RFC 3161 token (XAdES ``EncapsulatedTimeStamp``) is
  passed on to be verified;
- SignedInfo, and referenced Objects, canonicalized in context or detached from the
  namespace declarations of their ancestors (the .NET signer's way).

Only what the verifier returns as signed is used afterwards.

Real I-VAN software (a .NET signer) computes the SignatureValue over SignedInfo
canonicalized *on its own*, without the namespace declarations it inherits from the root
(``xmlns:xsi``/``xmlns:xsd``). :class:`IvanCompatibleVerifier` accepts that form as well:
it differs from the standard one only by declarations SignedInfo does not use, so the
references, and what they cover, are the same.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import cryptography.exceptions
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.hashes import Hash
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureMethod,
    digest_algorithm_implementations,
)
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.verifier import VerifyResult

from core.refusals import Refused, err
from declarations.employers.pki.parsing import hardened_parser

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS}

SIGNATURE_METHODS = frozenset(
    {
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
DIGEST_METHODS = frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512})
C14N_METHODS = frozenset(
    {
        CanonicalizationMethod.CANONICAL_XML_1_0.value,
        CanonicalizationMethod.CANONICAL_XML_1_1.value,
        CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value,
    }
)
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TRANSFORMS = C14N_METHODS | {ENVELOPED}


# Elements whose text is the signer's claimed signing time, by local name in any namespace.
TIME_NAMES = frozenset({"SigningTime", "SignTime", "SigningDate", "ThoiGianKy", "NgayKy"})
TIMESTAMP_NAME = "EncapsulatedTimeStamp"  # XAdES: an RFC 3161 token over the SignatureValue
# Children of an Object that may hold elements of their own; anything else must be a leaf.
OBJECT_WRAPPERS = frozenset({"SignatureProperties", "QualifyingProperties"})
MAX_REFERENCES = 4
SIGNATURE_PARTS = frozenset(
    f"{{{DS}}}{name}" for name in ("SignedInfo", "SignatureValue", "KeyInfo")
)


@dataclass(frozen=True)
class SignatureFacts:
    """What the signature says about itself, read before it is verified.

    ``claimed_time`` is the signer's own SigningTime (or alike): a claim, kept and shown as
    such, never used for a trust decision. ``claim_signed`` tells whether a Reference
    covers the Object it is in. ``timestamp`` is an RFC 3161 token, if the signature carries
    one, and ``timestamped`` the byte strings its imprint may be taken over (the raw
    SignatureValue, or its element canonicalized)."""

    certificate: x509.Certificate
    claimed_time: datetime | None = None
    claim_signed: bool = False
    timestamp: bytes | None = None
    timestamped: tuple[bytes, ...] = ()
    references: int = 1


class IvanCompatibleVerifier(XMLVerifier):
    """signxml's verifier, also accepting the SignedInfo forms real signers produce.

    When the SignatureValue does not verify over signxml's canonical SignedInfo, it tries
    SignedInfo canonicalized on its own (a separate document keeping the declarations it
    inherits — which also sidesteps the stray ``xmlns=""`` some libxml2 releases emit when
    canonicalizing a subtree), then the same without the declarations it does not use (the
    .NET signer's form). The candidates differ only in namespace declarations SignedInfo
    does not use, so the references, and what they cover, are the same.
    """

    # Large documents: the canonical form in chunks (see _c14n_chunks); small ones in one
    # piece, which is quicker.
    c14n_in_chunks = False
    # Set by get_root when verifying intake's own tree in place (see signature_verify).
    in_place = False

    def _get_cert_description(self, cert, cert_source):
        # signxml builds this for every signature, valid or not, for a message intake never
        # shows (an invalid certificate gets intake's own code): the subject's RFC 4514
        # form cost more than the signature's RSA check.
        return f"{cert_source} (serial={cert.serial_number})"

    def get_root(self, data):
        """Intake's own tree (from ``parse_untrusted``) is verified as it is, not copied."""
        if isinstance(data, etree._Element) and data.getparent() is None:
            self.in_place = True
            root = data
        else:
            root = super().get_root(data)
        self._root = root
        self._objects = None  # the Objects' canonical forms, once a reference needs them
        return root

    def validate_schema(self, signature):
        """The XMLDSig schema, on a copy: Ids made valid ``xs:ID`` and no-namespace Objects
        (checked by :func:`signature_inspect`) left out; the rest as strict as before."""
        if not _needs_schema_copy(signature):
            return super().validate_schema(signature)
        copy = etree.fromstring(etree.tostring(signature), hardened_parser())
        for child in list(copy):
            if isinstance(child.tag, str) and etree.QName(child).namespace != DS:
                copy.remove(child)
        for node in copy.iter():
            for name in ("Id", "ID", "id"):
                value = node.get(name)
                if value is not None and not _NCNAME.match(value):
                    node.set(name, "_" + _NOT_NAME_CHAR.sub("_", value))
        return super().validate_schema(copy)

    def _verify_reference(
        self, reference, index, root, uri_resolver, c14n_algorithm, signature, signature_key_used
    ):
        """signxml's reference check without its two document-sized copies.

        signxml copies the whole document before removing the enveloped signature, then
        copies it again before canonicalizing. Here ``root`` is already ``verify()``'s own
        copy (parsed from what it was given) and intake accepts exactly one ``URI=""``
        reference (checked before), so the signature is removed in place and the document
        root canonicalized as it stands: same digest, a third of the memory.
        """
        uri = reference.get("URI") or ""
        if uri.startswith("#"):
            return self._verify_object_reference(reference, index, signature, signature_key_used)
        if uri != "" or root.getparent() is not None:
            return super()._verify_reference(
                reference, index, root, uri_resolver, c14n_algorithm, signature, signature_key_used
            )
        transforms = self._find(reference, "Transforms", require=False)
        digest_alg = DigestAlgorithm(self._find(reference, "DigestMethod").get("Algorithm"))
        self.check_digest_alg_expected(digest_alg)
        digest_value = self._find(reference, "DigestValue")
        algorithms = (
            [t.get("Algorithm") for t in self._findall(transforms, "Transform")]
            if (transforms is not None)
            else []
        )
        enveloped = self._get_signature(root)
        if self._objects is None:  # before the signature leaves the tree (_object_forms)
            self._objects = _object_forms(enveloped, self.config)
        if ENVELOPED in algorithms:
            parent = enveloped.getparent()
            tail = enveloped.tail
            previous = enveloped.getprevious()
            parent.remove(enveloped)
            if tail:  # keep the text that followed the signature, as signxml does
                if previous is not None:
                    previous.tail = (previous.tail or "") + tail
                else:
                    parent.text = (parent.text or "") + tail
        c14n = next(
            (a for a in algorithms if a in C14N_METHODS),
            self.config.default_reference_c14n_method.value,
        )
        algorithm = CanonicalizationMethod(c14n)
        if not self.c14n_in_chunks or self.excise_empty_xmlns_declarations or _beside_root(root):
            payload_c14n = [self._c14n(root, algorithm=algorithm)]
            digest = self._get_digest(payload_c14n[0], digest_alg)
        else:
            payload_c14n, digest = _c14n_chunks(root, algorithm, digest_alg)
        if base64.b64decode(digest_value.text) != digest:
            raise InvalidDigest(f"Digest mismatch for reference {index} ()")
        key = signature_key_used.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        if self.in_place:
            # The tree just digested, signature removed, *is* the signed document: with no
            # comment, PI or DTD in it (parse_untrusted refuses them) nothing in it was left
            # out of the canonical form, so parsing that form again would rebuild this tree.
            return VerifyResult(payload_c14n, root, signature, signature_key=key)
        # The signed bytes (as chunks) are parsed by the caller once this tree is freed.
        return VerifyResult(payload_c14n, None, signature, signature_key=key)

    def _verify_object_reference(self, reference, index, signature, signature_key_used):
        """A reference to an Object of this signature: its digest over the Object's canonical
        form in context or detached (:func:`_c14n_variants`), computed before the enveloped
        reference took the signature out of the tree."""
        transforms = self._find(reference, "Transforms", require=False)
        algorithms = (
            [t.get("Algorithm") for t in self._findall(transforms, "Transform")]
            if transforms is not None
            else []
        )
        c14n = next((a for a in algorithms if a in C14N_METHODS), None)
        key = (reference.get("URI"), c14n)
        if self._objects is None:
            self._objects = _object_forms(self._get_signature(self._root), self.config)
        if key not in self._objects or any(a not in C14N_METHODS for a in algorithms):
            raise InvalidInput(f"Reference {index} is not to an Object of the signature")
        digest_alg = DigestAlgorithm(self._find(reference, "DigestMethod").get("Algorithm"))
        self.check_digest_alg_expected(digest_alg)
        expected = base64.b64decode(self._find(reference, "DigestValue").text)
        for candidate in self._objects[key]:
            if self._get_digest(candidate, digest_alg) == expected:
                return VerifyResult(candidate, None, signature, signature_key=None)
        raise InvalidDigest(f"Digest mismatch for reference {index} ({key[0]})")

    def _verify_signature_with_pubkey(self, *, signed_info_c14n: bytes, **kwargs):
        last = None
        for candidate in _c14n_variants(signed_info_c14n):
            try:
                return super()._verify_signature_with_pubkey(signed_info_c14n=candidate, **kwargs)
            except cryptography.exceptions.InvalidSignature as exc:
                last = exc
        raise last


def _beside_root(root) -> bool:
    """A node beside the root (outside it) would be in the document's canonical form only."""
    return root.getprevious() is not None or root.getnext() is not None


CHUNKED_FROM_BYTES = 1024 * 1024
_CHUNK = 64 * 1024


class _Digesting:
    """A file object that digests what is written and keeps it as a list of chunks of
    about ``_CHUNK`` bytes (libxml2 writes 4 kB at a time: fewer feeds to the parser)."""

    def __init__(self, digest_alg: DigestAlgorithm):
        self.chunks: list[bytes] = []
        self.pending = bytearray()
        self.hasher = Hash(digest_algorithm_implementations[digest_alg]())

    def write(self, data: bytes) -> None:
        self.hasher.update(data)
        self.pending += data
        if len(self.pending) >= _CHUNK:
            self.chunks.append(bytes(self.pending))
            self.pending.clear()

    def close(self) -> tuple[list[bytes], bytes]:
        if self.pending:
            self.chunks.append(bytes(self.pending))
            self.pending.clear()
        return self.chunks, self.hasher.finalize()


def _c14n_chunks(root, algorithm: CanonicalizationMethod, digest_alg: DigestAlgorithm):
    """The canonical form of the document of ``root`` (the same bytes as signxml's
    ``_c14n(root)`` when nothing is beside the root) in chunks, and its digest.

    ``etree.tostring`` builds it in libxml2's buffer and then copies it: twice its size at
    once, next to the tree, for a large form. Written out in chunks, it is its size once,
    and the chunks are fed to the parser of the signed tree one by one."""
    out = _Digesting(digest_alg)
    root.getroottree().write_c14n(
        out,
        exclusive=algorithm.value.startswith("http://www.w3.org/2001/10/xml-exc-c14n#"),
        with_comments=algorithm.value.endswith("#WithComments"),
    )
    return out.close()


def _c14n_variants(c14n: bytes):
    """Equivalent canonical forms of one element (a SignedInfo, an Object, a SignatureValue),
    the standard one first, the others computed only when needed: with the stray
    ``xmlns=""`` some libxml2 releases emit, and detached from the namespace declarations
    it inherits but does not use (the .NET signer's form). They differ only in namespace
    declarations, so what they say is the same."""
    standard = c14n.replace(b' xmlns=""', b"")
    yield standard
    if c14n != standard:
        yield c14n
    seen = {standard, c14n}
    node = etree.fromstring(standard, hardened_parser())
    etree.cleanup_namespaces(node)
    cleaned = etree.tostring(node, method="c14n")
    if cleaned not in seen:
        seen.add(cleaned)
        yield cleaned
    # cleanup_namespaces also drops an ``xmlns=""`` that matters (a no-namespace child of a
    # default-namespaced element): here only unused prefixed declarations go.
    dropped = _unused_prefixes_dropped(c14n)
    if dropped not in seen:
        yield dropped


_DECLARATION = re.compile(rb' xmlns:([\w.-]+)="[^"]*"')


def _unused_prefixes_dropped(c14n: bytes) -> bytes:
    """The canonical form without the apex element's prefixed namespace declarations no
    name uses (in canonical XML only the apex carries inherited ones)."""
    end = c14n.index(b">")
    head, rest = c14n[:end], c14n[end:]

    def unused(match):
        prefix = match.group(1)
        used = re.search(rb"[<\s/]" + re.escape(prefix) + rb":", rest) or re.search(
            rb"\s" + re.escape(prefix) + rb":[\w.-]+=", head
        )
        return match.group(0) if used else b""

    return head[:1] + _DECLARATION.sub(unused, head[1:]) + rest


_NCNAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
_NOT_NAME_CHAR = re.compile(r"[^\w.\-]")


def _needs_schema_copy(signature) -> bool:
    """Would the XMLDSig schema refuse ``signature`` for a reason the shape policy allows: an
    Id that is not an NCName, or an Object in no namespace?"""
    for node in signature.iter(etree.Element):
        value = node.get("Id")
        if value is not None and not _NCNAME.match(value):
            return True
    return any(child.tag == "Object" for child in signature)


_OBJECT_TAGS = frozenset({f"{{{DS}}}Object", "Object"})


def _is_object(node) -> bool:
    return node.tag in _OBJECT_TAGS


def _object_forms(signature, config) -> dict:
    """For each reference of ``signature`` to one of its Objects: the Object's canonical
    forms (:func:`_c14n_variants`) under the reference's canonicalization, keyed by
    (URI, algorithm). Computed from the unverified SignedInfo; the verified one names the
    same references, and one it does not name here is refused."""
    info = signature.find("ds:SignedInfo", NS)
    if info is None:
        return {}
    objects = {o.get("Id"): o for o in signature if _is_object(o) and o.get("Id")}
    forms = {}
    for ref in info.findall("ds:Reference", NS):
        uri = ref.get("URI") or ""
        target = objects.get(uri[1:]) if uri.startswith("#") else None
        if target is None:
            continue
        algorithms = [t.get("Algorithm") for t in ref.findall("ds:Transforms/ds:Transform", NS)]
        c14n = next((a for a in algorithms if a in C14N_METHODS), None)
        method = CanonicalizationMethod(c14n or config.default_reference_c14n_method.value)
        exclusive = method.value.startswith("http://www.w3.org/2001/10/xml-exc-c14n#")
        with_comments = method.value.endswith("#WithComments")
        raw = etree.tostring(
            target, method="c14n", exclusive=exclusive, with_comments=with_comments
        )
        forms[(uri, c14n)] = list(_c14n_variants(raw))
    return forms


def _b64(text: str | None) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise Refused(err("SIG_BASE64")) from None


def signature_inspect(root: etree._Element, *, container: str, form: str | None) -> SignatureFacts:
    """Check the shape of the one signature expected at ``<root>/<container>``."""
    where = f"{root.tag}/{container}"
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if not signatures:
        raise Refused(err("SIG_MISSING", form=form, where=where))
    sig = signatures[0]
    parent = sig.getparent()
    if (
        len(signatures) != 1
        or parent is None
        or parent.tag != container
        or parent.getparent() is not root
        or len(root.findall(container)) != 1
    ):
        raise Refused(err("SIG_LOCATION", form=form, line=sig.sourceline, where=where))
    line = sig.sourceline
    signed_infos = sig.findall("ds:SignedInfo", NS)
    if len(signed_infos) != 1 or len(sig.findall(".//ds:SignedInfo", NS)) != 1:
        raise Refused(err("SIG_MALFORMED", form=form, line=line, detail="SignedInfo"))
    info = signed_infos[0]
    c14n = info.find("ds:CanonicalizationMethod", NS)
    method = info.find("ds:SignatureMethod", NS)
    if c14n is None or method is None:
        raise Refused(err("SIG_MALFORMED", form=form, line=line, detail="SignedInfo"))
    if c14n.get("Algorithm") not in C14N_METHODS:
        raise Refused(err("SIG_ALGORITHM", form=form, line=line, value=c14n.get("Algorithm")))
    if method.get("Algorithm") not in {m.value for m in SIGNATURE_METHODS}:
        raise Refused(err("SIG_ALGORITHM", form=form, line=line, value=method.get("Algorithm")))
    objects = _objects_check(sig, form=form, line=line)
    references = info.findall("ds:Reference", NS)
    enveloped = [r for r in references if r.get("URI") == ""]
    if len(enveloped) != 1 or len(references) > MAX_REFERENCES:
        raise Refused(
            err("SIG_REFERENCE", form=form, line=line, detail=f"{len(references)} references")
        )
    covered: list[str] = []
    for ref in references:
        uri = ref.get("URI")
        transforms = [t.get("Algorithm") for t in ref.findall("ds:Transforms/ds:Transform", NS)]
        if uri == "":
            if ENVELOPED not in transforms or any(t not in TRANSFORMS for t in transforms):
                raise Refused(err("SIG_REFERENCE", form=form, line=line, detail="Transforms"))
        else:
            target = uri[1:] if uri and uri.startswith("#") else ""
            if (
                target not in objects
                or target in covered
                or any(t not in C14N_METHODS for t in transforms)
                or _id_count(root, target) != 1
            ):
                raise Refused(err("SIG_REFERENCE", form=form, line=line, detail=f"URI={uri!r}"))
            covered.append(target)
        digest = ref.find("ds:DigestMethod", NS)
        if digest is None or digest.get("Algorithm") not in {d.value for d in DIGEST_METHODS}:
            value = digest.get("Algorithm") if digest is not None else "—"
            raise Refused(err("SIG_ALGORITHM", form=form, line=line, value=value))
        _b64(ref.findtext("ds:DigestValue", namespaces=NS))
    signature_value = _b64(sig.findtext("ds:SignatureValue", namespaces=NS))
    certs = sig.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    if not certs:
        raise Refused(err("SIG_CERT_MISSING", form=form, line=line))
    try:
        certificate = certificate_of(_b64(certs[0].text))
    except ValueError:
        raise Refused(err("CERT_MALFORMED", form=form, line=line)) from None
    _key_value_check(sig, certificate, form=form, line=line)
    if not any(_is_object(child) for child in sig):
        return SignatureFacts(certificate, references=len(references))
    claim, claim_object = _claimed_time(sig)
    token = _timestamp_token(sig, form=form, line=line)
    timestamped: tuple[bytes, ...] = ()
    if token is not None:
        value_node = sig.find("ds:SignatureValue", NS)
        timestamped = (signature_value, *_c14n_variants(etree.tostring(value_node, method="c14n")))
    return SignatureFacts(
        certificate,
        claimed_time=claim,
        claim_signed=claim_object is not None and claim_object.get("Id") in covered,
        timestamp=token,
        timestamped=timestamped,
        references=len(references),
    )


def _objects_check(sig, *, form, line) -> dict:
    """The signature's children are its parts and Objects; an Object holds properties or
    leaf elements, never a document (a signed original wrapped there is refused)."""
    objects = {}
    for child in sig:
        if not isinstance(child.tag, str) or child.tag in SIGNATURE_PARTS:
            continue
        if not _is_object(child):
            name = etree.QName(child).localname
            raise Refused(err("SIG_MALFORMED", form=form, line=child.sourceline, detail=name))
        if (child.text or "").strip():
            raise Refused(err("SIG_OBJECT", form=form, line=child.sourceline))
        for part in child:
            if not isinstance(part.tag, str):
                continue
            wrapper = etree.QName(part).localname in OBJECT_WRAPPERS
            if (part.tail or "").strip() or (not wrapper and len(part)):
                raise Refused(err("SIG_OBJECT", form=form, line=child.sourceline))
        if child.get("Id"):
            objects[child.get("Id")] = child
    return objects


def _id_count(root, value: str) -> int:
    return int(root.xpath("count(//*[@Id=$v or @ID=$v or @id=$v])", v=value))


def _claimed_time(sig):
    """The signer's claimed time: the first time element, by local name, in its Objects."""
    for obj in sig:
        if not _is_object(obj):
            continue
        for node in obj.iter():
            if isinstance(node.tag, str) and etree.QName(node).localname in TIME_NAMES:
                return time_claim_parse(node.text or ""), obj
    return None, None


def time_claim_parse(text: str) -> datetime | None:
    """A claimed time as signers write it: ISO 8601 with or without a zone (none: Vietnam's
    time, as Vietnamese software writes it), or ``dd/MM/yyyy HH:mm:ss``. None if unreadable."""
    text = text.strip()
    moment = None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(UTC)


def _timestamp_token(sig, *, form, line) -> bytes | None:
    found = [
        node
        for obj in sig
        if _is_object(obj)
        for node in obj.iter()
        if isinstance(node.tag, str) and etree.QName(node).localname == TIMESTAMP_NAME
    ]
    if not found:
        return None
    if len(found) > 1:
        raise Refused(err("SIG_MALFORMED", form=form, line=line, detail="timestamps"))
    return _b64(found[0].text)


@functools.lru_cache(maxsize=64)
def certificate_of(der: bytes) -> x509.Certificate:
    """The certificate of these DER bytes: one object for the same bytes (an envelope and
    its forms carry the same certificate), so what is derived from it is derived once."""
    return x509.load_der_x509_certificate(der)


def _key_value_check(sig, certificate, *, form, line) -> None:
    key_value = sig.find("ds:KeyInfo/ds:KeyValue/ds:RSAKeyValue", NS)
    if key_value is None:
        if sig.find("ds:KeyInfo/ds:KeyValue", NS) is not None:
            raise Refused(err("SIG_KEYVALUE_MISMATCH", form=form, line=line))
        return
    public = certificate.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise Refused(err("SIG_KEYVALUE_MISMATCH", form=form, line=line))
    numbers = public.public_numbers()
    modulus = int.from_bytes(_b64(key_value.findtext("ds:Modulus", namespaces=NS)), "big")
    exponent = int.from_bytes(_b64(key_value.findtext("ds:Exponent", namespaces=NS)), "big")
    if (modulus, exponent) != (numbers.n, numbers.e):
        raise Refused(err("SIG_KEYVALUE_MISMATCH", form=form, line=line))


def signature_verify(
    root: etree._Element | bytes,
    *,
    container: str,
    certificate: x509.Certificate,
    at: datetime | None = None,
    form: str | None = None,
) -> etree._Element:
    """Verify the signature at ``<root>/<container>`` with the pinned ``certificate``.

    ``root`` is the document as :func:`~.parsing.parse_untrusted` parsed it (verified in
    place: the signature is removed from it and the same tree returned) or its bytes
    (parsed by the verifier with the hardened parser; large documents go this way, so the
    caller need not keep a tree of its own meanwhile).

    Returns the signed document: the tree that was digested, or the one rebuilt from what
    was digested (the signature itself removed, comments excised). It is the only tree the
    pipeline reads next.
    """
    # Validity is judged by the caller at the trusted time, with its own codes: signxml is
    # asked at a moment inside the certificate's validity.
    inside = min(
        max(at or certificate.not_valid_before_utc, certificate.not_valid_before_utc),
        certificate.not_valid_after_utc,
    )
    config = SignatureConfiguration(
        require_x509=True,
        location=f"./{container}/",
        # More than one: every reference is verified and the results come as a list; the
        # enveloped one (signature_inspect allows one) is the signed document.
        expect_references=True,
        signature_methods=SIGNATURE_METHODS,
        digest_algorithms=DIGEST_METHODS,
        verification_time=inside,
        default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    verifier = IvanCompatibleVerifier()
    verifier.c14n_in_chunks = isinstance(root, bytes) and len(root) >= CHUNKED_FROM_BYTES
    try:
        result = verifier.verify(
            root, x509_cert=certificate, expect_config=config, parser=hardened_parser()
        )
    except InvalidDigest:
        raise Refused(err("SIG_DIGEST", form=form)) from None
    except InvalidCertificate:
        raise Refused(err("CERT_EXPIRED", form=form, date="—")) from None
    except InvalidSignature:
        raise Refused(err("SIG_INVALID", form=form)) from None
    except InvalidInput as exc:
        raise Refused(err("SIG_MALFORMED", form=form, detail=str(exc)[:200])) from None
    except Exception as exc:  # noqa: BLE001  (a malformed signature must not become a 500)
        raise Refused(err("SIG_MALFORMED", form=form, detail=type(exc).__name__)) from None
    if isinstance(result, list):
        # The Object references' results carry no key (_verify_object_reference): the one
        # that does is the enveloped reference's, the signed document.
        result = next(r for r in result if r.signature_key is not None)
    if result.signed_xml is not None:
        return result.signed_xml
    # The result's signature element keeps the verifier's whole tree alive: let it go
    # before the signed bytes become the next tree.
    signed, result = result.signed_data, None
    chunks = [signed] if isinstance(signed, bytes) else signed  # signxml's own path: bytes
    signed = None
    chunks.reverse()
    parser = hardened_parser()
    try:
        while chunks:
            parser.feed(chunks.pop())  # each chunk freed once parsed
        return parser.close()
    except etree.XMLSyntaxError:
        raise Refused(err("SIG_MALFORMED", form=form, detail="signed data is not XML")) from None
