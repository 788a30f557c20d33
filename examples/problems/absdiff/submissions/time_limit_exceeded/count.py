# Counts from the smaller to the larger number.
a, b = map(int, input().split())
lo, hi = min(a, b), max(a, b)
n = 0
while lo < hi:
    lo += 1
    n += 1
print(n)
