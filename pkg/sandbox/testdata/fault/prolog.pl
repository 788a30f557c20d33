main :-
    read_line_to_string(user_input, S),
    (   S == "exit" -> halt(3)
    ;   S == "loop" -> repeat, fail
    ;   numlist(1, 100000000, L), length(L, N), write(N)
    ).
