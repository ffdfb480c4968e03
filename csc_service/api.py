"""The CSC API v2 subset the portal uses (CSC API v2.0.0.2 §8.4.4, §11.1, §11.4–11.7,
§11.10): JSON in, JSON out, errors as ``{error, error_description}``.

Service authorization is OAuth2 client credentials (``authType: oauth2client``); the
holder approves each ``credentials/authorize`` out of band (the approval page standing in
for the CA's phone app), so ``authorize`` answers 202 with a ``handle`` and the client
polls ``credentials/authorizeCheck``: 202 while pending, 200 with the SAD once approved,
400 ``access_denied`` when refused and 400 ``expired_token`` when nobody answered in time.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from functools import wraps

from cryptography import x509
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from . import selectors, services
from .models import AuthorizationState
from .services import KEY_ALGOS, MULTISIGN, SHA256_WITH_RSA, CscApiError

METHODS = [
    "credentials/list",
    "credentials/info",
    "credentials/authorize",
    "credentials/authorizeCheck",
    "signatures/signHash",
]


def _answer(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, RequestDataTooBig):
        raise CscApiError(400, "invalid_request", "The body is not a JSON object") from None
    if not isinstance(data, dict):
        raise CscApiError(400, "invalid_request", "The body is not a JSON object")
    return data


def endpoint(*, authenticated: bool = True):
    """POST only, no CSRF (bearer-token API), errors as CSC error objects."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request):
            if request.method != "POST":
                return _answer(
                    {"error": "invalid_request", "error_description": "POST only"}, status=405
                )
            try:
                client = (
                    services.token_authenticate(request.headers.get("Authorization", ""))
                    if authenticated
                    else None
                )
                return view(request, client)
            except CscApiError as exc:
                return _answer(exc.as_dict(), status=exc.status)

        return wrapper

    return decorate


@endpoint(authenticated=False)
def info(request, _client):
    oauth2 = request.build_absolute_uri(reverse("csc_service:oauth2-token")).removesuffix(
        "oauth2/token"
    )
    return _answer(
        {
            "specs": "2.0.0.2",
            "name": "CA thử nghiệm — ký số từ xa",
            "logo": request.build_absolute_uri(static("csc_service/logo.png")),
            "region": "VN",
            "lang": "vi-VN",
            "description": "Remote signing service of the tests and the demo",
            "authType": ["oauth2client"],
            "oauth2": oauth2,
            "asynchronousOperationMode": False,
            "methods": METHODS,
            "signAlgorithms": {"algos": [SHA256_WITH_RSA]},
            "signature_formats": {"formats": []},
            "conformance_levels": [],
        }
    )


