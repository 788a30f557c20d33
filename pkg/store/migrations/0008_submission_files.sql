-- A submission may carry several files instead of one source (issue 16): files holds them as a
-- JSON array of {"path", "data" (base64)} (pkg/srcfiles.File), entry the path of the file that is
-- run or holds the main class ('' for the language's rule). A single-source submission keeps
-- files NULL and its text in source, as before; a multi-file one stores '' in source, and its
-- source_sha256 is the hash of its files and entry (srcfiles.Hash).
ALTER TABLE submissions ADD COLUMN files jsonb;
ALTER TABLE submissions ADD COLUMN entry text NOT NULL DEFAULT '';
