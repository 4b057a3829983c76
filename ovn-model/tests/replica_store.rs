//! The replica store fed by a real monitor: indexes, typed reads, the change stream, and
//! equality with a fresh select after a series of ovn-nbctl edits.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ovn_model::nb::{LogicalSwitch, LogicalSwitchPort};
use ovsdb_client::monitor::{MonitorEvent, MonitorRequest, MonitorRequests};
use ovsdb_client::replica::{ChangeKind, IndexSpec, Store};
use ovsdb_client::transact::Transaction;
use ovsdb_client::typed::Table;
use ovsdb_client::{ConnectOptions, Datum, Row, Uuid, connect};
use testkit::OvsdbServer;

const NB: &str = "OVN_Northbound";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_follows_the_server() {
    let server = OvsdbServer::nb();
    server.nbctl(&[
        "ls-add", "sw", "--", "lsp-add", "sw", "a", "--", "lsp-add", "sw", "b",
    ]);
    server.nbctl(&[
        "set",
        "Logical_Switch_Port",
        "a",
        "external_ids:pod=default/a",
    ]);
    let (conn, h) = connect(&server.unix_remote(), &ConnectOptions::default())
        .await
        .expect("connect");
    tokio::spawn(conn);
    let schema = Arc::new(h.get_schema(NB).await.expect("schema"));
    let mut store = Store::new(
        schema.clone(),
        [
            (LogicalSwitch::NAME.to_owned(), None),
            (LogicalSwitchPort::NAME.to_owned(), None),
        ],
        [IndexSpec::custom(
            "lsp-by-pod",
            LogicalSwitchPort::NAME,
            |r| {
                r.get("external_ids")?
                    .get(&"pod".into())
                    .map(|p| vec![Datum::scalar(p.clone())])
            },
        )],
    )
    .expect("store");
    let mut reqs = MonitorRequests::new();
    for (table, _) in store.monitored() {
        reqs.insert(table.to_owned(), vec![MonitorRequest::all()]);
    }
    let (reply, mut mon) = h
        .monitor_cond_since(NB, &reqs, None)
        .await
        .expect("monitor_cond_since");
    store
        .apply_update2(reply.updates, Some(reply.last_txn_id))
        .expect("initial");
    let mut changes = store
        .subscribe(Some(&[LogicalSwitchPort::NAME]))
        .expect("subscribe");

    // Index lookups and typed reads.
    let snap = store.snapshot();
    let (uuid_a, _) = snap
        .lookup("lsp-by-pod", &[Datum::scalar("default/a")])
        .expect("index")
        .next()
        .expect("port a by pod");
    let a: LogicalSwitchPort = snap.get_typed(uuid_a).expect("typed").expect("present");
    assert_eq!(a.name, "a");
    let by_name: Vec<Uuid> = snap
        .lookup("Logical_Switch_Port(name)", &[Datum::scalar("b")])
        .expect("schema index")
        .map(|(u, _)| u)
        .collect();
    assert_eq!(by_name.len(), 1);
    let sw: Vec<LogicalSwitch> = snap
        .iter_typed()
        .expect("typed table")
        .collect::<ovsdb_client::Result<_>>()
        .expect("converts");
    assert_eq!(sw.len(), 1);
    assert_eq!(sw[0].ports.len(), 2);

    let edits: &[&[&str]] = &[
        &["lsp-set-addresses", "a", "00:00:00:00:00:01 10.0.0.1"],
        &[
            "set",
            "Logical_Switch_Port",
            "a",
            "tag_request=5",
            "external_ids:pod=default/a2",
        ],
        &["clear", "Logical_Switch_Port", "a", "tag_request"],
        &["lsp-add", "sw", "c"],
        &["lsp-del", "b"],
        &[
            "set",
            "Logical_Switch",
            "sw",
            "other_config:subnet=10.0.0.0/24",
        ],
    ];
    for edit in edits {
        server.nbctl(edit);
        let ev = tokio::time::timeout(Duration::from_secs(10), mon.next())
            .await
            .expect("update in time")
            .expect("running")
            .expect("decodes");
        let MonitorEvent::Update3 {
            last_txn_id,
            updates,
        } = ev
        else {
            panic!("{ev:?}")
        };
        store
            .apply_update2(updates, Some(last_txn_id))
            .expect("apply");
    }

    // The change stream: a modified (three edits coalesced), c inserted, b deleted.
    let mut kinds: Vec<(String, ChangeKind)> = changes
        .try_batch()
        .iter()
        .map(|c| {
            let row = c.new.as_ref().or(c.old.as_ref()).expect("a row");
            (row.get_str("name").unwrap_or_default().to_owned(), c.kind())
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("a".to_owned(), ChangeKind::Modify),
            ("b".to_owned(), ChangeKind::Delete),
            ("c".to_owned(), ChangeKind::Insert),
        ]
    );

    let snap = store.snapshot();
    assert!(
        snap.lookup("lsp-by-pod", &[Datum::scalar("default/a")])
            .expect("index")
            .next()
            .is_none()
    );
    assert!(
        snap.lookup("lsp-by-pod", &[Datum::scalar("default/a2")])
            .expect("index")
            .next()
            .is_some()
    );
    let a: LogicalSwitchPort = snap.get_typed(uuid_a).expect("typed").expect("present");
    assert_eq!(a.tag_request, None);
    assert_eq!(
        a.addresses.iter().collect::<Vec<_>>(),
        ["00:00:00:00:00:01 10.0.0.1"]
    );

    // Every monitored row, with the default values the store leaves out, equals a fresh
    // select.
    for table in [LogicalSwitch::NAME, LogicalSwitchPort::NAME] {
        let mut txn = Transaction::new(NB);
        txn.select(table, [], None);
        let res = h.transact(txn).await.expect("select");
        let fresh: BTreeMap<Uuid, Row> = res[0]
            .rows
            .clone()
            .expect("rows")
            .into_iter()
            .map(|mut r| {
                let u = r.uuid().expect("_uuid");
                r.remove("_uuid");
                r.remove("_version");
                (u, r)
            })
            .collect();
        let ours: BTreeMap<Uuid, Row> = snap
            .rows(table)
            .expect("table")
            .map(|(u, r)| {
                let mut r = Row::clone(r);
                r.remove("_version");
                schema
                    .table(table)
                    .expect("table")
                    .fill_defaults(&mut r, None);
                (u, r)
            })
            .collect();
        assert_eq!(ours, fresh, "{table}");
    }
}
