-- The change feed: every write of a candidate, by any node, in commit order, so that each node
-- keeps its in-memory features and search index current (src/engine/feed.rs).
--
-- A bigserial would hand out numbers in the order transactions start, not the order they
-- commit: a reader could see 11 before 10 commits and never look back. So the number comes from
-- one counter row, updated by the writing transaction and locked by it until it commits:
-- candidate writes are serialised across nodes (each node already serialises its own), and
-- numbers become visible in order.
CREATE TABLE change_counter (
    one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    seq  BIGINT NOT NULL
);
INSERT INTO change_counter (one, seq) VALUES (TRUE, 0);
CREATE TABLE changes (
    seq            BIGINT PRIMARY KEY,
    candidate_seq  BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL
);
CREATE FUNCTION record_candidate_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next BIGINT;
BEGIN
    UPDATE change_counter SET seq = seq + 1 RETURNING seq INTO next;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO changes (seq, candidate_seq, deleted) VALUES (next, OLD.seq, TRUE);
    ELSE
        INSERT INTO changes (seq, candidate_seq, deleted) VALUES (next, NEW.seq, FALSE);
    END IF;
    -- A wake-up only (one per transaction: equal payloads are folded); the rows are the truth.
    PERFORM pg_notify('shortlist_changes', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER candidates_change_feed AFTER INSERT OR UPDATE OR DELETE ON candidates
    FOR EACH ROW EXECUTE FUNCTION record_candidate_change();
