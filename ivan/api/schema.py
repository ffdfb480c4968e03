"""OpenAPI description of provider authentication: OAuth2 client credentials with the
scopes each action requires."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ProviderTokenScheme(OpenApiAuthenticationExtension):
    target_class = "ivan.api.access.ProviderTokenAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/api/ivan/v1/oauth/token",
                    "scopes": settings.IVAN_SCOPES,
                }
            },
        }

    def get_security_requirement(self, auto_schema):
        view = auto_schema.view
        action = getattr(view, "action", None) or auto_schema.method.lower()
        scopes = view.required_scopes.get(action, view.required_scopes.get("*", []))
        return {self.name: list(scopes)}
