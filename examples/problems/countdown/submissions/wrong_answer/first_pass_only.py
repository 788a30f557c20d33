# Right on the first pass, then subtracts 1 again instead of the pass number.
x = int(input().split()[-1])
print(x - 1)
