# Asks bit 0 twice: the eleventh query is refused.
n = 0
for i in [0] + list(range(10)):
    print("?", i, flush=True)
    n |= int(input()) << i
print("!", n, flush=True)
