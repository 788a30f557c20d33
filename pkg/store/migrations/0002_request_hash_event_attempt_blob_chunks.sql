-- Idempotency binds the whole request: the SHA-256 of the canonical request body is stored with
-- the submission, and a replay of the same key must carry the same hash. NULL for rows written
-- before this migration (their replays are compared field by field, as before).
ALTER TABLE submissions ADD COLUMN request_sha256 text;

-- Events carry the attempt they belong to, so a stream shows only the final attempt's events and
-- a late worker's events are recognisable. Existing rows are attempt 1.
ALTER TABLE submission_events ADD COLUMN attempt int NOT NULL DEFAULT 1;

-- Large blobs (problem packages, test data) are stored in chunks, so neither the API writing them
-- nor a worker reading them holds a hex-encoded copy of the whole blob in one statement. A blob
-- whose data lives here has an empty blobs.data; blobs.size is the total.
CREATE TABLE blob_chunks (
    sha256  text  NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
    seq     int   NOT NULL,
    data    bytea NOT NULL,
    PRIMARY KEY (sha256, seq)
);
