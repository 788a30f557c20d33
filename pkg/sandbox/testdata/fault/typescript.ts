const w: string = require("fs").readFileSync(0, "utf8").trim();
if (w === "exit") process.exit(3);
if (w === "loop") for (;;) {}
const l: Uint8Array[] = [];
for (;;) l.push(new Uint8Array(1 << 20).fill(1));
