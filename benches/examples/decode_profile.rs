//! Decodes a 100k-row monitor reply a few times, for profilers:
//! `cargo build --release -p benches --example decode_profile && perf record target/release/examples/decode_profile`
use ovsdb_client::message::{self, Message};
use ovsdb_client::monitor::TableUpdates2;

fn main() {
    let text = benches::monitor_reply(100_000);
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let Ok(Message::Response { result: Ok(r), .. }) = message::parse(text.as_bytes()) else {
            panic!("not a reply")
        };
        let t1 = t.elapsed();
        let u: TableUpdates2 = serde_json::from_str(r.get()).expect("updates");
        println!(
            "{} bytes: envelope {:?}, updates {:?}, {} rows",
            text.len(),
            t1,
            t.elapsed() - t1,
            u.len()
        );
    }
}
