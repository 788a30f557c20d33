"""Input validator for sum: one line with two integers of absolute value at most 10^12."""
import re
import sys

data = sys.stdin.read()
if not re.fullmatch(r"-?\d+ -?\d+\n", data):
    print("want one line 'A B' ending in a newline, got %r" % data[:40])
    sys.exit(43)
a, b = map(int, data.split())
if abs(a) > 10**12 or abs(b) > 10**12:
    print("out of range: %d %d" % (a, b))
    sys.exit(43)
sys.exit(42)
