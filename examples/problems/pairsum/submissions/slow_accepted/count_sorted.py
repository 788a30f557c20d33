# Correct; in a folder that neither the 2023-07 defaults nor expectations.yaml name: skipped.
import sys
from collections import Counter

data = sys.stdin.buffer.read().split()
n, k = int(data[0]), int(data[1])
c = Counter(map(int, data[2:2 + n]))
print(sum(v * c[k - x] for x, v in c.items() if x < k - x) + sum(v * (v - 1) // 2 for x, v in c.items() if 2 * x == k))
