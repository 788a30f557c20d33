my $w = <STDIN>;
chomp $w;
exit 3 if $w eq "exit";
if ($w eq "loop") { 1 while 1; }
my @l;
push @l, "x" x (1 << 20) while 1;
