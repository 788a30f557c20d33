# Prints the answer, then 2 MiB of noise over the 1 MiB output limit: OLE. This folder is this
# judge's (and DOMjudge's) extension; problemtools skips it, and reports OLE, a verdict no legacy
# folder expects, wherever else the program is.
import sys

a, b = map(int, input().split())
print(abs(a - b))
sys.stdout.write(("x" * 1023 + "\n") * 2048)
