#include <iostream>
#include <string>
int main() { std::string s; std::getline(std::cin, s); for (auto &c : s) c = toupper(c); std::cout << s; }
