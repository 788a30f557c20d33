print("?", 0, flush=True)
bit = int(input())
raise SystemExit(3)
