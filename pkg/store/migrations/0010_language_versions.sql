-- The toolchain version of every language, as the runtime images record it (`judged image build`
-- runs each language's version command and stores the answer in an image label). Only workers
-- talk to a Docker engine, so they publish what they read here — for the images their pins
-- accept, the cluster's pinned tags — and the API, which has no Docker client, reads it for
-- /v1/languages and the Judge0 language names (issue 13: versions are never typed by hand).
-- One row per language; the last worker to publish wins (workers of one release read the same
-- images, so they agree).
CREATE TABLE language_versions (
    language   text PRIMARY KEY,
    version    text NOT NULL CHECK (version <> ''),
    image      text NOT NULL,
    worker     text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
