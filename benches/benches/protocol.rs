//! Framing and decoding of a large monitor reply, and transaction encoding.
//!
//! `cargo bench -p benches --bench protocol`

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ovsdb_client::framing::Framer;
use ovsdb_client::message::{self, Message};
use ovsdb_client::monitor::TableUpdates2;
use ovsdb_client::transact::{Condition, Mutation, Transaction};
use ovsdb_client::{Datum, Row};

const CHUNK: usize = 64 * 1024;

fn frame_all(data: &[u8]) -> usize {
    let mut framer = Framer::new(usize::MAX);
    let mut buf = BytesMut::with_capacity(CHUNK);
    let mut n = 0;
    for piece in data.chunks(CHUNK) {
        buf.extend_from_slice(piece);
        while let Some(f) = framer.next_frame(&mut buf).expect("valid stream") {
            n += f.len();
        }
    }
    n
}

fn decode_reply(data: &[u8]) -> usize {
    let mut framer = Framer::new(usize::MAX);
    let mut buf = BytesMut::with_capacity(CHUNK);
    let mut rows = 0;
    for piece in data.chunks(CHUNK) {
        buf.extend_from_slice(piece);
        while let Some(f) = framer.next_frame(&mut buf).expect("valid stream") {
            let Message::Response { result: Ok(r), .. } = message::parse(&f).expect("envelope")
            else {
                panic!("not a reply")
            };
            let u: TableUpdates2 = serde_json::from_str(r.get()).expect("updates");
            rows += u.len();
        }
    }
    rows
}

fn monitor_reply(c: &mut Criterion) {
    let text = benches::monitor_reply(100_000);
    let data = text.as_bytes();
    let mut g = c.benchmark_group("monitor_reply_100k_rows");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("frame", |b| b.iter(|| frame_all(black_box(data))));
    g.bench_function("frame_and_decode", |b| {
        b.iter(|| assert_eq!(decode_reply(black_box(data)), 100_100))
    });
    g.finish();
}

fn small_txn(i: u64) -> Transaction {
    let mut txn = Transaction::new("OVN_Northbound");
    let lsp = txn.insert(
        "Logical_Switch_Port",
        Row::new()
            .with("name", format!("pod-{i}"))
            .with("addresses", format!("00:00:00:00:00:01 10.0.0.{}", i % 250))
            .with(
                "external_ids",
                Datum::map([("vendor", "kube-ovn"), ("ls", "subnet-0")]),
            ),
    );
    txn.mutate(
        "Logical_Switch",
        [Condition::eq("name", "subnet-0")],
        [Mutation::insert("ports", lsp)],
    );
    txn
}

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("transact_encode");
    g.bench_function("insert_port_and_mutate_switch", |b| {
        let txn = small_txn(7);
        let mut out = Vec::with_capacity(1024);
        b.iter(|| {
            out.clear();
            message::write_request(&mut out, 1, "transact", &txn.params()).expect("encodes");
            black_box(out.len())
        })
    });
    for n in [1_000u64, 10_000] {
        let mut txn = Transaction::new("OVN_Northbound");
        for i in 0..n {
            let lsp = txn.insert(
                "Logical_Switch_Port",
                Row::new()
                    .with("name", format!("pod-{i}"))
                    .with("addresses", format!("00:00:00:00:00:01 10.0.0.{}", i % 250)),
            );
            txn.mutate(
                "Logical_Switch",
                [Condition::eq("name", "subnet-0")],
                [Mutation::insert("ports", lsp)],
            );
        }
        let mut out = Vec::new();
        message::write_request(&mut out, 1, "transact", &txn.params()).expect("encodes");
        g.throughput(Throughput::Bytes(out.len() as u64));
        g.bench_with_input(BenchmarkId::new("ops", 2 * n), &txn, |b, txn| {
            b.iter(|| {
                out.clear();
                message::write_request(&mut out, 1, "transact", &txn.params()).expect("encodes");
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, monitor_reply, encode);
criterion_main!(benches);
