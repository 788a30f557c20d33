-- What a submission made through the Judge0-compatible routes asked for beyond the judge's own
-- fields: the Judge0 language id it used (so answers echo it), the Judge0 options that are
-- accepted without a column of their own, and its callback (PUT to callback_url once the
-- verdict is final), and a stdin that is not text (NUL bytes or invalid UTF-8: Judge0 accepts any
-- bytes base64-encoded), which the worker reads instead of submissions.stdin, and the program's
-- arguments (command_line_arguments split into words) and whether its stderr goes to stdout
-- (redirect_stderr_to_stdout). Written in the same transaction as the
-- submission.
CREATE TABLE judge0_submissions (
    submission_id       uuid        PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
    language_id         int         NOT NULL,
    options             jsonb       NOT NULL DEFAULT '{}'::jsonb,
    callback_url        text,
    callback_attempts   int         NOT NULL DEFAULT 0,
    callback_next_at    timestamptz NOT NULL DEFAULT now(),
    callback_done_at    timestamptz,
    callback_error      text,
    stdin_bytes         bytea,
    argv                text[],
    stderr_to_stdout    boolean     NOT NULL DEFAULT false
);
CREATE INDEX judge0_callbacks_pending ON judge0_submissions (callback_next_at)
    WHERE callback_url IS NOT NULL AND callback_done_at IS NULL;
