//! The ovn-model diff at 100k rows, beside the replica's decode of the same rows:
//!
//! `cargo bench -p benches --bench diff`
//!
//! A Kube-OVN-shaped topology (100 switches with 1,000 ports each) is diffed against a store
//! holding exactly it (no change), against the same store with 1% of the ports changed, and
//! against an empty store (everything new); the everything-new transaction is also encoded.
//! `replica_decode` is what a replica spends turning the JSON monitor reply of the same rows
//! into its store, the yardstick for the targets.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ovn_model::diff::{Owner, TABLES, diff};
use ovn_model::topology::{Switch, SwitchPort, Topology};
use ovsdb_client::monitor::{CondSinceSink, RowUpdate2, TableUpdates2, decode_cond_since_with};
use ovsdb_client::replica::{Snapshot, Store};
use ovsdb_client::schema::DatabaseSchema;
use ovsdb_client::transact::Operation;
use ovsdb_client::{Atom, Datum, Row, Uuid};

const SWITCHES: u64 = 100;
const PORTS_PER_SWITCH: u64 = 1000;

fn topology(changed_every: Option<u64>) -> Topology {
    let mut t = Topology::new();
    for s in 0..SWITCHES {
        let name = format!("subnet-{s}");
        let mut sw =
            Switch::new(name.clone()).with_other_config("subnet", format!("10.{s}.0.0/16"));
        for p in 0..PORTS_PER_SWITCH {
            let i = s * PORTS_PER_SWITCH + p;
            let ip = format!("10.{s}.{}.{}", p / 250, p % 250 + 2);
            let mac = format!(
                "00:00:00:{:02x}:{:02x}:{:02x}",
                (i >> 16) & 0xff,
                (i >> 8) & 0xff,
                i & 0xff
            );
            let mut port = SwitchPort::new(format!("pod-{p}.ns-{s}"))
                .with_addresses([format!("{mac} {ip}")])
                .with_port_security([format!("{mac} {ip}")])
                .with_external_id("ls", name.clone())
                .with_external_id("pod", format!("ns-{s}/pod-{p}"))
                .with_external_id("ip", ip.clone())
                .with_option("requested-chassis", format!("node-{}", i % 50));
            if changed_every.is_some_and(|n| i.is_multiple_of(n)) {
                port = port.with_option("requested-chassis", "node-moved");
            }
            sw = sw.with_port(port);
        }
        t = t.with_switch(sw);
    }
    t
}

fn schema() -> Arc<DatabaseSchema> {
    Arc::new(
        DatabaseSchema::from_json(include_str!("../../schemas/ovn-nb.ovsschema")).expect("schema"),
    )
}

fn empty_store() -> Store {
    Store::new(schema(), TABLES.iter().map(|t| (t.to_string(), None)), []).expect("store")
}

/// What the server would hold after the inserts of `ops`: rows with UUIDs and versions, the
/// uuid-names resolved.
fn materialize(ops: &[Operation]) -> TableUpdates2 {
    let mut names: BTreeMap<&str, Uuid> = BTreeMap::new();
    let mut next = 1u128;
    for op in ops {
        if let Operation::Insert {
            uuid_name: Some(n), ..
        } = op
        {
            names.insert(n, Uuid(next));
            next += 1;
        }
    }
    let resolve = |a: &Atom| match a {
        Atom::NamedUuid(n) => Atom::Uuid(names[n.as_str()]),
        other => other.clone(),
    };
    let mut out = TableUpdates2::default();
    for op in ops {
        if let Operation::Insert {
            table,
            row,
            uuid_name: Some(n),
            ..
        } = op
        {
            let mut row: Row = row
                .iter()
                .map(|(c, d)| {
                    let d = match d {
                        Datum::Set(a) => Datum::Set(a.iter().map(resolve).collect()),
                        Datum::Map(m) => {
                            Datum::Map(m.iter().map(|(k, v)| (resolve(k), resolve(v))).collect())
                        }
                    };
                    (c, d)
                })
                .collect();
            let uuid = names[n.as_str()];
            row.insert("_version", Uuid(uuid.0 + (1 << 100)));
            out.tables
                .entry(table.clone())
                .or_default()
                .push((uuid, RowUpdate2::Initial(row)));
        }
    }
    out
}

/// The JSON text of a monitor_cond_since reply with `updates` as initial rows.
fn reply_json(updates: &TableUpdates2) -> String {
    let mut tables = serde_json::Map::new();
    for (t, rows) in &updates.tables {
        let mut m = serde_json::Map::new();
        for (u, ru) in rows {
            if let RowUpdate2::Initial(r) = ru {
                m.insert(u.to_string(), serde_json::json!({ "initial": r }));
            }
        }
        tables.insert(t.clone(), serde_json::Value::Object(m));
    }
    serde_json::to_string(&serde_json::json!([false, Uuid::ZERO.to_string(), tables]))
        .expect("json")
}

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

fn snapshot_of(updates: TableUpdates2) -> Snapshot {
    let mut store = empty_store();
    store.resync(updates, None).expect("load");
    store.snapshot()
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
