object Main {
  def main(a: Array[String]): Unit = {
    val w = scala.io.StdIn.readLine().trim
    if (w == "exit") sys.exit(3)
    if (w == "loop") { var x = 0L; while (true) x += 1 }
    val l = scala.collection.mutable.ArrayBuffer[Array[Byte]]()
    while (true) l += new Array[Byte](1 << 20)
  }
}
