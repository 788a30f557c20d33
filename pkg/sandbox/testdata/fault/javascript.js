const w = require('fs').readFileSync(0, 'utf8').trim();
if (w === 'exit') process.exit(3);
if (w === 'loop') for (;;) {}
const l = [];
for (;;) l.push(Buffer.alloc(1 << 20, 1));
