"""The browser's middleware steps aside for the machine-to-machine APIs and runs as before
everywhere else (portal/middleware.py)."""

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.test import RequestFactory

from portal import middleware


def _wrapped(path):
    (name,) = middleware.browser_only([path], skip=[path])
    return getattr(middleware, name.rsplit(".", 1)[1])


def _view(request):
    return HttpResponse("ok")


def test_the_wrapped_middleware_still_is_the_one_the_system_checks_look_for():
    assert issubclass(
        _wrapped("django.contrib.sessions.middleware.SessionMiddleware"), SessionMiddleware
    )


def test_no_session_for_the_api_and_one_for_a_page(settings):
    settings.STATELESS_PATH_PREFIXES = ("/api/ivan/v1/",)
    seen = {}

    def inner(request):
        seen[request.path] = hasattr(request, "session")
        return HttpResponse("ok")

    session = _wrapped("django.contrib.sessions.middleware.SessionMiddleware")(inner)
    factory = RequestFactory()
    session(factory.get("/api/ivan/v1/dossiers"))
    session(factory.get("/giao-dich/"))
    assert seen == {"/api/ivan/v1/dossiers": False, "/giao-dich/": True}


def test_csrf_is_still_checked_on_pages_and_not_on_the_api(settings):
    settings.STATELESS_PATH_PREFIXES = ("/api/ivan/v1/",)
    csrf = _wrapped("django.middleware.csrf.CsrfViewMiddleware")(_view)
    assert isinstance(csrf, CsrfViewMiddleware)
    factory = RequestFactory()
    page = factory.post("/giao-dich/nop/", {"x": "1"})
    page._dont_enforce_csrf_checks = False
    refused = csrf.process_view(page, _view, (), {})
    assert refused is not None and refused.status_code == 403
    api = factory.post("/api/ivan/v1/dossiers", {"x": "1"})
    assert csrf.process_view(api, _view, (), {}) is None


def test_an_unknown_entry_is_refused():
    with pytest.raises(ValueError):
        middleware.browser_only(["a.B"], skip=["c.D"])
