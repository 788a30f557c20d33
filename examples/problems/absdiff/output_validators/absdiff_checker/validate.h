// validate.h: the small library the absdiff checker is built with (a header beside its source,
// as Kattis validators ship validate.h with validate.cc): reading the judge's files and the
// team's output, and reporting a verdict with a message in the feedback directory.
#pragma once
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace checker {

inline std::ofstream judge_message;

// init opens the feedback directory's judgemessage.txt; argv is the validator's argv.
inline void init(int argc, char **argv) {
    if (argc < 4) {
        std::cerr << "usage: " << argv[0] << " input answer feedback_dir [flags] < output\n";
        std::exit(1);
    }
    judge_message.open(std::string(argv[3]) + "/judgemessage.txt");
}

[[noreturn]] inline void verdict(int code, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    judge_message << buf << "\n";
    judge_message.close();
    std::exit(code);
}

#define ACCEPT(...) ::checker::verdict(42, __VA_ARGS__)
#define REJECT(...) ::checker::verdict(43, __VA_ARGS__)

// read_integer reads one token of in as a signed integer of at most 19 digits.
inline bool read_integer(std::istream &in, long long &out, std::string &token) {
    if (!(in >> token)) return false;
    std::size_t i = (token[0] == '-') ? 1 : 0;
    if (i == token.size() || token.size() - i > 19) return false;
    for (std::size_t j = i; j < token.size(); j++)
        if (token[j] < '0' || token[j] > '9') return false;
    try {
        out = std::stoll(token);
    } catch (...) {
        return false;
    }
    return true;
}

}  // namespace checker
