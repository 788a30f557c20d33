"""Output validator of Countdown, a multi-pass problem.

Pass p (1, 2, 3) gives the submission "p x" on stdin; it must print x - p. The validator keeps
the pass number in feedback_dir/pass (feedback files persist between passes), and asks for the
next pass by writing feedback_dir/nextpass.in while p < 3.
"""
import os
import sys


def verdict(feedback, code, msg):
    with open(os.path.join(feedback, "judgemessage.txt"), "a") as f:
        f.write(msg + "\n")
    sys.exit(code)


def main():
    judge_in, _answer, feedback = sys.argv[1:4]
    state = os.path.join(feedback, "pass")
    if os.path.exists(state):
        with open(state) as f:
            p, x = map(int, f.read().split())
    else:
        with open(judge_in) as f:
            p, x = 1, int(f.read())
    out = sys.stdin.read().split()
    want = x - p
    if out != [str(want)]:
        verdict(feedback, 43, "pass %d: got %r, want %d" % (p, " ".join(out)[:40], want))
    if p < 3:
        with open(state, "w") as f:
            f.write("%d %d\n" % (p + 1, want))
        with open(os.path.join(feedback, "nextpass.in"), "w") as f:
            f.write("%d %d\n" % (p + 1, want))
    verdict(feedback, 42, "pass %d: ok" % p)


main()
