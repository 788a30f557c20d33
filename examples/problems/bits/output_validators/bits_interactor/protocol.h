// protocol.h: the conversation of Ten Bits, kept apart from the interactor's logic (the usual
// shape of a Kattis validator: validate.cc with its validate.h).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace protocol {

constexpr int kBits = 10;
constexpr int kMaxQueries = 10;

// A move of the submission: a query "? i" or the final answer "! n".
struct Move {
    char kind = 0;  // '?', '!', or 0 at end of input / garbage
    long long value = 0;
};

inline Move read_move(std::istream &in) {
    Move m;
    std::string k;
    if (!(in >> k) || (k != "?" && k != "!") || !(in >> m.value)) return Move{};
    m.kind = k[0];
    return m;
}

inline void reply(int bit) {
    std::printf("%d\n", bit);
    std::fflush(stdout);
}

// finish writes the judge message to feedback_dir and exits with the verdict's code.
[[noreturn]] inline void finish(const std::string &feedback_dir, bool accepted, const std::string &msg) {
    if (FILE *f = std::fopen((feedback_dir + "/judgemessage.txt").c_str(), "w")) {
        std::fprintf(f, "%s\n", msg.c_str());
        std::fclose(f);
    }
    std::exit(accepted ? 42 : 43);
}

}  // namespace protocol
