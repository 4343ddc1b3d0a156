-- Fewer index entries for every new member unit, SQLite dialect (twin:
-- postgres/0008_lean_indexes.sql).
--
-- No query reads `organisations_kind_idx` (a kind names most organisations, so a filter on it
-- reads the table) or `organisations_lower_name_idx` (name search matches a substring, which
-- a B-tree cannot find; the trigram index of migration 0005 serves it). A unit's membership
-- has no person, so the person index keeps only individual memberships. The first status
-- change's trigger asks about the import flag before it looks up the history.

DROP INDEX organisations_kind_idx;
DROP INDEX organisations_lower_name_idx;
DROP INDEX memberships_person_idx;
CREATE INDEX memberships_person_idx ON memberships (person_id) WHERE person_id IS NOT NULL;

DROP TRIGGER memberships_history_insert;
CREATE TRIGGER memberships_history_insert AFTER INSERT ON memberships
WHEN NOT EXISTS (SELECT 1 FROM bulk_import)
 AND NOT EXISTS (SELECT 1 FROM membership_status_changes h WHERE h.membership_id = NEW.id)
BEGIN
    INSERT INTO membership_status_changes (membership_id, seq, from_status, to_status, on_date,
        decision_json, created_at)
    VALUES (NEW.id, 1, NULL, NEW.status, NEW.joined,
        COALESCE(NEW.initial_decision_json, '{"by":"recorded"}'), NEW.created_at);
END;
