"""Pages of the accounts app, one module per part of the domain."""

from .auth import LoginView, LogoutView

__all__ = ["LoginView", "LogoutView"]
