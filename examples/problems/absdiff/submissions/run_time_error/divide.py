# Crashes when the numbers are equal (the 0 0 test).
a, b = map(int, input().split())
if a == b:
    raise SystemExit(1 // (a - b))
print(abs(a - b))
