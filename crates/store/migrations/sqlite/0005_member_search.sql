-- Member search on a registry of a million members, SQLite dialect (twin:
-- postgres/0005_member_search.sql, same columns and index names).
--
-- A unit membership carries a copy of its member's name, district and sector, kept by
-- triggers, so that one index of memberships serves both a search's filters and its order;
-- the organisations' names, short names and registration numbers are indexed by trigrams
-- (FTS5), so that a substring search reads only the organisations that contain the text.

ALTER TABLE memberships ADD COLUMN member_name TEXT;
ALTER TABLE memberships ADD COLUMN member_district TEXT;
ALTER TABLE memberships ADD COLUMN member_sector TEXT;
UPDATE memberships SET (member_name, member_district, member_sector) =
    (SELECT o.name, o.district, o.sector FROM organisations o WHERE o.id = memberships.member_id)
WHERE member_id IS NOT NULL;

CREATE TRIGGER memberships_member_copy_insert AFTER INSERT ON memberships
WHEN NEW.member_id IS NOT NULL
BEGIN
    UPDATE memberships SET (member_name, member_district, member_sector) =
        (SELECT o.name, o.district, o.sector FROM organisations o WHERE o.id = NEW.member_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER memberships_member_copy_update AFTER UPDATE OF member_id ON memberships
WHEN NEW.member_id IS NOT OLD.member_id
BEGIN
    UPDATE memberships SET (member_name, member_district, member_sector) =
        (SELECT o.name, o.district, o.sector FROM organisations o WHERE o.id = NEW.member_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER organisations_member_copy AFTER UPDATE OF name, district, sector ON organisations
WHEN NEW.name IS NOT OLD.name OR NEW.district IS NOT OLD.district OR NEW.sector IS NOT OLD.sector
BEGIN
    UPDATE memberships
    SET member_name = NEW.name, member_district = NEW.district, member_sector = NEW.sector
    WHERE member_id = NEW.id;
END;

-- Each index ends with the membership id, the tiebreaker of every search order, and the
-- status, so that a status filter needs no table row.
DROP INDEX memberships_org_joined_idx;
CREATE INDEX memberships_search_name_idx
    ON memberships (organisation_id, member_name, id, status);
CREATE INDEX memberships_search_district_idx
    ON memberships (organisation_id, member_district, member_name, id, status);
CREATE INDEX memberships_search_sector_idx
    ON memberships (organisation_id, member_sector, member_name, id, status);
CREATE INDEX memberships_search_category_idx
    ON memberships (organisation_id, category, member_name, id, status);
CREATE INDEX memberships_search_category_district_idx
    ON memberships (organisation_id, category, member_district, member_name, id, status);
CREATE INDEX memberships_search_joined_idx
    ON memberships (organisation_id, joined, member_name, id, status);
CREATE INDEX memberships_search_category_joined_idx
    ON memberships (organisation_id, category, joined, member_name, id, status);

-- Trigram index of the texts a search matches (case-insensitive, substrings of three or more
-- characters), over the organisations table itself.
CREATE VIRTUAL TABLE organisations_text USING fts5 (
    name, short_name, registration_number,
    content = 'organisations', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO organisations_text (organisations_text) VALUES ('rebuild');
CREATE TRIGGER organisations_text_insert AFTER INSERT ON organisations
BEGIN
    INSERT INTO organisations_text (rowid, name, short_name, registration_number)
    VALUES (NEW.id, NEW.name, NEW.short_name, NEW.registration_number);
END;
CREATE TRIGGER organisations_text_update
AFTER UPDATE OF name, short_name, registration_number ON organisations
BEGIN
    INSERT INTO organisations_text (organisations_text, rowid, name, short_name,
        registration_number)
    VALUES ('delete', OLD.id, OLD.name, OLD.short_name, OLD.registration_number);
    INSERT INTO organisations_text (rowid, name, short_name, registration_number)
    VALUES (NEW.id, NEW.name, NEW.short_name, NEW.registration_number);
END;
CREATE TRIGGER organisations_text_delete AFTER DELETE ON organisations
BEGIN
    INSERT INTO organisations_text (organisations_text, rowid, name, short_name,
        registration_number)
    VALUES ('delete', OLD.id, OLD.name, OLD.short_name, OLD.registration_number);
END;
