$1 == "exit" { exit 3 }
$1 == "loop" { while (1) {} }
$1 == "alloc" { s = "x"; while (1) s = s s }
