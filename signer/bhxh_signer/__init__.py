"""The local signer: a small HTTP service on 127.0.0.1 through which the portal's page has
digests signed by the employer's USB token (PKCS#11), each request confirmed on the console.

It is another party: it imports nothing of the portal (an import-linter contract says so)."""

PROTOCOL_VERSION = "1"
DEFAULT_PORT = 47815
