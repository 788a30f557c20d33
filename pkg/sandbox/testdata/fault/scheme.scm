(let ((w (read)))
  (cond ((eq? w 'exit) (exit 3))
        ((eq? w 'loop) (let loop () (loop)))
        (else (let grow ((l '())) (grow (cons (make-string 1048576 #\x) l))))))
