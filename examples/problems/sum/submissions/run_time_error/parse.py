# Crashes on the first input with a trailing space? No: on any input, it expects commas.
a, b = map(int, input().split(","))
print(a + b)
