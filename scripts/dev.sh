#!/usr/bin/env bash
# Installs the portal, loads the demo data and starts it on the embedded default
# (SQLite, tasks in-process, e-mail on the console). No services needed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
# Exported: the settings build the e-mails' absolute links (SITE_URL) on this port.
export PORT=${PORT:-8000}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>&1 | grep -v -e 'WARNING: Location' -e BuildBackendWarning -e '^ *!!' -e '^ *\*\*\*' -e 'Please be careful' -e 'name as your package' -e 'WheelFile' -e '^ *$' || true
  touch .venv/.installed
fi
export DJANGO_SETTINGS_MODULE=portal.settings.dev
# The central store is served by this same server (/central/): the closure push, lookup
# and receive reach it over HTTP on the port it listens on.
export CENTRAL_API_URL=${CENTRAL_API_URL:-http://127.0.0.1:${PORT}}
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py migrate --database central --noinput -v0
.venv/bin/python manage.py seed_demo
# The agency's signing key on a SoftHSM2 token, certified by the demo CA (docs/verification.md):
# notices issued from here on are signed (XAdES XML, PAdES PDF). Without softhsm2 they are
# issued unsigned and say so. DEMO_AGENCY_TOKEN=0 leaves it out.
if [ "${DEMO_AGENCY_TOKEN:-1}" != 0 ] && command -v softhsm2-util >/dev/null; then
  eval "$(.venv/bin/python manage.py agency_token | sed -n 's/^  export /export /p')"
  # The seed's notices were issued before the token existed: sign them, codes unchanged.
  .venv/bin/python manage.py demo_documents_sign
fi
# A development credential file for both sides of the link, and the central store's demo data.
.venv/bin/python manage.py demo_central
# The demo CA's remote-signing service (/csc/, README "Ký số từ xa (CSC)"): the demo units'
# keys and this portal enrolled there.
.venv/bin/python manage.py demo_csc
# The local identity provider (idp/, README "Đăng nhập một lần (SSO)") on the next port:
# its directory holds three demo staff e-mails (the demo password), the portal is its
# client and signs in through it. DEMO_SSO=0 leaves it out.
if [ "${DEMO_SSO:-1}" != 0 ]; then
  IDP_PORT=${IDP_PORT:-$((PORT + 1))}
  SSO_SECRET=demo-sso-secret-dev-only
  idp() { DJANGO_SETTINGS_MODULE=idp.settings .venv/bin/python -m django "$@"; }
  idp migrate --noinput -v0
  idp idp_account tiepnhan_badinh@example.vn cntt_hanoi@example.vn quantri_hanoi@example.vn \
    --password "${DEMO_PASSWORD:-BhxhDemo#2026}" >/dev/null
  idp idp_client portal-demo --secret "$SSO_SECRET" --name "Cổng giao dịch điện tử BHXH" \
    --redirect-uri "http://127.0.0.1:${PORT}/oidc/callback/" \
    --redirect-uri "http://localhost:${PORT}/oidc/callback/" >/dev/null
  mkdir -p var
  DJANGO_SETTINGS_MODULE=idp.settings .venv/bin/python -m django runserver \
    "127.0.0.1:${IDP_PORT}" --noreload >var/idp.log 2>&1 &
  export OIDC_ENABLED=true OIDC_OP_ISSUER="http://127.0.0.1:${IDP_PORT}/o"
  export OIDC_RP_CLIENT_ID=portal-demo OIDC_RP_CLIENT_SECRET="$SSO_SECRET"
  echo "SSO (local identity provider): http://127.0.0.1:${IDP_PORT}/  (log: var/idp.log)"
fi
echo
echo "Portal: http://127.0.0.1:${PORT}/   (admin: http://127.0.0.1:${PORT}/quan-tri/)"
echo
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
