import sys

words = sys.stdin.read().split()
if len(words) == 1:  # the first pass gives x alone
    p, x = 1, int(words[0])
else:
    p, x = map(int, words)
print(x - p)
