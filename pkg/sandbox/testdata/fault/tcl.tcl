set w [string trim [gets stdin]]
if {$w eq "exit"} { exit 3 }
if {$w eq "loop"} { while 1 {} }
set l {}
while 1 { lappend l [string repeat x 1048576][llength $l] }