def _basic_credentials(request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise CscApiError(401, "invalid_client", "Malformed authorization header") from None
    return client_id, secret


@csrf_exempt
def oauth2_token(request):
    """RFC 6749 §4.4: ``grant_type=client_credentials``, the client authenticated by HTTP
    Basic or by ``client_id``/``client_secret`` in the form body (§2.3.1)."""
    if request.method != "POST":
        return _answer({"error": "invalid_request", "error_description": "POST only"}, 405)
    try:
        if request.POST.get("grant_type") != "client_credentials":
            raise CscApiError(400, "unsupported_grant_type", "Only client_credentials")
        pair = _basic_credentials(request) or (
            request.POST.get("client_id", ""),
            request.POST.get("client_secret", ""),
        )
        if not pair[0] or not pair[1]:
            raise CscApiError(401, "invalid_client", "Client authorization required")
        token, lifetime = services.token_issue(client_id=pair[0], client_secret=pair[1])
    except CscApiError as exc:
        response = _answer(exc.as_dict(), status=exc.status)
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Basic realm="csc"'
        return response
    return _answer({"access_token": token, "token_type": "Bearer", "expires_in": lifetime})


def _generalized(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def credential_describe(credential, *, certificates="single", cert_info=False, auth_info=False):
    """The CredentialInfo object (§11.4, §11.5) of one credential."""
    if certificates not in ("none", "single", "chain"):
        raise CscApiError(400, "invalid_request", "Invalid parameter certificates")
    cert = x509.load_der_x509_certificate(bytes(credential.certificate))
    now = datetime.now(UTC)
    valid = cert.not_valid_before_utc <= now <= cert.not_valid_after_utc
    cert_data: dict = {"status": "valid" if valid else "expired"}
    if certificates != "none":
        cert_data["certificates"] = [base64.b64encode(bytes(credential.certificate)).decode()]
        if certificates == "chain":
            cert_data["certificates"] += list(credential.chain)
    if cert_info:
        cert_data |= {
            "issuerDN": cert.issuer.rfc4514_string(),
            "serialNumber": format(cert.serial_number, "X"),
            "subjectDN": cert.subject.rfc4514_string(),
            "validFrom": _generalized(cert.not_valid_before_utc),
            "validTo": _generalized(cert.not_valid_after_utc),
        }
    data = {
        "description": credential.description,
        "key": {
            "status": "enabled" if credential.enabled else "disabled",
            "algo": KEY_ALGOS,
            "len": credential.key_bits,
        },
        "cert": cert_data,
        "SCAL": "2",
        "multisign": MULTISIGN,
        "lang": "vi-VN",
        # No authentication object: the holder answers on their own device (v1 clients
        # read ``authMode``, v2 clients ``auth.mode``).
        "authMode": "explicit",
    }
    if auth_info:
        data["auth"] = {"mode": "explicit", "expression": "", "objects": []}
    return data


def _flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise CscApiError(400, "invalid_request", f"Invalid parameter {name}")
    return value


@endpoint()
def credentials_list(request, client):
    body = _body(request)
    user_id = body.get("userID")
    if not isinstance(user_id, str) or not user_id:
        raise CscApiError(
            400, "invalid_request", "Missing (or invalid type) string parameter userID"
        )
    only_valid = _flag(body, "onlyValid")
    rows = selectors.credentials_of(username=user_id, only_valid=only_valid)
    data: dict = {"credentialIDs": [c.credential_id for c in rows]}
    if _flag(body, "credentialInfo"):
        data["credentialInfos"] = [
            {
                "credentialID": c.credential_id,
                **credential_describe(
                    c,
                    certificates=body.get("certificates", "single"),
                    cert_info=_flag(body, "certInfo"),
                    auth_info=_flag(body, "authInfo"),
                ),
            }
            for c in rows
        ]
    if only_valid:
        data["onlyValid"] = True
    return _answer(data)


@endpoint()
def credentials_info(request, client):
    body = _body(request)
    credential = services.credential_get(body.get("credentialID"))
    return _answer(
        credential_describe(
            credential,
            certificates=body.get("certificates", "single"),
            cert_info=_flag(body, "certInfo"),
            auth_info=_flag(body, "authInfo"),
        )
    )


@endpoint()
def credentials_authorize(request, client):
    body = _body(request)
    authorization = services.authorization_start(
        client=client,
        credential_id=body.get("credentialID"),
        num_signatures=body.get("numSignatures"),
        hashes=body.get("hashes"),
        hash_algorithm_oid=body.get("hashAlgorithmOID"),
        description=body.get("description", ""),
    )
    return _answer({"handle": authorization.handle}, status=202)


@endpoint()
def credentials_authorize_check(request, client):
    body = _body(request)
    authorization, sad = services.authorization_check(client=client, handle=body.get("handle"))
    if sad is not None:
        return _answer({"SAD": sad, "expiresIn": settings.CSC_SERVICE_SAD_SECONDS})
    if authorization.state == AuthorizationState.REFUSED:
        raise CscApiError(400, "access_denied", "The user refused the authorization")
    if authorization.state == AuthorizationState.EXPIRED:
        raise CscApiError(400, "expired_token", "The user did not answer in time")
    return _answer({"handle": authorization.handle}, status=202)


@endpoint()
def signatures_sign_hash(request, client):
    body = _body(request)
    if body.get("operationMode", "S") != "S":
        raise CscApiError(400, "invalid_request", "Only the synchronous operation mode")
    signatures = services.hashes_sign(
        client=client,
        credential_id=body.get("credentialID"),
        sad=body.get("SAD"),
        hashes=body.get("hashes"),
        sign_algo=body.get("signAlgo"),
        hash_algorithm_oid=body.get("hashAlgorithmOID"),
    )
    return _answer({"signatures": [base64.b64encode(s).decode() for s in signatures]})
