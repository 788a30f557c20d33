with Ada.Text_IO; use Ada.Text_IO;
with Ada.Command_Line;

procedure Main is
   type Block is array (1 .. 1_048_576) of Character;
   type Block_Access is access Block;
   type Counter is mod 2**64;
   W : constant String := Get_Line;
   --  Volatile: the optimizer may not drop the endless loop (or prove it overflows).
   X : Counter := 0 with Volatile;
   P : Block_Access;
begin
   if W = "exit" then
      Ada.Command_Line.Set_Exit_Status (3);
      return;
   end if;
   if W = "loop" then
      loop
         X := X + 1;
      end loop;
   end if;
   loop
      P := new Block'(others => 'x');
   end loop;
end Main;
