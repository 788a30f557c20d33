import System.Exit

main :: IO ()
main = do
  w <- getLine
  case w of
    "exit" -> exitWith (ExitFailure 3)
    "loop" -> print (spin 0)
    _ -> let xs = [1 ..] :: [Int] in print (length xs + sum xs)
  where
    spin :: Int -> Int
    spin n = n `seq` spin (n + 1)
