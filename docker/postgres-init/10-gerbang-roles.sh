#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume (docker-entrypoint-initdb.d).
# Two login roles, so the service never runs as the owner of its tables:
#   gerbang_owner  owns the database and its schema; the service's migrations run as it
#                  (MIGRATION_DATABASE_URL).
#   gerbang        the service at run time (DATABASE_URL): a member of gerbang_app, which the
#                  migrations grant row access to (and no UPDATE/DELETE on the append-only tables).
# gerbang_app is created here as well, so membership can be granted before the migrations run; the
# migration that would create it checks for it first.
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="${GERBANG_OWNER_PASSWORD:?set GERBANG_OWNER_PASSWORD}" \
  -v app_password="${GERBANG_APP_PASSWORD:?set GERBANG_APP_PASSWORD}" \
  -v db="$POSTGRES_DB" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gerbang_app') THEN
    CREATE ROLE gerbang_app NOLOGIN;
  END IF;
END;
$$;
CREATE ROLE gerbang_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE gerbang LOGIN PASSWORD :'app_password' IN ROLE gerbang_app;
ALTER DATABASE :"db" OWNER TO gerbang_owner;
-- PostgreSQL 15+ gives CREATE on schema public only to the database owner; make that explicit.
ALTER SCHEMA public OWNER TO gerbang_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
