# Counts c[x] * c[k - x] over the values and halves: a value with 2x = k pairs with itself only
# c * (c - 1) times, which it forgets (wrong on the second sample).
import sys

data = sys.stdin.buffer.read().split()
n, k = int(data[0]), int(data[1])
a = list(map(int, data[2:2 + n]))
count = {}
for x in a:
    count[x] = count.get(x, 0) + 1
pairs = sum(c * count.get(k - x, 0) for x, c in count.items()) // 2
print(pairs)
