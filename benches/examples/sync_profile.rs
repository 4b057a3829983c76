//! Times the client-side stages of a cold sync on a captured `monitor_cond_since` reply, for
//! profilers and for finding where the time goes:
//!
//! `cargo run --release -p benches --example sync_profile -- REPLY.json [SCHEMA] [ROUNDS]`
//!
//! REPLY.json holds the raw bytes of one reply (as a server sent them); SCHEMA defaults to the
//! vendored OVN_Northbound schema. Prints, per round, the time of each stage: framing, the
//! JSON-RPC envelope, decoding the table updates, building the store from them, and dropping it.
use std::sync::Arc;
use std::time::Instant;

use ovsdb_client::framing::Framer;
use ovsdb_client::message::{self, Message};
use ovsdb_client::monitor::CondSinceReply;
use ovsdb_client::replica::Store;
use ovsdb_client::schema::DatabaseSchema;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: sync_profile REPLY.json [SCHEMA] [ROUNDS]");
    let schema_text = match args.next() {
        Some(p) => std::fs::read_to_string(p).expect("schema file"),
        None => include_str!("../../schemas/ovn-nb.ovsschema").to_owned(),
    };
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let bytes = std::fs::read(&path).expect("reply file");
    let schema = Arc::new(DatabaseSchema::from_json(&schema_text).expect("schema"));
    for _ in 0..rounds {
        let t0 = Instant::now();
        let mut framer = Framer::new(usize::MAX);
        let mut buf = bytes::BytesMut::new();
        let mut frames = Vec::new();
        for chunk in bytes.chunks(1 << 16) {
            buf.extend_from_slice(chunk);
            while let Some(f) = framer.next_frame(&mut buf).expect("frame") {
                frames.push(f);
            }
        }
        let frame = frames.pop().expect("one frame");
        let t1 = Instant::now();
        let Ok(Message::Response { result: Ok(r), .. }) = message::parse(&frame) else {
            panic!("not a successful reply")
        };
        let t2 = Instant::now();
        let reply: CondSinceReply = serde_json::from_str(r.get()).expect("updates");
        let t3 = Instant::now();
        let tables: Vec<(String, Option<Vec<String>>)> = reply
            .updates
            .tables
            .keys()
            .map(|t| (t.clone(), None))
            .collect();
        let mut store = Store::new(schema.clone(), tables, []).expect("store");
        let n = store.resync(reply.updates, None).expect("resync");
        let t4 = Instant::now();
        drop(frame);
        let t45 = Instant::now();
        drop(store);
        let t5 = Instant::now();
        println!(
            "{} bytes, {n} rows: framing {:?}, envelope {:?}, decode {:?}, store {:?}, drop reply {:?}, drop store {:?}; total {:?}",
            bytes.len(),
            t1 - t0,
            t2 - t1,
            t3 - t2,
            t4 - t3,
            t45 - t4,
            t5 - t45,
            t5 - t0
        );
    }
}
