program Fault;
var w: string; x: Int64; p: PByte;
begin
  ReadLn(w);
  if w = 'exit' then Halt(3);
  if w = 'loop' then begin x := 0; while true do Inc(x); end;
  while true do begin GetMem(p, 1 shl 20); FillChar(p^, 1 shl 20, 1); end;
end.
