defmodule Fault do
  def spin(n), do: spin(n + 1)
  def grow(l), do: grow([:binary.copy(<<1>>, 1_048_576) | l])
end

case IO.gets("") |> String.trim() do
  "exit" -> System.halt(3)
  "loop" -> Fault.spin(0)
  _ -> Fault.grow([])
end
