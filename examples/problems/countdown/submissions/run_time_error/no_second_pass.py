# Assumes a single number: the second pass ("2 x") makes int() fail.
print(int(input()) - 1)
