with Ada.Text_IO; use Ada.Text_IO;
with Ada.Command_Line;

procedure Main is
   type Block is array (1 .. 1_048_576) of Character;
   type Block_Access is access Block;
   W : constant String := Get_Line;
   X : Long_Long_Integer := 0;
   P : Block_Access;
begin
   if W = "exit" then
      Ada.Command_Line.Set_Exit_Status (3);
      return;
   end if;
   if W = "loop" then
      loop
         X := X + 1;
         if X < 0 then
            Put_Line (X'Image);
         end if;
      end loop;
   end if;
   loop
      P := new Block'(others => 'x');
   end loop;
end Main;
