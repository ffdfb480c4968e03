"""The wire protocol between the portal's closure client and the central store.

Shared by ``closure_sync`` (the client) and ``central`` (the other party); imports neither,
nor Django: the credential file format and the request signature.
"""
