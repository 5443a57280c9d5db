#!/usr/bin/env bash
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d), as the
# superuser: one role and one database per service of the distributed layout (M6).
#
#   role <prefix>_<service>   LOGIN, no superuser, no CREATEDB/CREATEROLE, password from
#                             <SERVICE>_DB_PASSWORD (required; no defaults)
#   database <prefix>_<service>, owned by that role (it runs its own migrations at start-up);
#                             CONNECT revoked from PUBLIC, so no other service's role gets in
#
# The superuser (POSTGRES_PASSWORD) stays with the postgres container: no service holds it, so none
# can read another's database, or run COPY … TO PROGRAM. DATABASE_PREFIX (default identity_store)
# must match the services' DATABASE_URLs. Also runnable by hand: PGHOST/PGUSER/… select the server.
set -euo pipefail

prefix="${DATABASE_PREFIX:-identity_store}"
[[ "$prefix" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "postgres-init: DATABASE_PREFIX must be a lowercase SQL identifier" >&2; exit 1; }
superuser="${POSTGRES_USER:-${PGUSER:-postgres}}"

for service in gateway identity totp passcode passkey appkey biometric audit; do
  variable="$(tr '[:lower:]' '[:upper:]' <<<"$service")_DB_PASSWORD"
  password="${!variable:-}"
  if [ "${#password}" -lt 16 ]; then
    echo "postgres-init: $variable must be set (16+ characters; URL-safe, it goes into DATABASE_URL)" >&2
    exit 1
  fi
  # psql variables (:"name" quotes an identifier, :'value' a literal) keep the values out of the SQL text.
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$superuser" --dbname postgres \
    -v role="${prefix}_${service}" -v database="${prefix}_${service}" -v password="$password" <<'SQL'
CREATE ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"role";
SQL
  # PostgreSQL 15+: the public schema belongs to pg_database_owner, i.e. to the service's role.
  echo "postgres-init: role and database ${prefix}_${service}" >&2
done
