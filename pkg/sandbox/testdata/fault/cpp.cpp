#include <iostream>
#include <string>
#include <vector>
int main() {
    std::string w;
    std::cin >> w;
    if (w == "exit") return 3;
    if (w == "loop") { volatile unsigned long x = 0; for (;;) x++; }
    std::vector<std::vector<char>> v;
    for (;;) v.emplace_back(1 << 20, 1);
}
