let () =
  match String.trim (input_line stdin) with
  | "exit" -> exit 3
  | "loop" -> while true do () done
  | _ -> let l = ref [] in while true do l := Bytes.make (1 lsl 20) 'x' :: !l done
