w = strtrim(fgetl(stdin));
if strcmp(w, "exit")
  exit(3);
end
if strcmp(w, "loop")
  while true
  end
end
c = {};
i = 0;
while true
  i = i + 1;
  c{i} = rand(1, 131072);
end
