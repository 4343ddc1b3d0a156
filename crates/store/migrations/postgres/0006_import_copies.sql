-- Bulk import writes the member copies itself, PostgreSQL dialect (twin:
-- sqlite/0006_import_copies.sql).
--
-- A new membership copies its member's name, district and sector only when the insert leaves
-- them empty: the import reads its organisations in the same statement and writes their
-- copies with each row, which spares one function call and one lookup per row. Every other
-- path inserts memberships without copies, and the trigger fills them; a change of member
-- always copies again. A writer that supplies the copies supplies its member's own.

DROP TRIGGER memberships_member_copy ON memberships;
CREATE TRIGGER memberships_member_copy_insert BEFORE INSERT ON memberships
FOR EACH ROW WHEN (NEW.member_name IS NULL)
EXECUTE FUNCTION memberships_member_copy();
CREATE TRIGGER memberships_member_copy_update BEFORE UPDATE OF member_id ON memberships
FOR EACH ROW EXECUTE FUNCTION memberships_member_copy();
