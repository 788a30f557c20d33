// Interactor of Ten Bits: the hidden number n (0..1023) is in the test input; the submission may
// ask "? i" for bit i of n, at most ten times, and must then say "! n".
#include <fstream>
#include <iostream>
#include <string>

#include "protocol.h"

int main(int argc, char **argv) {
    if (argc < 4) return 1;
    std::ifstream in(argv[1]);
    long long n = -1;
    in >> n;
    const std::string fb = argv[3];
    for (int queries = 0;; queries++) {
        protocol::Move m = protocol::read_move(std::cin);
        switch (m.kind) {
        case '?':
            if (queries == protocol::kMaxQueries) protocol::finish(fb, false, "more than ten queries");
            if (m.value < 0 || m.value >= protocol::kBits) protocol::finish(fb, false, "no such bit: " + std::to_string(m.value));
            protocol::reply(int((n >> m.value) & 1));
            break;
        case '!':
            if (m.value != n) protocol::finish(fb, false, "said " + std::to_string(m.value) + ", was " + std::to_string(n));
            protocol::finish(fb, true, "found in " + std::to_string(queries) + " queries");
        default:
            protocol::finish(fb, false, "expected \"? i\" or \"! n\"");
        }
    }
}
