def w = System.in.newReader().readLine().trim()
if (w == "exit") System.exit(3)
if (w == "loop") { long x = 0; while (true) { x++ } }
def l = []
while (true) { l << new byte[1 << 20] }
