w = gets.strip
exit 3 if w == "exit"
loop {} if w == "loop"
l = []
loop { l << ("x" * (1 << 20)) }
