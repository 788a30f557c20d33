use std::io::Read;
fn main() {
    let mut w = String::new();
    std::io::stdin().read_to_string(&mut w).unwrap();
    match w.trim() {
        "exit" => std::process::exit(3),
        "loop" => {
            let mut x: u64 = 0;
            loop {
                x = std::hint::black_box(x + 1);
            }
        }
        _ => {
            let mut v: Vec<Vec<u8>> = Vec::new();
            loop {
                v.push(vec![1u8; 1 << 20]);
                std::hint::black_box(&v);
            }
        }
    }
}
