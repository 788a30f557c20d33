-- Time limits computed on the server (issue 11). A pushed package without a fixed time limit is
-- stored as a version in state 'calibrating'; its accepted submissions are judged once through the
-- normal pipeline (submissions flagged `calibration`, one calibration_runs row each), and when the
-- last one finishes the version becomes 'active' with the computed limit, or 'rejected'.
ALTER TABLE problems ADD COLUMN state text NOT NULL DEFAULT 'active'
    CHECK (state IN ('calibrating', 'active', 'rejected'));
-- Where time_limit_ms came from: the package ('package'), the accepted submissions ('computed'),
-- or the server's default ('default': a forced push with nothing to compute from).
ALTER TABLE problems ADD COLUMN time_limit_source text NOT NULL DEFAULT 'package'
    CHECK (time_limit_source IN ('package', 'computed', 'default'));
-- What settling the calibration needs (multiplier, resolution, fallback, forced) and the warnings
-- kept for the report.
ALTER TABLE problems ADD COLUMN calibration jsonb;

-- Calibration submissions are the server's own: never listed, counted or billed as a user's.
ALTER TABLE submissions ADD COLUMN calibration boolean NOT NULL DEFAULT false;

CREATE TABLE calibration_runs (
    problem_id     bigint NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    ordinal        int    NOT NULL,
    path           text   NOT NULL,
    submission_id  uuid   NOT NULL UNIQUE REFERENCES submissions (id) ON DELETE CASCADE,
    PRIMARY KEY (problem_id, ordinal)
);
