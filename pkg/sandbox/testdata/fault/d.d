import std.stdio, std.string;

int main() {
    auto w = readln().strip();
    if (w == "exit") return 3;
    if (w == "loop") { ulong x; while (true) { x++; if (x == 0) writeln(x); } }
    ubyte[][] l;
    while (true) { auto b = new ubyte[](1 << 20); b[] = 1; l ~= b; }
}
