#!/bin/sh
# The `ha` profile's one-shot set-up: the two login roles of docker/postgres-init/10-gerbang-roles.sh,
# created on whichever keeper is primary (libpq's target_session_attrs=read-write picks it, as the
# service does). Idempotent: it runs again after a restart of the stack without failing.
set -eu

psql -v ON_ERROR_STOP=1 "${PRIMARY_URL:?set PRIMARY_URL}" \
  -v owner_password="${GERBANG_OWNER_PASSWORD:?set GERBANG_OWNER_PASSWORD}" \
  -v app_password="${GERBANG_APP_PASSWORD:?set GERBANG_APP_PASSWORD}" <<'SQL'
SELECT current_database() AS db,
       NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gerbang_app') AS need_app,
       NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gerbang_owner') AS need_owner,
       NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gerbang') AS need_service \gset
\if :need_app
CREATE ROLE gerbang_app NOLOGIN;
\endif
\if :need_owner
CREATE ROLE gerbang_owner LOGIN PASSWORD :'owner_password';
\endif
\if :need_service
CREATE ROLE gerbang LOGIN PASSWORD :'app_password' IN ROLE gerbang_app;
\endif
ALTER DATABASE :"db" OWNER TO gerbang_owner;
ALTER SCHEMA public OWNER TO gerbang_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
