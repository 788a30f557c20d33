main :-
    read_string(user_input, _, S),
    split_string(S, " \t\n", " \t\n", Parts0),
    exclude(==(""), Parts0, Parts),
    maplist(number_string, [A, B], Parts),
    Sum is A + B,
    format("~d~n", [Sum]).
