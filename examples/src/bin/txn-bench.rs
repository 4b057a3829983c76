//! `txn-bench`: small-transaction latency through `ovsdb-client`.
//!
//! Each transaction inserts a Logical_Switch_Port and adds it to its switch's `ports` (the shape
//! of a pod add), with `--in-flight` transactions outstanding at once. Prints one JSON line:
//! count, in-flight, total seconds, transactions per second, mean/p50/p99 latency in ms.
//!
//! ```text
//! txn-bench unix:/path/nb.sock --count 2000 --in-flight 32
//! ```
//! `benches/compare/txn-latency.sh` runs it beside a raw-socket Python loop doing the same work.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use ovsdb_client::client::Pending;
use ovsdb_client::transact::{Condition, Mutation, Transaction};
use ovsdb_client::{ConnectOptions, Datum, Row, connect};

#[derive(Parser)]
#[command(about = "Small-transaction latency against an OVN northbound server")]
struct Args {
    /// The server, e.g. unix:/run/ovn/ovnnb_db.sock.
    remote: String,
    /// Transactions to run (after 100 warm-up transactions).
    #[arg(long, default_value_t = 2000)]
    count: usize,
    /// Transactions outstanding at once.
    #[arg(long, default_value_t = 1)]
    in_flight: usize,
    /// Name of the switch to create and fill.
    #[arg(long, default_value = "bench-rust")]
    switch: String,
}

fn txn(switch: &str, i: usize) -> Transaction {
    let mut t = Transaction::new("OVN_Northbound");
    let p = t.insert(
        "Logical_Switch_Port",
        Row::new().with("name", format!("{switch}-p{i}")).with(
            "addresses",
            format!(
                "00:00:00:{:02x}:{:02x}:{:02x} dynamic",
                (i >> 16) & 0xff,
                (i >> 8) & 0xff,
                i & 0xff
            ),
        ),
    );
    t.mutate(
        "Logical_Switch",
        [Condition::eq("name", switch)],
        [Mutation::insert("ports", p)],
    );
    t
}

/// Awaits a request, returning its outcome and when it was sent.
async fn timed<T>(t0: Instant, p: Pending<T>) -> (ovsdb_client::Result<T>, Instant) {
    (p.await, t0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (conn, h) = connect(&args.remote, &ConnectOptions::default())
        .await
        .with_context(|| format!("connect to {}", args.remote))?;
    tokio::spawn(conn);
    let mut setup = Transaction::new("OVN_Northbound");
    setup.insert(
        "Logical_Switch",
        Row::new()
            .with("name", args.switch.as_str())
            .with("ports", Datum::empty()),
    );
    h.transact(setup).await?;

    let in_flight = args.in_flight.max(1);
    let run = |start: usize, count: usize| {
        let h = h.clone();
        let switch = args.switch.clone();
        async move {
            let mut lat = Vec::with_capacity(count);
            let mut next = start;
            let end = start + count;
            let mut pending = futures::stream::FuturesUnordered::new();
            use futures::StreamExt;
            while next < end && pending.len() < in_flight {
                pending.push(timed(Instant::now(), h.transact(txn(&switch, next))));
                next += 1;
            }
            while let Some((r, t0)) = pending.next().await {
                r?;
                lat.push(t0.elapsed());
                if next < end {
                    pending.push(timed(Instant::now(), h.transact(txn(&switch, next))));
                    next += 1;
                }
            }
            Ok::<Vec<Duration>, anyhow::Error>(lat)
        }
    };
    run(0, 100).await?; // warm-up
    let t0 = Instant::now();
    let mut lat = run(100, args.count).await?;
    let total = t0.elapsed().as_secs_f64();
    lat.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = lat.iter().map(|d| ms(*d)).sum::<f64>() / lat.len() as f64;
    println!(
        "{}",
        serde_json::json!({
            "client": "ovsdb-client (Rust)",
            "count": lat.len(),
            "in_flight": in_flight,
            "total_s": total,
            "txn_per_s": lat.len() as f64 / total,
            "mean_ms": mean,
            "p50_ms": ms(lat[lat.len() / 2]),
            "p99_ms": ms(lat[lat.len() * 99 / 100]),
        })
    );
    Ok(())
}
