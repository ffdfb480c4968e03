"""Signing in the portal: hash-then-sign of composed and uploaded dossiers with the employer's
USB token (through the local signer) or their CA's remote signing service (CSC API)."""
