# The trivial program judgectl bench submits by default: it measures the judge's overhead,
# not the program's run time.
print("hello, judge")
