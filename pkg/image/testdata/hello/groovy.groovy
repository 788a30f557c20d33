def (a, b) = System.in.text.trim().split(/\s+/).collect { it as long }
println(a + b)
