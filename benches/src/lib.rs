//! Deterministic inputs for the benchmarks in `benches/`.

use std::fmt::Write;

/// A deterministic UUID for row `i` of table number `t`.
pub fn uuid(t: u32, i: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        t,
        (i >> 48) & 0xffff,
        (i >> 36) & 0xfff,
        (i >> 24) & 0xfff,
        i & 0xffff_ffff_ffff
    )
}

/// The JSON text of a `monitor_cond` reply holding `ports` Logical_Switch_Port rows spread over
/// `ports / 1000` switches (at least one), shaped like the rows Kube-OVN writes: a name, two
/// addresses, port security, external_ids and options.
pub fn monitor_reply(ports: u64) -> String {
    let switches = (ports / 1000).max(1);
    let mut s = String::with_capacity(ports as usize * 420);
    s.push_str(r#"{"id":1,"result":{"Logical_Switch_Port":{"#);
    for i in 0..ports {
        if i > 0 {
            s.push(',');
        }
        let mac = format!(
            "00:00:{:02x}:{:02x}:{:02x}:{:02x}",
            (i >> 24) & 0xff,
            (i >> 16) & 0xff,
            (i >> 8) & 0xff,
            i & 0xff
        );
        let ip = format!("10.{}.{}.{}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
        let _ = write!(
            s,
            r#""{}":{{"initial":{{"name":"pod-{i}.default","addresses":"{mac} {ip}","port_security":"{mac} {ip}","type":"","enabled":true,"tag":["set",[]],"dynamic_addresses":["set",[]],"external_ids":["map",[["ls","subnet-{sw}"],["pod","default/pod-{i}"],["vendor","kube-ovn"]]],"options":["map",[["requested-chassis","node-{node}"]]],"up":false}}}}"#,
            uuid(1, i),
            sw = i % switches,
            node = i % 50,
        );
    }
    s.push_str(r#"},"Logical_Switch":{"#);
    for sw in 0..switches {
        if sw > 0 {
            s.push(',');
        }
        let ports: Vec<String> = (0..ports)
            .filter(|i| i % switches == sw)
            .map(|i| format!(r#"["uuid","{}"]"#, uuid(1, i)))
            .collect();
        let _ = write!(
            s,
            r#""{}":{{"initial":{{"name":"subnet-{sw}","ports":["set",[{}]],"other_config":["map",[["subnet","10.{sw}.0.0/16"]]],"external_ids":["map",[["vendor","kube-ovn"]]]}}}}"#,
            uuid(2, sw),
            ports.join(",")
        );
    }
    s.push_str(r#"}},"error":null}"#);
    s
}

pub mod ovn_flows;

/// The fixture of the ovn-model diff bench: a Kube-OVN-shaped topology of
/// [`diff_fixture::SWITCHES`] x [`diff_fixture::PORTS_PER_SWITCH`] ports, and the replica holding it.
pub mod diff_fixture {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use ovn_model::diff::TABLES;
    use ovn_model::topology::{Switch, SwitchPort, Topology};
    use ovsdb_client::monitor::{RowUpdate2, TableUpdates2};
    use ovsdb_client::replica::{Snapshot, Store};
    use ovsdb_client::schema::DatabaseSchema;
    use ovsdb_client::transact::Operation;
    use ovsdb_client::{Atom, Datum, Row, Uuid};

    /// Switches in the fixture.
    pub const SWITCHES: u64 = 100;
    /// Ports per switch.
    pub const PORTS_PER_SWITCH: u64 = 1000;

    /// The topology; with `changed_every = Some(n)`, every n-th port has another
    /// `requested-chassis`.
    pub fn topology(changed_every: Option<u64>) -> Topology {
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

    /// The vendored OVN_Northbound schema.
    pub fn schema() -> Arc<DatabaseSchema> {
        Arc::new(
            DatabaseSchema::from_json(include_str!("../../schemas/ovn-nb.ovsschema"))
                .expect("schema"),
        )
    }

    /// A store of [`TABLES`] with no rows.
    pub fn empty_store() -> Store {
        Store::new(schema(), TABLES.iter().map(|t| (t.to_string(), None)), []).expect("store")
    }

    /// What the server would hold after the inserts of `ops`: rows with UUIDs and versions, the
    /// uuid-names resolved.
    pub fn materialize(ops: &[Operation]) -> TableUpdates2 {
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
                            Datum::Map(m) => Datum::Map(
                                m.iter().map(|(k, v)| (resolve(k), resolve(v))).collect(),
                            ),
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
    pub fn reply_json(updates: &TableUpdates2) -> String {
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

    /// A snapshot of a store holding `updates`.
    pub fn snapshot_of(updates: TableUpdates2) -> Snapshot {
        let mut store = empty_store();
        store.resync(updates, None).expect("load");
        store.snapshot()
    }
}
