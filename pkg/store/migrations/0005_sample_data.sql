-- Sample tests show the student their input and expected output beside what the program
-- printed (issue 16). Hidden tests keep both empty: the worker never stores their data.
ALTER TABLE results ADD COLUMN input text NOT NULL DEFAULT '';
ALTER TABLE results ADD COLUMN expected text NOT NULL DEFAULT '';
