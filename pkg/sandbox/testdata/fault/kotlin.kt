fun main() {
    val w = readLine()!!.trim()
    if (w == "exit") kotlin.system.exitProcess(3)
    if (w == "loop") { var x = 0L; while (true) x++ }
    val l = ArrayList<ByteArray>()
    while (true) l.add(ByteArray(1 shl 20))
}
