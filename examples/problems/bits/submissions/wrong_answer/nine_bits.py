# Asks only nine bits: wrong when bit 9 is set (1023, 512, 682).
n = 0
for i in range(9):
    print("?", i, flush=True)
    n |= int(input()) << i
print("!", n, flush=True)
