-module(main).
-export([main/0]).

main() ->
    case string:trim(io:get_line("")) of
        "exit" -> erlang:halt(3);
        "loop" -> spin(0);
        _ -> grow([])
    end.

spin(N) -> spin(N + 1).

grow(L) -> grow([binary:copy(<<1>>, 1048576) | L]).
