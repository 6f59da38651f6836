-- Leases on runs (src/store/postgres/runs.rs): a claimed run is held until `lease_until`,
-- extended at each progress report, by the claim whose random `lease_token` it carries. A run
-- whose lease has expired (its node died) is claimed again by another node; the earlier
-- holder's late writes carry a token that no longer matches and change nothing.
ALTER TABLE runs ADD COLUMN lease_until TEXT COLLATE "C";
ALTER TABLE runs ADD COLUMN lease_token TEXT;
