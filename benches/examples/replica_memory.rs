//! Memory of the replica store holding a 100k-row Logical_Switch_Port table.
//!
//! `cargo run --release -p benches --example replica_memory [ROWS]`
//!
//! Prints the store's own estimate of its row data per row, and the process's resident set
//! size before and after (which also holds memory the allocator kept from the freed reply text
//! and decoded updates, so it overstates the store).
use std::sync::Arc;

use ovsdb_client::monitor::TableUpdates2;
use ovsdb_client::replica::Store;
use ovsdb_client::schema::DatabaseSchema;

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let rows: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let schema = Arc::new(
        DatabaseSchema::from_json(include_str!("../../schemas/ovn-nb.ovsschema")).expect("schema"),
    );
    let mut store = Store::new(
        schema,
        [
            ("Logical_Switch_Port".to_owned(), None),
            ("Logical_Switch".to_owned(), None),
        ],
        [],
    )
    .expect("store");
    let before = rss_bytes();
    {
        let text = benches::monitor_reply(rows);
        let start = text.find(r#""result":"#).expect("result") + 9;
        let end = text.rfind(r#","error":null}"#).expect("end");
        let updates: TableUpdates2 = serde_json::from_str(&text[start..end]).expect("decode");
        store.apply_update2(updates, None).expect("apply");
        println!(
            "peak while applying: RSS {:.1} MB",
            rss_bytes() as f64 / 1e6
        );
    }
    let after = rss_bytes();
    let snap = store.snapshot();
    let n = snap.len("Logical_Switch_Port").expect("table");
    let heap = snap.heap_estimate("Logical_Switch_Port").expect("table");
    println!(
        "{n} Logical_Switch_Port rows: {:.0} bytes per row of row data (Snapshot::heap_estimate); \
         process RSS {:.1} MB -> {:.1} MB (includes the freed reply text and decoded updates \
         the allocator keeps)",
        heap as f64 / n as f64,
        before as f64 / 1e6,
        after as f64 / 1e6,
    );
}
