# Thinks forever before its first query.
x = 0
while True:
    x += 1
