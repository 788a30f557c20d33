w <- readLines(file("stdin"), n = 1)
if (w == "exit") quit(status = 3)
if (w == "loop") repeat {}
l <- list()
i <- 0
repeat { i <- i + 1; l[[i]] <- runif(131072) }
