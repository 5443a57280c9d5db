#!/usr/bin/env bash
# Prints a fresh .env for docker-compose.yml: every secret it requires, random, none shared between
# purposes. Needs openssl (1.1.1+, for Ed25519).
#   (umask 077 && bash tools/docker/generate-env.sh > .env)
set -euo pipefail
hex() { openssl rand -hex "$1"; }
key_der="$(mktemp)"
trap 'rm -f "$key_der"' EXIT
openssl genpkey -algorithm ed25519 -outform DER -out "$key_der" 2>/dev/null
cat <<ENV
ADMIN_API_KEY=isk_admin_$(hex 24)
JWT_SECRET=$(hex 32)
GATEWAY_SIGNING_KEY=$(base64 -w0 <"$key_der")
GATEWAY_VERIFY_KEY=$(openssl pkey -inform DER -in "$key_der" -pubout -outform DER | base64 -w0)
INTERNAL_TOKEN_KEY=$(hex 32)
SECRETS_KEY=$(hex 32)
POSTGRES_PASSWORD=$(hex 24)
GATEWAY_DB_PASSWORD=$(hex 24)
IDENTITY_DB_PASSWORD=$(hex 24)
TOTP_DB_PASSWORD=$(hex 24)
PASSCODE_DB_PASSWORD=$(hex 24)
PASSKEY_DB_PASSWORD=$(hex 24)
APPKEY_DB_PASSWORD=$(hex 24)
BIOMETRIC_DB_PASSWORD=$(hex 24)
AUDIT_DB_PASSWORD=$(hex 24)
ENV
