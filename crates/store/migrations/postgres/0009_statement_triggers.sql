-- A membership insert checks its categories and records its first status changes once per
-- statement, PostgreSQL dialect (twin: sqlite/0009_statement_triggers.sql).
--
-- Row triggers ran both for each new membership, a query or an insert (with its foreign key
-- check) a row: an import of 100,000 members spent most of its time in them. Statement triggers
-- read the statement's new rows as a table and do the same in one query each. A status change
-- and a category change of one membership keep their row triggers. AFTER statement triggers
-- fire in name order: the categories are checked before any history is written, and a refusal
-- undoes the whole statement.

DROP TRIGGER memberships_category_check ON memberships;
CREATE TRIGGER memberships_category_check BEFORE UPDATE OF category ON memberships
FOR EACH ROW EXECUTE FUNCTION memberships_category_check();

CREATE FUNCTION memberships_category_check_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_memberships n
               WHERE EXISTS (SELECT 1 FROM membership_categories c
                             WHERE c.organisation_id = n.organisation_id)
               AND NOT EXISTS (SELECT 1 FROM membership_categories c
                               WHERE c.organisation_id = n.organisation_id
                               AND (c.key = n.category OR c.name = n.category))) THEN
        RAISE EXCEPTION 'unknown_category';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER memberships_category_check_inserted AFTER INSERT ON memberships
REFERENCING NEW TABLE AS new_memberships
FOR EACH STATEMENT EXECUTE FUNCTION memberships_category_check_inserted();

DROP TRIGGER memberships_history ON memberships;
CREATE TRIGGER memberships_history AFTER UPDATE OF status ON memberships
FOR EACH ROW EXECUTE FUNCTION memberships_history();

CREATE FUNCTION memberships_history_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO membership_status_changes (membership_id, seq, from_status, to_status,
        on_date, decision_json, created_at)
    SELECT n.id, 1, NULL, n.status, n.joined,
        COALESCE(n.initial_decision_json, '{"by":"recorded"}'), n.created_at
    FROM new_memberships n ORDER BY n.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER memberships_history_inserted AFTER INSERT ON memberships
REFERENCING NEW TABLE AS new_memberships
FOR EACH STATEMENT EXECUTE FUNCTION memberships_history_inserted();
