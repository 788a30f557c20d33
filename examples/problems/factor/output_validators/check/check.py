"""Output validator for factor: any a b with 1 < a, b and a * b == n is right."""
import os
import sys


def reject(feedback_dir, msg):
    with open(os.path.join(feedback_dir, "judgemessage.txt"), "w") as f:
        f.write(msg + "\n")
    sys.exit(43)


def main():
    judge_in, _answer, feedback_dir = sys.argv[1:4]
    with open(judge_in) as f:
        n = int(f.read().split()[0])
    tokens = sys.stdin.read().split()
    if len(tokens) != 2:
        reject(feedback_dir, "expected two numbers, got %d tokens" % len(tokens))
    try:
        a, b = int(tokens[0]), int(tokens[1])
    except ValueError:
        reject(feedback_dir, "not integers: %r" % tokens)
    if a <= 1 or b <= 1 or a * b != n:
        reject(feedback_dir, "%d * %d is not a proper factorisation of %d" % (a, b, n))
    sys.exit(42)


main()
