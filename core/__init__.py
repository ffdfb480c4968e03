"""The ground floor: what every app builds on and that imports no app of the portal.

The outbox (hộp thư đi) and its relay, the navigation registry, the one refusal type.
"""
