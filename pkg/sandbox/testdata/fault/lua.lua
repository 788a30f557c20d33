local w = io.read("l")
if w == "exit" then os.exit(3) end
if w == "loop" then while true do end end
local t = {}
while true do t[#t + 1] = string.rep("x", 1 << 20) .. #t end
