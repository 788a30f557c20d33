"""The usage examples of the judge0 0.0.8 README that a Judge0 CE (not Extra CE) server can run,
copied unchanged, against the judge. The client is the implicit one of the README, configured
only by JUDGE0_CE_ENDPOINT and JUDGE0_CE_AUTH_HEADERS (the base URL and the auth header).

Left out: the examples without a language (their default, PYTHON_FOR_ML, exists only on Judge0
Extra CE), and those that need RapidAPI/ATD keys or an LLM service. Run by e2e/judge0_test.go;
prints "ok name" per example, exits 1 at the first failure.
"""

import contextlib
import io
import sys
import traceback


def example(name, want):
    def run(fn):
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                fn()
        except Exception as e:  # noqa: BLE001
            print(f"FAIL {name}: {e!r}\n{out.getvalue()}", flush=True)
            traceback.print_exc()
            sys.exit(1)
        if not (want(out.getvalue()) if callable(want) else out.getvalue() == want):
            print(f"FAIL {name}: printed {out.getvalue()!r}, want {want!r}", flush=True)
            sys.exit(1)
        print(f"ok {name}", flush=True)

    return run


@example("hello, world", "hello, world\n\n")
def _():
    import judge0
    result = judge0.run(source_code="print('hello, world')", language=judge0.PYTHON)
    print(result.stdout)


@example("Running C Programming Language", "hello, world\n\n")
def _():
    import judge0

    source_code = """
#include <stdio.h>

int main() {
    printf("hello, world\\n");
    return 0;
}
"""

    result = judge0.run(source_code=source_code, language=judge0.C)
    print(result.stdout)


@example("Running Java Programming Language", "hello, world\n\n")
def _():
    import judge0

    source_code = """
public class Main {
    public static void main(String[] args) {
        System.out.println("hello, world");
    }
}
"""

    result = judge0.run(source_code=source_code, language=judge0.JAVA)
    print(result.stdout)


@example("Reading From Standard Input", "8\nHello, Bob!\n\n")
def _():
    import judge0

    source_code = """
#include <stdio.h>

int main() {
    int a, b;
    scanf("%d %d", &a, &b);
    printf("%d\\n", a + b);

    char name[10];
    scanf("%s", name);
    printf("Hello, %s!\\n", name);

    return 0;
}
"""

    stdin = """
3 5
Bob
"""

    result = judge0.run(source_code=source_code, stdin=stdin, language=judge0.C)
    print(result.stdout)


want_multi = "".join(
    f"--- Submission #{i} ---\n"
    + "".join(f"--- Test Case #{j} ---\nHello, {n}!\n\nAccepted\n" for j, n in ((1, "Bob"), (2, "Alice"), (3, "Charlie")))
    for i in (1, 2)
)


@example("Test Cases And Multiple Languages", want_multi)
def _():
    import judge0

    submissions = [
        judge0.Submission(
            source_code="print(f'Hello, {input()}!')",
            language=judge0.PYTHON,
        ),
        judge0.Submission(
            source_code="""
#include <stdio.h>

int main() {
    char name[10];
    scanf("%s", name);
    printf("Hello, %s!\\n", name);
    return 0;
}
""",
            language=judge0.C,
        ),
    ]

    test_cases=[
        ("Bob", "Hello, Bob!"),
        ("Alice", "Hello, Alice!"),
        ("Charlie", "Hello, Charlie!"),
    ]

    results = judge0.run(submissions=submissions, test_cases=test_cases)

    for i in range(len(submissions)):
        print(f"--- Submission #{i + 1} ---")

        for j in range(len(test_cases)):
            result = results[i * len(test_cases) + j]

            print(f"--- Test Case #{j + 1} ---")
            print(result.stdout)
            print(result.status)


@example("Get Languages", lambda out: "Language(id=71, name='Python (" in out)
def _():
    import judge0
    client = judge0.get_client()
    print(client.get_languages())
