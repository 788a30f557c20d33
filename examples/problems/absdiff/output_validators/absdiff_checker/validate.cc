// Output validator of absdiff: the output must be exactly one integer equal to the answer, up to
// the tolerance given by the flags `tolerance T` (problem.yaml validator_flags). The answer may
// not fit a signed 64-bit integer (2e18 does; the checker compares as unsigned magnitudes).
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "validate.h"

static unsigned long long parse_answer(const char *path) {
    std::ifstream ans(path);
    unsigned long long v = 0;
    ans >> v;
    return v;
}

int main(int argc, char **argv) {
    checker::init(argc, argv);
    long long tolerance = 0;
    for (int i = 4; i + 1 < argc; i++)
        if (std::strcmp(argv[i], "tolerance") == 0) tolerance = std::stoll(argv[i + 1]);
    unsigned long long want = parse_answer(argv[2]);

    std::string token;
    unsigned long long got = 0;
    if (!(std::cin >> token)) REJECT("no output");
    for (char c : token)
        if (c < '0' || c > '9') REJECT("not a non-negative integer: %.40s", token.c_str());
    if (token.size() > 20) REJECT("number too long: %.40s...", token.c_str());
    got = std::stoull(token);
    unsigned long long diff = got > want ? got - want : want - got;
    if (diff > (unsigned long long)tolerance) REJECT("got %llu, want %llu", got, want);
    if (std::cin >> token) REJECT("extra output after the answer: %.40s", token.c_str());
    ACCEPT("ok: %llu", got);
}
