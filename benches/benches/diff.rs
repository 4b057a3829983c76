//! The ovn-model diff at 100k rows, beside the replica's decode of the same rows:
//!
//! `cargo bench -p benches --bench diff`
//!
//! A Kube-OVN-shaped topology (100 switches with 1,000 ports each) is diffed against a store
//! holding exactly it (no change), against the same store with 1% of the ports changed, and
//! against an empty store (everything new); the everything-new transaction is also encoded.
//! `replica_decode` is what a replica spends turning the JSON monitor reply of the same rows
//! into its store, the yardstick for the targets. The `_differ` cases diff again with
//! a [`Differ`] that did a full diff of the unchanged topology before.

use std::hint::black_box;

use benches::diff_fixture::{empty_store, materialize, reply_json, snapshot_of, topology};
use criterion::{Criterion, criterion_group, criterion_main};
use ovn_model::diff::{Differ, Owner, diff};
use ovsdb_client::Uuid;
use ovsdb_client::monitor::{CondSinceSink, RowUpdate2, decode_cond_since_with};

/// The replica's path: the streaming decoder feeding a resync.
struct Feed<'a>(Option<ovsdb_client::replica::Resync<'a>>);

impl CondSinceSink for Feed<'_> {
    fn header(&mut self, _found: bool, _last: Uuid) -> Result<(), String> {
        Ok(())
    }
    fn row(&mut self, table: &str, uuid: Uuid, update: RowUpdate2) -> Result<(), String> {
        let RowUpdate2::Initial(r) = update else {
            return Err("not initial".into());
        };
        self.0
            .as_mut()
            .ok_or("no resync")?
            .add_rows(table, [Ok((uuid, r))])
            .map_err(|e| e.to_string())
    }
}

fn benches(c: &mut Criterion) {
    let owner = Owner::default();
    let topo = topology(None);
    let empty = empty_store().snapshot();
    let all_new = diff(&topo, &empty, &owner).expect("diff");
    let updates = materialize(all_new.transaction.operations());
    let json = reply_json(&updates);
    let snap = snapshot_of(updates);
    assert!(diff(&topo, &snap, &owner).expect("diff").is_empty());
    let changed = topology(Some(100));
    assert_eq!(
        diff(&changed, &snap, &owner).expect("diff").counts["Logical_Switch_Port"].updated,
        1000
    );

    let mut g = c.benchmark_group("diff_100k_ports");
    g.sample_size(10);
    g.bench_function("replica_decode", |b| {
        b.iter(|| {
            let mut store = empty_store();
            let mut feed = Feed(Some(store.begin_resync()));
            decode_cond_since_with(black_box(&json), &mut feed).expect("decode");
            feed.0.take().expect("resync").finish(None);
            store
        })
    });
    g.bench_function("no_change", |b| {
        b.iter(|| diff(black_box(&topo), &snap, &owner).expect("diff"))
    });
    g.bench_function("one_percent_changed", |b| {
        b.iter(|| diff(black_box(&changed), &snap, &owner).expect("diff"))
    });
    // A Differ remembers what it verified: after a first full diff, the next ones compare
    // only what changed since (here: nothing in the store; 1% of the ports desired
    // differently).
    let mut differ = Differ::new(owner.clone());
    differ.diff(&topo, &snap).expect("prime");
    g.bench_function("no_change_differ", |b| {
        b.iter(|| {
            let plan = differ.diff(black_box(&topo), &snap).expect("diff");
            assert!(plan.is_empty());
            plan
        })
    });
    let mut differ = Differ::new(owner.clone());
    differ.diff(&topo, &snap).expect("prime");
    g.bench_function("one_percent_changed_differ", |b| {
        b.iter(|| {
            let plan = differ.diff(black_box(&changed), &snap).expect("diff");
            assert_eq!(plan.counts["Logical_Switch_Port"].updated, 1000);
            plan
        })
    });
    g.bench_function("all_new", |b| {
        b.iter(|| diff(black_box(&topo), &empty, &owner).expect("diff"))
    });
    g.bench_function("encode_all_new", |b| {
        b.iter(|| serde_json::to_vec(black_box(&all_new.transaction)).expect("encode"))
    });
    g.finish();
}

criterion_group!(diff_benches, benches);
criterion_main!(diff_benches);
