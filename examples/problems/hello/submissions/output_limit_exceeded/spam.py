# Prints forever: stopped at the 1 MiB output limit.
import sys
line = "Hello, World!\n" * 1000
while True:
    sys.stdout.write(line)
