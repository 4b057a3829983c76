//! Flow-table sync planning on 100,000 OVN-like flows (the shapes of
//! `benches/compare/gen_flows.py`): the desired flows against a switch's dump of them (as
//! OpenFlow 1.5 `OFPMP_FLOW` replies of about 64 KiB, as Open vSwitch sends them).
//!
//! `cargo bench -p benches --bench of_sync`
//!
//! - `encode_desired`: encoding the desired flows' flow_mods once (`sync::Desired::encode`);
//! - `plan_no_change`: the plan against a dump holding exactly those flows (empty);
//! - `plan_one_percent_changed`: 1% of the desired flows with other actions, 1% missing
//!   (and so 1% of the dump to delete);
//! - `typed_diff_no_change`: the typed [`sync::diff`] of the decoded dump, for comparison.

use std::hint::black_box;

use benches::ovn_flows::ovn_flows;
use bytes::Bytes;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use openflow::Version;
use openflow::conn::Frame;
use openflow::flow::{Command, Flow};
use openflow::message::{FlowStats, Message, MultipartReply, MultipartReplyBody};
use openflow::sync::{self, Desired, Dump};

const N: usize = 100_000;
const V: Version = Version::Of15;

/// A dump of `flows` in replies of at most about 64 KiB.
fn dump_of(flows: &[Flow]) -> Dump {
    let mut replies = Vec::new();
    let mut stats = Vec::new();
    let mut bytes = 0;
    let flush = |stats: &mut Vec<FlowStats>, more: bool, replies: &mut Vec<Frame>| {
        let m = Message::MultipartReply(MultipartReply {
            flags: u16::from(more),
            body: MultipartReplyBody::Flow(std::mem::take(stats)),
        });
        let bytes = m.encode(V, 7).expect("reply encodes");
        replies.push(Frame::new(Bytes::from(bytes)).expect("one whole message"));
    };
    for f in flows {
        let fm = f.to_flow_mod(Command::Add, V).expect("flow_mod");
        let s = FlowStats {
            table_id: fm.table_id,
            priority: fm.priority,
            cookie: fm.cookie,
            idle_age: Some(0),
            match_: fm.match_,
            instructions: fm.instructions,
            ..FlowStats::default()
        };
        bytes += 300;
        stats.push(s);
        if bytes > 60_000 {
            flush(&mut stats, true, &mut replies);
            bytes = 0;
        }
    }
    flush(&mut stats, false, &mut replies);
    Dump::new(replies, V).expect("a flow dump")
}

fn of_sync(c: &mut Criterion) {
    let flows: Vec<Flow> = ovn_flows(N as u64)
        .iter()
        .map(|l| Flow::parse(l, V).expect("generated flows parse"))
        .collect();
    let dump = dump_of(&flows);
    let desired = Desired::encode(flows.clone(), V).expect("encodes");
    let mut changed = flows.clone();
    let other = Flow::parse("actions=output:7", V).expect("parses").actions;
    for f in changed.iter_mut().step_by(100) {
        f.actions = other.clone();
    }
    let changed: Vec<Flow> = changed
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % 100 != 50)
        .map(|(_, f)| f)
        .collect();
    let changed = Desired::encode(changed, V).expect("encodes");
    let current = dump.flows().expect("decodes");

    let mut g = c.benchmark_group("of_sync_100k_flows");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("encode_desired", |b| {
        b.iter_batched(
            || flows.clone(),
            |f| Desired::encode(f, V).map(|d| d.len()),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("plan_no_change", |b| {
        b.iter(|| {
            let p = sync::plan(black_box(&desired), black_box(&dump)).expect("plans");
            assert!(p.is_empty());
        })
    });
    g.bench_function("plan_one_percent_changed", |b| {
        b.iter(|| {
            let p = sync::plan(black_box(&changed), black_box(&dump)).expect("plans");
            assert_eq!((p.modifies.len(), p.deletes.len()), (N / 100, N / 100));
        })
    });
    g.bench_function("typed_diff_no_change", |b| {
        b.iter(|| assert!(sync::diff(black_box(&flows), black_box(&current), V).is_empty()))
    });
    g.finish();
}

criterion_group!(benches, of_sync);
criterion_main!(benches);
