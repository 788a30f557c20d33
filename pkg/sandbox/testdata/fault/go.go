package main

import (
	"fmt"
	"os"
)

var sink [][]byte

func main() {
	var w string
	fmt.Scan(&w)
	switch w {
	case "exit":
		os.Exit(3)
	case "loop":
		x := 0
		for {
			x++
			if x < 0 {
				fmt.Println(x)
			}
		}
	}
	for {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = 1
		}
		sink = append(sink, b)
	}
}
