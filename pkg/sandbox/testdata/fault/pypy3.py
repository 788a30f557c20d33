import sys
w = input().strip()
if w == "exit":
    sys.exit(3)
if w == "loop":
    while True:
        pass
x = []
while True:
    x.append(bytearray(b"x" * (1 << 20)))
