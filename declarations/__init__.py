"""Employers and their e-transaction dossiers, as a package of small apps.

``employers`` ← ``dossiers`` ← {``intake``, ``review``, ``adoption``, ``difficulties``}: each
imports only the ones left of it (``pyproject.toml``'s import contracts). ``urls`` gathers
their pages under the ``declarations`` and ``district`` URL namespaces.
"""
