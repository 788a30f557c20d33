import java.util.*;
public class Main {
    public static void main(String[] a) {
        String w = new Scanner(System.in).next();
        if (w.equals("exit")) System.exit(3);
        if (w.equals("loop")) { long x = 0; while (true) x++; }
        List<byte[]> l = new ArrayList<>();
        while (true) l.add(new byte[1 << 20]);
    }
}
