-- Bulk import writes the member copies itself, SQLite dialect (twin:
-- postgres/0006_import_copies.sql).
--
-- A new membership copies its member's name, district and sector only when the insert leaves
-- them empty: the import reads its organisations in the same statement and writes their
-- copies with each row, which spares one update of every new row and of its seven search
-- indexes. Every other path inserts memberships without copies, and the trigger fills them.
-- A writer that supplies the copies supplies its member's own.

DROP TRIGGER memberships_member_copy_insert;
CREATE TRIGGER memberships_member_copy_insert AFTER INSERT ON memberships
WHEN NEW.member_id IS NOT NULL AND NEW.member_name IS NULL
BEGIN
    UPDATE memberships SET (member_name, member_district, member_sector) =
        (SELECT o.name, o.district, o.sector FROM organisations o WHERE o.id = NEW.member_id)
    WHERE id = NEW.id;
END;
