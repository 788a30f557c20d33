# Forgets the absolute value: negative on the second sample.
a, b = map(int, input().split())
print(a - b)
