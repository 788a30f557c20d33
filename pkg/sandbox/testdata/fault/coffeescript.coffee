w = require('fs').readFileSync(0, 'utf8').trim()
process.exit 3 if w is 'exit'
if w is 'loop'
  loop
    x = 1
l = []
loop
  l.push Buffer.alloc(1 << 20, 1)
