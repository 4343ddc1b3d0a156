-- Fewer index entries for every new member unit, PostgreSQL dialect (twin:
-- sqlite/0008_lean_indexes.sql).
--
-- No query reads `organisations_kind_idx` or `organisations_lower_name_idx` (name search
-- matches a substring, which the trigram index of migration 0005 serves), and a unit's
-- membership has no person, so the person index keeps only individual memberships.

DROP INDEX organisations_kind_idx;
DROP INDEX organisations_lower_name_idx;
DROP INDEX memberships_person_idx;
CREATE INDEX memberships_person_idx ON memberships (person_id) WHERE person_id IS NOT NULL;
