"""OpenAPI description of provider authentication (OAuth2 client credentials with the
scopes each action requires) and the hook that gives error codes their enum."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from core.refusals import CATALOGUE
from ivan.api.texts import SCOPES_VI, bilingual


class ProviderTokenScheme(OpenApiAuthenticationExtension):
    target_class = "ivan.api.access.ProviderTokenAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": bilingual(
                "Lấy mã truy cập bằng client_id và client_secret do BHXH cấp (HTTP Basic), "
                "grant_type=client_credentials và các scope cần dùng; gửi kèm mỗi lần gọi "
                "trong tiêu đề `Authorization: Bearer …`.",
                "Get a token with the client_id and client_secret VSS issued (HTTP Basic), "
                "grant_type=client_credentials and the scopes you need; send it on every call "
                "as `Authorization: Bearer …`.",
            ),
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/api/ivan/v1/oauth/token",
                    "scopes": {
                        scope: f"{SCOPES_VI.get(scope, text)} — {text}"
                        for scope, text in settings.IVAN_SCOPES.items()
                    },
                }
            },
        }

    def get_security_requirement(self, auto_schema):
        view = auto_schema.view
        action = getattr(view, "action", None) or auto_schema.method.lower()
        scopes = view.required_scopes.get(action, view.required_scopes.get("*", []))
        return {self.name: list(scopes)}


def error_codes_enum(result, generator, request, public):
    """Post-processing hook: every error code field lists the refusal catalogue as its enum
    (one ``ErrorCode`` component), read when the document is generated, once every app has
    registered its codes."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorCode"] = {
        "type": "string",
        "enum": sorted(CATALOGUE),
        "description": "Mã lỗi của danh mục mã lỗi (docs/errors.md).\n\n"
        "A code of the portal's error catalogue (docs/errors.md).",
    }
    for name, field in (("Problem", "code"), ("RefusalCount", "code"), ("Warning", "code")):
        prop = schemas.get(name, {}).get("properties", {}).get(field)
        if prop is not None:
            schemas[name]["properties"][field] = {
                "$ref": "#/components/schemas/ErrorCode",
                "description": prop.get("description", ""),
            }
    return result
