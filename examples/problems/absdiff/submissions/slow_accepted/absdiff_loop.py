# Correct, in a folder this judge (and problemtools) does not check: reported and skipped.
import sys
a, b = map(int, sys.stdin.read().split())
print(max(a, b) - min(a, b))
