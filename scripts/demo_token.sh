#!/usr/bin/env bash
# Puts the demo employer's key and certificate (written by `seed_demo`, scripts/dev.sh) on a
# SoftHSM2 token, a real PKCS#11 token in var/demo-token, and prints the one command that
# starts the local signer against it. Idempotent: the token is made anew each run.
# Usage: scripts/demo_token.sh [UNIT_CODE]     (TZH490L by default)
# Environment: DEMO_TOKEN_PIN (123456), PORT of the portal (8000), SOFTHSM2_MODULE (found),
# DEMO_TOKEN_DIR (var/demo-token).
# Needs the Debian packages softhsm2 and opensc (pkcs11-tool).
set -euo pipefail
cd "$(dirname "$0")/.."

UNIT=${1:-TZH490L}
PIN=${DEMO_TOKEN_PIN:-123456}
PORT=${PORT:-8000}
LABEL="BHXH DEMO"
ROOT=$(pwd)
TOKEN_DIR=${DEMO_TOKEN_DIR:-$ROOT/var/demo-token}

for tool in softhsm2-util pkcs11-tool openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "Thiếu $tool: apt-get install softhsm2 opensc openssl" >&2; exit 1; }
done
MODULE=${SOFTHSM2_MODULE:-}
if [ -z "$MODULE" ]; then
  for candidate in /usr/lib/*/softhsm/libsofthsm2.so /usr/lib/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
    [ -f "$candidate" ] && { MODULE=$candidate; break; }
  done
fi
[ -n "$MODULE" ] || { echo "libsofthsm2.so not found: set SOFTHSM2_MODULE" >&2; exit 1; }

# The signer is a package of its own (signer/); the demo runs it from the project's venv.
[ -x .venv/bin/bhxh-signer ] || .venv/bin/python -m pip install -q --disable-pip-version-check -e ./signer

PKI_DIR=$(DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-portal.settings.dev} \
  .venv/bin/python -c "import django; django.setup(); from django.conf import settings; print(settings.DEMO_PKI_DIR)")
KEY="$PKI_DIR/$UNIT.key.pem"
CERT="$PKI_DIR/$UNIT.cert.pem"
[ -f "$KEY" ] && [ -f "$CERT" ] || { echo "No demo key for $UNIT in $PKI_DIR: run scripts/dev.sh (seed_demo) first." >&2; exit 1; }

rm -rf "$TOKEN_DIR"
mkdir -p "$TOKEN_DIR/tokens"
chmod 700 "$TOKEN_DIR"
cat > "$TOKEN_DIR/softhsm2.conf" <<EOF
directories.tokendir = $TOKEN_DIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = true
EOF
export SOFTHSM2_CONF="$TOKEN_DIR/softhsm2.conf"

# CKA_ID: the SHA-1 of the public key, as token tools name a key pair and its certificate.
KEY_ID=$(openssl x509 -in "$CERT" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha1 -r | cut -d' ' -f1)
openssl x509 -in "$CERT" -outform DER -out "$TOKEN_DIR/cert.der"
softhsm2-util --init-token --free --label "$LABEL" --so-pin "$(openssl rand -hex 8)" --pin "$PIN" >/dev/null
softhsm2-util --import "$KEY" --token "$LABEL" --label "$UNIT" --id "$KEY_ID" --pin "$PIN" >/dev/null
pkcs11-tool --module "$MODULE" --token-label "$LABEL" --login --pin "$PIN" \
  --write-object "$TOKEN_DIR/cert.der" --type cert --id "$KEY_ID" --label "$UNIT" >/dev/null
rm -f "$TOKEN_DIR/cert.der"

echo "Token \"$LABEL\" ($TOKEN_DIR) holds $UNIT's key and certificate; PIN: $PIN"
echo "Start the local signer (keep it open while signing on http://127.0.0.1:$PORT/):"
echo
echo "  SOFTHSM2_CONF=$SOFTHSM2_CONF .venv/bin/bhxh-signer --module $MODULE --allow-origin http://127.0.0.1:$PORT --allow-origin http://localhost:$PORT"
