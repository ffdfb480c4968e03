"""Sections other apps add to the dossier page (``declarations:dossier``) without this app
importing them: each registers ``func(request, dossier) -> html | None`` from its
``AppConfig.ready()``, as the home page's banners (``core.navigation.register_banner``).
The page shows what each returns, in the order they were registered."""

from __future__ import annotations

from collections.abc import Callable

_SECTIONS: list[Callable] = []


def section_register(func: Callable) -> None:
    if func not in _SECTIONS:
        _SECTIONS.append(func)


def sections_for(request, dossier) -> list[str]:
    return [html for html in (func(request, dossier) for func in _SECTIONS) if html]
