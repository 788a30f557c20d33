-- The judge's schema. Forward-only: never edit a released migration, add a new file.

-- API tokens; only the SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL,
    role        text        NOT NULL CHECK (role IN ('admin', 'submitter', 'viewer')),
    token_hash  bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Content-addressed blobs: problem packages, test inputs and answers.
CREATE TABLE blobs (
    sha256 text  PRIMARY KEY,
    size   bigint NOT NULL,
    data   bytea NOT NULL
);

-- One row per version of a problem; a changed package gets a new version, running submissions
-- keep the version they started with.
CREATE TABLE problems (
    id              bigserial   PRIMARY KEY,
    slug            text        NOT NULL,
    version         int         NOT NULL,
    name            text        NOT NULL,
    package_sha256  text        NOT NULL REFERENCES blobs (sha256),
    settings        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    time_limit_ms   int         NOT NULL,
    memory_kb       bigint      NOT NULL,
    output_kb       bigint      NOT NULL,
    interactive     boolean     NOT NULL DEFAULT false,
    scoring         boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (slug, version)
);

-- Test cases of a problem version, in judging order.
CREATE TABLE testcases (
    problem_id     bigint  NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    ordinal        int     NOT NULL,
    name           text    NOT NULL,
    test_group     text    NOT NULL,
    hidden         boolean NOT NULL,
    input_sha256   text    NOT NULL REFERENCES blobs (sha256),
    answer_sha256  text    NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (problem_id, ordinal)
);

CREATE TABLE submissions (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_token_id   bigint      NOT NULL REFERENCES api_tokens (id),
    owner            text        NOT NULL,
    problem_id       bigint      REFERENCES problems (id),
    language         text        NOT NULL,
    source           text        NOT NULL,
    source_sha256    text        NOT NULL,
    stdin            text,
    expected_output  text,
    limits           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status           text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
    verdict          text        CHECK (verdict IN ('AC', 'WA', 'TLE', 'MLE', 'OLE', 'RE', 'CE', 'IE', 'PA')),
    score            double precision,
    attempt          int         NOT NULL DEFAULT 1,
    lease_until      timestamptz,
    worker           text,
    compile_output   text,
    message          text,
    time_ms          int,
    memory_kb        bigint,
    idempotency_key  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    CHECK ((status = 'done') = (verdict IS NOT NULL))
);
CREATE UNIQUE INDEX submissions_idempotency ON submissions (owner_token_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX submissions_created ON submissions (created_at DESC, id DESC);
CREATE INDEX submissions_status ON submissions (status) WHERE status <> 'done';
CREATE INDEX submissions_lease ON submissions (lease_until) WHERE status = 'running';

-- One row per executed test of the final attempt.
CREATE TABLE results (
    submission_id  uuid             NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    ordinal        int              NOT NULL,
    name           text             NOT NULL,
    test_group     text             NOT NULL DEFAULT '',
    hidden         boolean          NOT NULL DEFAULT false,
    verdict        text             NOT NULL,
    score          double precision NOT NULL DEFAULT 0,
    time_ms        int              NOT NULL,
    wall_ms        int              NOT NULL,
    memory_kb      bigint           NOT NULL,
    exit_code      int              NOT NULL DEFAULT 0,
    signal         text             NOT NULL DEFAULT '',
    stdout         text             NOT NULL DEFAULT '',
    stderr         text             NOT NULL DEFAULT '',
    feedback       text             NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, ordinal)
);

-- The outbox: the only table the relay publishes. A new submission and every re-queue (reaper,
-- IE retry) insert a row here in the same transaction as the change to `submissions`, so there
-- is one path to Kafka, not two.
CREATE TABLE dispatch (
    id             bigserial   PRIMARY KEY,
    submission_id  uuid        NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    attempt        int         NOT NULL,
    language       text        NOT NULL,
    problem        text        NOT NULL DEFAULT '',
    enqueued_at    timestamptz NOT NULL DEFAULT now()
);

-- Events of a submission for SSE; seq is the SSE id a client resumes from (Last-Event-ID).
CREATE TABLE submission_events (
    seq            bigserial   PRIMARY KEY,
    submission_id  uuid        NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    type           text        NOT NULL,
    payload        jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submission_events_sub ON submission_events (submission_id, seq);

-- Workers announce themselves; /v1/stats counts the live ones.
CREATE TABLE workers (
    name          text        PRIMARY KEY,
    slots         int         NOT NULL,
    heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

-- The relay records its progress so /v1/stats can show the lag.
CREATE TABLE relay_state (
    id               int         PRIMARY KEY CHECK (id = 1),
    holder           text        NOT NULL,
    confirmed_lsn    text        NOT NULL DEFAULT '',
    last_commit_at   timestamptz,
    last_ack_at      timestamptz,
    lag_ms           bigint      NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
