(let [w (clojure.string/trim (read-line))]
  (case w
    "exit" (System/exit 3)
    "loop" (loop [x 0] (recur (inc x)))
    (loop [l []] (recur (conj l (byte-array (* 1024 1024)))))))
