<?php
$w = trim(fgets(STDIN));
if ($w === "exit") exit(3);
if ($w === "loop") while (true) {}
$l = [];
while (true) $l[] = str_repeat("x", 1 << 20);
