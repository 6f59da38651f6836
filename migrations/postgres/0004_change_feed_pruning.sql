-- Pruning the change feed (src/store/postgres/feed.rs): each change records when it was
-- written, so that housekeeping can forget those older than the feed's retention, and the
-- counter row records the last position forgotten, so that a node whose position is older
-- knows it missed changes the feed no longer holds (and rebuilds, rather than serve stale).
ALTER TABLE changes ADD COLUMN at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE change_counter ADD COLUMN pruned_through BIGINT NOT NULL DEFAULT 0;
