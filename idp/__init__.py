"""A local OpenID Connect provider standing in for the ministry's identity provider.

A Django project of its own (``idp.settings``): its own database, its own users (the
directory of official e-mail accounts, not portal users), django-oauth-toolkit in OIDC
mode with an RSA signing key. The portal reaches it over HTTP only; neither imports the
other (import-linter contracts in ``pyproject.toml``).
"""
