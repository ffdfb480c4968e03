"""A small SCIM 2.0 client (RFC 7643 resources, RFC 7644 protocol) for the business
applications' user accounts: find a user by ``userName``, patch it.

Errors come in two kinds the outbox handler treats differently: :class:`ScimUnavailable`
(no answer, 5xx, 429: the application may come back, retry) and :class:`ScimRefused` (the
application answered and said no: wrong token, no such user; no retry can fix it).
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

SCIM_JSON = "application/scim+json"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class ScimError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class ScimUnavailable(ScimError):
    """The application did not answer or answered that it cannot serve now."""


class ScimRefused(ScimError):
    """The application answered and refused (401, 403, 404, 400…)."""


@dataclass
class ScimClient:
    base_url: str
    token: str
    timeout: float = 10

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        url = f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": SCIM_JSON,
            "Content-Type": SCIM_JSON,
        }
        try:
            response = requests.request(
                method,
                url,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise ScimUnavailable(f"{type(exc).__name__}: no answer from {url}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise ScimUnavailable(
                f"{method} {path} answered {response.status_code}", response.status_code
            )
        if response.status_code >= 300:
            raise ScimRefused(
                f"{method} {path} answered {response.status_code}: {_detail(response)}",
                response.status_code,
            )
        return response

    def user_id(self, user_name: str) -> str | None:
        """The application's id of the user whose ``userName`` is ``user_name``."""
        quoted = user_name.replace("\\", "\\\\").replace('"', '\\"')
        response = self._request(
            "GET", "/Users", params={"filter": f'userName eq "{quoted}"', "count": 2}
        )
        resources = _json(response).get("Resources") or []
        matches = [r for r in resources if str(r.get("userName", "")).lower() == user_name.lower()]
        if len(matches) > 1:
            raise ScimRefused(
                f"{len(matches)} users have userName {user_name}", response.status_code
            )
        return str(matches[0]["id"]) if matches else None

    def patch(self, user_id: str, operations: list[dict]) -> dict | None:
        """Apply ``operations`` (RFC 7644 §3.5.2); the resource as the application now
        holds it, or None when it answered 204 No Content."""
        response = self._request(
            "PATCH",
            f"/Users/{requests.utils.quote(user_id, safe='')}",
            json={"schemas": [PATCH_OP], "Operations": operations},
        )
        return None if response.status_code == 204 else _json(response)


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise ScimRefused("the answer is not JSON", response.status_code) from None
    if not isinstance(body, dict):
        raise ScimRefused("the answer is not a JSON object", response.status_code)
    return body


def _detail(response: requests.Response) -> str:
    try:
        return str(response.json().get("detail", ""))[:200]
    except ValueError:
        return response.text[:200]
