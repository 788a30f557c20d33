n = 0
for i in range(10):
    print("?", i, flush=True)
    n |= int(input()) << i
print("!", n, flush=True)
