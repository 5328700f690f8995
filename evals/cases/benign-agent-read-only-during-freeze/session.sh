#!/usr/bin/env bash
# Commands run by the app-builder agent, in order (reconstructed session).
psql "$DATABASE_URL" -c "SELECT count(*) FROM executives;"
psql "$DATABASE_URL" -c "SELECT count(*) FROM companies WHERE updated_at > now() - interval '1 day';"
# Agent: the tables hold rows; the page filters on a tenant id that is null in the session.
psql "$DATABASE_URL" -c "SELECT id, tenant_id FROM executives ORDER BY id LIMIT 5;"
grep -rn "tenant_id" src/pages/contacts.tsx
