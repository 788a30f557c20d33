-- The reconciler: a submission remembers when its last dispatch (outbox row) was written, so a
-- queued one whose Kafka record was lost is dispatched again; relay_health records what the
-- relay found and repaired, and a backfill that must be finished (or resumed) by the next term.

-- When the current dispatch of the submission was written: at creation, at each re-queue and
-- at each re-dispatch by the reconciler. redispatches counts the reconciler's re-dispatches of
-- the submission (all attempts); each doubles the time before the next one, up to 32 times.
ALTER TABLE submissions ADD COLUMN dispatched_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE submissions ADD COLUMN redispatches int NOT NULL DEFAULT 0;
-- Re-queues caused by the judge's infrastructure (Docker or PostgreSQL unavailable, a worker
-- stopping): they bump attempt (so older Kafka records become stale) without spending one of
-- the submission's attempts, which are attempt - infra_retries.
ALTER TABLE submissions ADD COLUMN infra_retries int NOT NULL DEFAULT 0;
CREATE INDEX submissions_queued_dispatch ON submissions (dispatched_at) WHERE status = 'queued';

-- One row per replication slot (a relay deployment).
CREATE TABLE relay_health (
    slot               text        PRIMARY KEY,
    holder             text        NOT NULL DEFAULT '',
    -- wal_status of the slot ('reserved', 'extended', 'unreserved', 'lost'), or 'missing'.
    slot_status        text        NOT NULL DEFAULT '',
    -- 'ok', 'missing', or what is wrong with the publication.
    publication_status text        NOT NULL DEFAULT '',
    -- Set before a slot is (re)created or a publication repaired, cleared when every outbox
    -- row present then was published: an interrupted backfill is resumed by the next term.
    backfill_pending   boolean     NOT NULL DEFAULT false,
    backfill_reason    text        NOT NULL DEFAULT '',
    backfilled         bigint      NOT NULL DEFAULT 0,
    repairs            bigint      NOT NULL DEFAULT 0,
    last_repair        text        NOT NULL DEFAULT '',
    last_repair_at     timestamptz,
    redispatched       bigint      NOT NULL DEFAULT 0,
    obsolete_deleted   bigint      NOT NULL DEFAULT 0,
    checked_at         timestamptz
);
