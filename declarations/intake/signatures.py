"""XMLDSig verification of the envelope (``Hoso/CKy_Dvi``) and each form (``<Root>/Cky``).

Built on signxml, with the checks it leaves to the caller made first, each with its own
error code: exactly one signature and at the expected place, SHA-256-family algorithms,
one ``Reference URI=""`` with the enveloped transform, a certificate pinned to the
employer's registered one, KeyValue (if any) equal to the certificate's key, a signing
time. Only what the verifier returns as signed is used afterwards.

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
from dataclasses import dataclass
from datetime import UTC, datetime

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

from .errors import Refused, err
from .parsing import hardened_parser

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
TRANSFORMS = C14N_METHODS | {ENVELOPED}


@dataclass(frozen=True)
class SignatureFacts:
    """What the signature says about itself, read before it is verified."""

    certificate: x509.Certificate
    signing_time: datetime


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
            return data
        return super().get_root(data)

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
        if reference.get("URI") != "" or root.getparent() is not None:
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

    def _verify_signature_with_pubkey(self, *, signed_info_c14n: bytes, **kwargs):
        last = None
        for candidate in _signed_info_variants(signed_info_c14n):
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


def _signed_info_variants(signed_info_c14n: bytes):
    """Equivalent canonical forms of one SignedInfo, the standard one first, the others
    computed only when needed (see :class:`IvanCompatibleVerifier`)."""
    standard = signed_info_c14n.replace(b' xmlns=""', b"")
    yield standard
    if signed_info_c14n != standard:
        yield signed_info_c14n
    node = etree.fromstring(standard, hardened_parser())
    etree.cleanup_namespaces(node)
    cleaned = etree.tostring(node, method="c14n")
    if cleaned not in (standard, signed_info_c14n):
        yield cleaned


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
    references = info.findall("ds:Reference", NS)
    if len(references) != 1:
        raise Refused(
            err("SIG_REFERENCE", form=form, line=line, detail=f"{len(references)} references")
        )
    ref = references[0]
    if ref.get("URI") != "":
        raise Refused(err("SIG_REFERENCE", form=form, line=line, detail=f"URI={ref.get('URI')!r}"))
    transforms = [t.get("Algorithm") for t in ref.findall("ds:Transforms/ds:Transform", NS)]
    if ENVELOPED not in transforms or any(t not in TRANSFORMS for t in transforms):
        raise Refused(err("SIG_REFERENCE", form=form, line=line, detail="Transforms"))
    digest = ref.find("ds:DigestMethod", NS)
    if digest is None or digest.get("Algorithm") not in {d.value for d in DIGEST_METHODS}:
        value = digest.get("Algorithm") if digest is not None else "—"
        raise Refused(err("SIG_ALGORITHM", form=form, line=line, value=value))
    for obj in sig.findall("ds:Object", NS):
        children = [c for c in obj if isinstance(c.tag, str)]
        if (obj.text or "").strip() or any(
            etree.QName(c).localname != "SignatureProperties" for c in children
        ):
            raise Refused(err("SIG_OBJECT", form=form, line=obj.sourceline))
    _b64(ref.findtext("ds:DigestValue", namespaces=NS))
    _b64(sig.findtext("ds:SignatureValue", namespaces=NS))
    certs = sig.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    if not certs:
        raise Refused(err("SIG_CERT_MISSING", form=form, line=line))
    try:
        certificate = certificate_of(_b64(certs[0].text))
    except ValueError:
        raise Refused(err("CERT_MALFORMED", form=form, line=line)) from None
    _key_value_check(sig, certificate, form=form, line=line)
    return SignatureFacts(certificate, _signing_time(sig, form=form, line=line))


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


def _signing_time(sig, *, form, line) -> datetime:
    values = [
        el.text
        for el in sig.iterfind("ds:Object//*", NS)
        if isinstance(el.tag, str) and etree.QName(el).localname == "SigningTime"
    ]
    if len(values) != 1:
        raise Refused(err("SIG_TIME_MISSING", form=form, line=line))
    try:
        moment = datetime.fromisoformat((values[0] or "").strip())
    except ValueError:
        raise Refused(err("SIG_TIME_MISSING", form=form, line=line)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def signature_verify(
    root: etree._Element | bytes,
    *,
    container: str,
    certificate: x509.Certificate,
    at: datetime,
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
    config = SignatureConfiguration(
        require_x509=True,
        location=f"./{container}/",
        expect_references=1,
        signature_methods=SIGNATURE_METHODS,
        digest_algorithms=DIGEST_METHODS,
        verification_time=at,
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
