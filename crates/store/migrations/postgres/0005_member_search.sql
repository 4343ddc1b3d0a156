-- Member search on a registry of a million members, PostgreSQL dialect (twin:
-- sqlite/0005_member_search.sql, same columns and index names).
--
-- A unit membership carries a copy of its member's name, district and sector, kept by
-- triggers, so that one index of memberships serves both a search's filters and its order.
-- The copies compare byte by byte (COLLATE "C"), as SQLite compares text, so both databases
-- list members in the same order whatever the server's locale. The organisations' names,
-- short names and registration numbers are indexed by trigrams (pg_trgm) where the extension
-- can be installed; without it a substring search reads every member, with the same results.

ALTER TABLE memberships ADD COLUMN member_name TEXT COLLATE "C";
ALTER TABLE memberships ADD COLUMN member_district TEXT COLLATE "C";
ALTER TABLE memberships ADD COLUMN member_sector TEXT COLLATE "C";
UPDATE memberships m SET member_name = o.name, member_district = o.district,
    member_sector = o.sector
FROM organisations o WHERE o.id = m.member_id;

CREATE FUNCTION memberships_member_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.member_id IS NULL THEN
        NEW.member_name := NULL;
        NEW.member_district := NULL;
        NEW.member_sector := NULL;
    ELSE
        SELECT o.name, o.district, o.sector
        INTO NEW.member_name, NEW.member_district, NEW.member_sector
        FROM organisations o WHERE o.id = NEW.member_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER memberships_member_copy BEFORE INSERT OR UPDATE OF member_id ON memberships
FOR EACH ROW EXECUTE FUNCTION memberships_member_copy();
CREATE FUNCTION organisations_member_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE memberships
    SET member_name = NEW.name, member_district = NEW.district, member_sector = NEW.sector
    WHERE member_id = NEW.id;
    RETURN NEW;
END
$$;
CREATE TRIGGER organisations_member_copy AFTER UPDATE OF name, district, sector ON organisations
FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name
    OR NEW.district IS DISTINCT FROM OLD.district OR NEW.sector IS DISTINCT FROM OLD.sector)
EXECUTE FUNCTION organisations_member_copy();

-- Each index ends with the membership id, the tiebreaker of every search order, and the
-- status, so that a status filter needs no table row. Districts and sectors sort missing
-- values first, as SQLite does.
DROP INDEX memberships_org_joined_idx;
CREATE INDEX memberships_search_name_idx
    ON memberships (organisation_id, member_name, id, status);
CREATE INDEX memberships_search_district_idx
    ON memberships (organisation_id, member_district NULLS FIRST, member_name, id, status);
CREATE INDEX memberships_search_sector_idx
    ON memberships (organisation_id, member_sector NULLS FIRST, member_name, id, status);
CREATE INDEX memberships_search_category_idx
    ON memberships (organisation_id, category, member_name, id, status);
CREATE INDEX memberships_search_category_district_idx
    ON memberships (organisation_id, category, member_district NULLS FIRST, member_name, id,
        status);
CREATE INDEX memberships_search_joined_idx
    ON memberships (organisation_id, joined, member_name, id, status);
CREATE INDEX memberships_search_category_joined_idx
    ON memberships (organisation_id, category, joined, member_name, id, status);

-- pg_trgm lives in the public schema, which no federa instance drops with its own schema;
-- several instances migrating at once may race to install it, which is harmless.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): member search by text reads every member',
        SQLERRM;
END
$$;
-- The store's text search names these expressions exactly.
DO $$
DECLARE
    trgm_schema TEXT;
BEGIN
    SELECT n.nspname INTO trgm_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF trgm_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX organisations_name_trgm_idx ON organisations '
            'USING gin (LOWER(name) %I.gin_trgm_ops)', trgm_schema);
        EXECUTE format('CREATE INDEX organisations_short_name_trgm_idx ON organisations '
            'USING gin (LOWER(short_name) %I.gin_trgm_ops)', trgm_schema);
        EXECUTE format('CREATE INDEX organisations_regno_trgm_idx ON organisations '
            'USING gin (LOWER(registration_number) %I.gin_trgm_ops)', trgm_schema);
    END IF;
END
$$;
