-- A membership insert checks its categories and records its first status changes once per
-- statement, SQLite dialect (twin: postgres/0009_statement_triggers.sql).
--
-- SQLite has no statement triggers. Its import already writes a batch's first status changes
-- in one statement (migration 0007), and its row triggers cost far less than PostgreSQL's, so
-- nothing changes here; the version keeps both schemas' numbering alike.

SELECT 1;
