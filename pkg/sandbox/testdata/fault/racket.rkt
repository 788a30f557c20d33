#lang racket/base
(define w (read))
(cond [(eq? w 'exit) (exit 3)]
      [(eq? w 'loop) (let loop () (loop))]
      [else (let grow ([l '()]) (grow (cons (make-bytes 1048576 1) l)))])
