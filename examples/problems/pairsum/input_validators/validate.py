"""Input validator of Pair Sum: n k, then n integers; 1 <= n <= 20000, |k| <= 2e10, |a_i| <= 1e10."""
import re
import sys

data = sys.stdin.read()
m = re.fullmatch(r"(\d+) (-?\d+)\n((?:-?\d+ )*-?\d+)\n", data)
if not m:
    sys.exit(43)
n, k = int(m.group(1)), int(m.group(2))
a = [int(x) for x in m.group(3).split(" ")]
ok = 1 <= n <= 20000 and len(a) == n and abs(k) <= 2 * 10**10 and all(abs(x) <= 10**10 for x in a)
sys.exit(42 if ok else 43)
