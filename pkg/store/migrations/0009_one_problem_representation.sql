-- One representation of a problem version's test data: its package archive (blobs, by the
-- archive's SHA-256). Each test's input and answer were also stored as blobs of their own and
-- never read: workers load the archive. testcases keeps what listings read (name, group,
-- hidden, order); the per-test data references go, and so do the blobs only they held.
ALTER TABLE testcases DROP COLUMN input_sha256, DROP COLUMN answer_sha256;
-- A blob is a package or nothing now; blob_chunks rows go with their blob (ON DELETE CASCADE).
DELETE FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM problems p WHERE p.package_sha256 = b.sha256);
