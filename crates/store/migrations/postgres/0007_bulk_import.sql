-- Bulk import writes the history and the search index of its rows itself, PostgreSQL dialect
-- (twin: sqlite/0007_bulk_import.sql).
--
-- The table keeps both schemas alike. PostgreSQL's triggers do not read it, and its import
-- leaves them to write each new membership's first status change; its search index is kept
-- by the database itself.

CREATE TABLE bulk_import (
    active INTEGER NOT NULL
);
