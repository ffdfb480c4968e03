"""The browser's middleware, skipped for the machine-to-machine APIs.

The I-VAN API (bearer tokens) and the central store's API (signed requests) have no
browser: no session to load or save, no signed-in user, second factor or flash messages,
and every call is already recorded by its own rows
(the API's statistics row and audit entry; the central store's nonce). Running that
middleware anyway cost about a millisecond of CPU per call. ``browser_only`` wraps each
such middleware, in its place in ``MIDDLEWARE``, so that it steps aside for a path under
``STATELESS_PATH_PREFIXES`` and runs exactly as before for every other path (its
``process_view``, ``process_exception`` and ``process_template_response`` hooks too).
CSRF stays in the list as it is: Django's deployment check looks for it by name, and the
API views are exempt anyway.

A wrapped entry is named ``portal.middleware.<its dotted path with "__" for ".">``; this
module's ``__getattr__`` builds the wrapper class on first use.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

_SEP = "__"


def browser_only(middleware: list[str], skip: list[str]) -> list[str]:
    """``middleware`` with each entry of ``skip`` replaced by its path-aware wrapper."""
    unknown = set(skip) - set(middleware)
    if unknown:
        raise ValueError(f"not in MIDDLEWARE: {sorted(unknown)}")
    return [f"{__name__}.{m.replace('.', _SEP)}" if m in skip else m for m in middleware]


def stateless(request) -> bool:
    return request.path_info.startswith(tuple(settings.STATELESS_PATH_PREFIXES))


def _wrapper(path: str) -> type:
    """A subclass of the middleware at ``path`` (so the system checks that look for it, the
    admin's and django-axes', still find it) that steps aside on a stateless path. Each of
    them keeps the next handler as ``self.get_response``, as Django's own do."""
    factory = import_string(path)

    def __call__(self, request):
        if stateless(request):
            return self.get_response(request)
        return factory.__call__(self, request)

    namespace = {"__call__": __call__, "__module__": __name__}
    # Only the hooks the middleware has: the handler registers whatever it finds.
    for hook in ("process_view", "process_exception", "process_template_response"):
        if hasattr(factory, hook):
            namespace[hook] = _unless_stateless(getattr(factory, hook), hook)
    return type(f"BrowserOnly{factory.__name__}", (factory,), namespace)


def _unless_stateless(method, hook: str):
    def wrapped(self, request, *args):
        if stateless(request):
            # process_template_response must give the response back; the others, nothing.
            return args[0] if hook == "process_template_response" else None
        return method(self, request, *args)

    return wrapped


_WRAPPERS: dict[str, type] = {}


def __getattr__(name: str):
    if name.startswith("_") or _SEP not in name:  # not a wrapped entry (``__path__``…)
        raise AttributeError(name)
    if name not in _WRAPPERS:
        _WRAPPERS[name] = _wrapper(name.replace(_SEP, "."))
    return _WRAPPERS[name]
