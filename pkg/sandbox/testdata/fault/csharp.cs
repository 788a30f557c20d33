using System;
using System.Collections.Generic;
class P {
    static int Main() {
        string w = Console.ReadLine().Trim();
        if (w == "exit") return 3;
        if (w == "loop") { long x = 0; while (true) x++; }
        var l = new List<byte[]>();
        while (true) { var b = new byte[1 << 20]; for (int i = 0; i < b.Length; i += 4096) b[i] = 1; l.Add(b); }
    }
}
