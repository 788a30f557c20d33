"""Interactor for guess: the secret is in the input file; at most 10 guesses."""
import os
import sys


def main():
    judge_in, _answer, feedback_dir = sys.argv[1:4]
    with open(judge_in) as f:
        secret = int(f.read().split()[0])
    for tries in range(1, 11):
        line = sys.stdin.readline()
        if not line:
            verdict(feedback_dir, 43, "no guess %d: the program stopped talking" % tries)
        try:
            guess = int(line)
        except ValueError:
            verdict(feedback_dir, 43, "guess %d is not a number: %r" % (tries, line))
        if guess == secret:
            print("correct", flush=True)
            verdict(feedback_dir, 42, "found in %d guesses" % tries)
        print("higher" if guess < secret else "lower", flush=True)
    verdict(feedback_dir, 43, "not found in 10 guesses")


def verdict(feedback_dir, code, msg):
    with open(os.path.join(feedback_dir, "judgemessage.txt"), "w") as f:
        f.write(msg + "\n")
    sys.exit(code)


main()
