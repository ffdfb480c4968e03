"""Public-key infrastructure of signed documents: hardened XML parsing, XMLDSig
verification and signing, RFC 3161 timestamps, the trust store of licensed CAs, OCSP."""
