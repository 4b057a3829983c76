//! The protocol client against a real ovsdb-server (Debian's OVS 3.1 / OVN 23.03), over unix,
//! tcp and ssl, with ovn-nbctl as an independent observer and writer.

use std::time::Duration;

use futures::future::join_all;
use ovsdb_client::monitor::{
    ConditionChanges, MonitorEvent, MonitorRequest, MonitorRequests, MonitorSelect, RowUpdate2,
};
use ovsdb_client::remote::TlsConfig;
use ovsdb_client::schema::DatabaseSchema;
use ovsdb_client::transact::{Condition, Mutation, Transaction, WaitUntil};
use ovsdb_client::{ConnectOptions, Datum, Error, Handle, Row, connect};
use testkit::OvsdbServer;

const NB: &str = "OVN_Northbound";

async fn open(remote: &str) -> Handle {
    open_with(remote, &ConnectOptions::default()).await
}

async fn open_with(remote: &str, options: &ConnectOptions) -> Handle {
    let (conn, handle) = connect(remote, options).await.expect("connect");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    handle
}

fn tls_options(server: &OvsdbServer) -> ConnectOptions {
    let pki = server.pki();
    ConnectOptions {
        tls: Some(TlsConfig::new(
            &pki.client_key,
            &pki.client_cert,
            &pki.ca_cert,
        )),
        ..ConnectOptions::default()
    }
}

/// The three transports every scenario runs over.
#[derive(Clone, Copy, Debug)]
enum Via {
    Unix,
    Tcp,
    Ssl,
}

/// An NB server listening on unix, tcp and ssl.
fn nb_server() -> OvsdbServer {
    OvsdbServer::builder(testkit::nb_schema())
        .tcp(true)
        .ssl(true)
        .start()
}

async fn open_via(server: &OvsdbServer, via: Via) -> Handle {
    match via {
        Via::Unix => open(&server.unix_remote()).await,
        Via::Tcp => open(&server.tcp_remote()).await,
        Via::Ssl => open_with(&server.ssl_remote(), &tls_options(server)).await,
    }
}

/// Runs an async scenario `fn(Via)` once per transport, as three tests in a module.
macro_rules! per_transport {
    ($name:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn unix() {
                super::$name(Via::Unix).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn tcp() {
                super::$name(Via::Tcp).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn ssl() {
                super::$name(Via::Ssl).await
            }
        }
    };
}

per_transport!(transactions_are_seen_by_ovn_nbctl_and_errors_name_the_operation);
per_transport!(many_transactions_in_flight);
per_transport!(cancel_aborts_a_blocked_wait);
per_transport!(monitors_of_every_generation_see_ovn_nbctl_writes);
per_transport!(locks_are_granted_stolen_and_asserted);
per_transport!(db_change_aware_monitors_are_canceled_not_dropped);

fn switch_with_port(switch: &str, port: &str) -> Transaction {
    let mut txn = Transaction::new(NB);
    let lsp = txn.insert("Logical_Switch_Port", Row::new().with("name", port));
    txn.insert(
        "Logical_Switch",
        Row::new()
            .with("name", switch)
            .with("ports", Datum::set([lsp]))
            .with("external_ids", Datum::map([("vendor", "test")])),
    );
    txn
}

/// Waits for the next update2/update3 event, failing after 10 s.
async fn next_updates(
    mon: &mut ovsdb_client::client::Monitor,
) -> ovsdb_client::monitor::TableUpdates2 {
    let ev = tokio::time::timeout(Duration::from_secs(10), mon.next())
        .await
        .expect("an update within 10 s")
        .expect("the monitor is running")
        .expect("the update decodes");
    match ev {
        MonitorEvent::Update2(u) => u,
        MonitorEvent::Update3 { updates, .. } => updates,
        other => panic!("unexpected event {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transport_lists_dbs_and_gets_schema() {
    let server = OvsdbServer::builder(testkit::nb_schema())
        .tcp(true)
        .ssl(true)
        .start();
    let expected = DatabaseSchema::from_json(
        &std::fs::read_to_string(testkit::nb_schema()).expect("read schema"),
    )
    .expect("schema parses");
    for (remote, options) in [
        (server.unix_remote(), ConnectOptions::default()),
        (server.tcp_remote(), ConnectOptions::default()),
        (server.ssl_remote(), tls_options(&server)),
        // A list: the first entry refuses, the second answers.
        (
            format!(
                "unix:{}/nope.sock,{}",
                server.dir().display(),
                server.tcp_remote()
            ),
            ConnectOptions::default(),
        ),
    ] {
        let h = open_with(&remote, &options).await;
        let dbs = h.list_dbs().await.expect("list_dbs");
        assert!(dbs.contains(&NB.to_owned()), "{remote}: {dbs:?}");
        let schema = h.get_schema(NB).await.expect("get_schema");
        assert_eq!(schema, expected, "{remote}");
        let echoed = h
            .echo(&[serde_json::json!("x"), serde_json::json!({"a": [1, 2]})])
            .await
            .expect("echo");
        assert_eq!(
            echoed,
            vec![serde_json::json!("x"), serde_json::json!({"a": [1, 2]})]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssl_without_client_certificate_or_with_wrong_ca_fails_cleanly() {
    let server = OvsdbServer::builder(testkit::nb_schema()).ssl(true).start();
    // No TLS configuration for an ssl: remote.
    let e = connect(&server.ssl_remote(), &ConnectOptions::default())
        .await
        .expect_err("no TLS config");
    assert!(e.to_string().contains("private key"), "{e}");
    // A CA that did not sign the server certificate: the client certificate's own file.
    let pki = server.pki();
    let bad = ConnectOptions {
        tls: Some(TlsConfig::new(
            &pki.client_key,
            &pki.client_cert,
            &pki.client_cert,
        )),
        ..ConnectOptions::default()
    };
    match connect(&server.ssl_remote(), &bad).await {
        Err(e) => assert!(
            e.to_string().contains("TLS") || e.to_string().contains("connect"),
            "{e}"
        ),
        Ok((conn, h)) => {
            tokio::spawn(conn);
            assert!(h.list_dbs().await.is_err());
        }
    }
}

async fn transactions_are_seen_by_ovn_nbctl_and_errors_name_the_operation(via: Via) {
    let server = nb_server();
    let h = open_via(&server, via).await;

    let results = h
        .transact(switch_with_port("sw0", "p0"))
        .await
        .expect("insert");
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.uuid.is_some()));
    assert_eq!(
        server.nbctl(&["lsp-list", "sw0"]).split_whitespace().last(),
        Some("(p0)")
    );

    // Insert a port and mutate the switch's ports, the shape of a pod add.
    let mut txn = Transaction::new(NB);
    let p1 = txn.insert("Logical_Switch_Port", Row::new().with("name", "p1"));
    txn.mutate(
        "Logical_Switch",
        [Condition::eq("name", "sw0")],
        [Mutation::insert("ports", p1)],
    );
    let r = h.transact(txn).await.expect("mutate");
    assert_eq!(r[1].count, Some(1));
    let ports = server.nbctl(&["--bare", "--columns=name", "list", "Logical_Switch_Port"]);
    let mut names: Vec<&str> = ports.split_whitespace().collect();
    names.sort_unstable();
    assert_eq!(names, ["p0", "p1"]);

    // What ovn-nbctl writes, a select sees.
    server.nbctl(&[
        "ls-add",
        "sw1",
        "--",
        "set",
        "Logical_Switch",
        "sw1",
        "other_config:subnet=10.0.0.0/24",
    ]);
    let mut txn = Transaction::new(NB);
    txn.select("Logical_Switch", [Condition::eq("name", "sw1")], None);
    let r = h.transact(txn).await.expect("select");
    let rows = r[0].rows.as_ref().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].get("other_config"),
        Some(&Datum::map([("subnet", "10.0.0.0/24")]))
    );

    // An operation error names its index and kind; later operations are not run.
    let mut txn = Transaction::new(NB);
    txn.insert("Logical_Switch", Row::new().with("name", "never"));
    txn.abort();
    txn.comment("not reached");
    let e = h.transact(txn).await.expect_err("abort");
    let Error::Transaction(te) = &e else {
        panic!("{e}")
    };
    assert_eq!(te.index, Some(1));
    assert_eq!(te.error, "aborted");
    assert!(
        server
            .try_nbctl(&["ls-list"])
            .unwrap()
            .lines()
            .all(|l| !l.contains("never"))
    );

    // A commit failure (the trailing extra element): a switch referring to a missing port.
    let mut txn = Transaction::new(NB);
    txn.insert(
        "Logical_Switch",
        Row::new().with(
            "ports",
            Datum::scalar(
                "12345678-1234-1234-1234-123456789abc"
                    .parse::<ovsdb_client::Uuid>()
                    .unwrap(),
            ),
        ),
    );
    let e = h.transact(txn).await.expect_err("commit failure");
    let Error::Transaction(te) = &e else {
        panic!("{e}")
    };
    assert_eq!(te.index, None);
    assert_eq!(te.error, "referential integrity violation");
    assert!(e.to_string().contains("commit"), "{e}");

    // A constraint violation on commit: duplicate index value.
    let mut txn = Transaction::new(NB);
    txn.insert("Address_Set", Row::new().with("name", "dup"));
    txn.insert("Address_Set", Row::new().with("name", "dup"));
    let e = h.transact(txn).await.expect_err("constraint violation");
    let Error::Transaction(te) = &e else {
        panic!("{e}")
    };
    assert_eq!(te.error, "constraint violation");

    // A JSON-RPC level error.
    let e = h.get_schema("Nope").await.expect_err("unknown db");
    assert!(
        matches!(&e, Error::Rpc { method, error, .. } if method == "get_schema" && error == "unknown database"),
        "{e}"
    );
    let mut txn = Transaction::new("Nope");
    txn.comment("x");
    let e = h.transact(txn).await.expect_err("unknown db");
    assert!(
        matches!(&e, Error::Rpc { error, .. } if error == "unknown database"),
        "{e}"
    );

    // The connection is still usable after all these errors.
    assert!(h.list_dbs().await.is_ok());

    // The raw form, as `ovsdb transact` sends it.
    let raw = h
        .transact_raw(&serde_json::json!([NB, {"op": "select", "table": "Logical_Switch", "where": [["name", "==", "sw0"]], "columns": ["name"]}]))
        .await
        .expect("raw transact");
    assert_eq!(raw[0]["rows"][0]["name"], "sw0");
}

async fn many_transactions_in_flight(via: Via) {
    let server = nb_server();
    let h = open_via(&server, via).await;
    h.transact(switch_with_port("sw", "p-first"))
        .await
        .expect("setup");
    let pending: Vec<_> = (0..200)
        .map(|i| {
            let mut txn = Transaction::new(NB);
            let p = txn.insert(
                "Logical_Switch_Port",
                Row::new().with("name", format!("p{i}")),
            );
            txn.mutate(
                "Logical_Switch",
                [Condition::eq("name", "sw")],
                [Mutation::insert("ports", p)],
            );
            h.transact(txn)
        })
        .collect();
    let ids: std::collections::BTreeSet<u64> = pending.iter().map(|p| p.id()).collect();
    assert_eq!(ids.len(), 200, "every request has its own id");
    for r in join_all(pending).await {
        r.expect("transaction");
    }
    let out = server.nbctl(&["lsp-list", "sw"]);
    assert_eq!(out.lines().count(), 201);
}

async fn cancel_aborts_a_blocked_wait(via: Via) {
    let server = nb_server();
    let h = open_via(&server, via).await;
    let mut txn = Transaction::new(NB);
    // Waits (up to 60 s) for a switch that never appears.
    txn.wait(
        "Logical_Switch",
        [Condition::eq("name", "ghost")],
        vec!["name".into()],
        WaitUntil::Eq,
        vec![Row::new().with("name", "ghost")],
        Some(60_000),
    );
    let pending = h.transact(txn);
    let id = pending.id();
    // Let the server start waiting, then cancel.
    tokio::time::sleep(Duration::from_millis(200)).await;
    h.cancel(id).expect("cancel");
    let e = tokio::time::timeout(Duration::from_secs(10), pending)
        .await
        .expect("the cancel ends the wait")
        .expect_err("canceled");
    assert!(e.to_string().contains("canceled"), "{e}");
    assert!(h.list_dbs().await.is_ok());
}

async fn monitors_of_every_generation_see_ovn_nbctl_writes(via: Via) {
    let server = nb_server();
    server.nbctl(&["ls-add", "before"]);
    let h = open_via(&server, via).await;
    let mut reqs = MonitorRequests::new();
    reqs.insert(
        "Logical_Switch".into(),
        vec![MonitorRequest::columns(["name", "ports", "external_ids"])],
    );

    // monitor (update)
    let (initial, mut m1) = h.monitor(NB, &reqs).await.expect("monitor");
    let rows = initial.table("Logical_Switch");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].1.new.as_ref().unwrap().get_str("name"),
        Some("before")
    );

    // monitor_cond with a condition (update2)
    let mut cond = MonitorRequests::new();
    cond.insert(
        "Logical_Switch".into(),
        vec![
            MonitorRequest::columns(["name", "external_ids"])
                .with_conditions([Condition::eq("name", "watched")]),
        ],
    );
    let (initial2, mut m2) = h.monitor_cond(NB, &cond).await.expect("monitor_cond");
    assert!(initial2.is_empty());

    // monitor_cond_since (update3)
    let (since, mut m3) = h
        .monitor_cond_since(NB, &reqs, None)
        .await
        .expect("monitor_cond_since");
    assert!(!since.found, "a standalone server keeps no history");
    assert_eq!(since.updates.table("Logical_Switch").len(), 1);

    server.nbctl(&[
        "ls-add",
        "watched",
        "--",
        "set",
        "Logical_Switch",
        "watched",
        "external_ids:k=v",
    ]);

    // m1 sees the insert as old=None/new=row.
    let ev = tokio::time::timeout(Duration::from_secs(10), m1.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let MonitorEvent::Update(u) = ev else {
        panic!("{ev:?}")
    };
    let (_, ru) = &u.table("Logical_Switch")[0];
    assert!(ru.old.is_none());
    assert_eq!(ru.new.as_ref().unwrap().get_str("name"), Some("watched"));

    // m2 (conditional) sees it as an insert.
    let u = next_updates(&mut m2).await;
    let (uuid, ru) = &u.table("Logical_Switch")[0];
    let RowUpdate2::Insert(row) = ru else {
        panic!("{ru:?}")
    };
    assert_eq!(row.get("external_ids"), Some(&Datum::map([("k", "v")])));
    let watched = *uuid;

    // m3 gets an update3 with a transaction id.
    let ev = tokio::time::timeout(Duration::from_secs(10), m3.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(ev, MonitorEvent::Update3 { .. }), "{ev:?}");

    // A map change arrives as a diff: k=v removed (same pair), k2=w added.
    server.nbctl(&[
        "remove",
        "Logical_Switch",
        "watched",
        "external_ids",
        "k",
        "--",
        "set",
        "Logical_Switch",
        "watched",
        "external_ids:k2=w",
    ]);
    let u = next_updates(&mut m2).await;
    let (uuid, ru) = &u.table("Logical_Switch")[0];
    assert_eq!(*uuid, watched);
    let RowUpdate2::Modify(diff) = ru else {
        panic!("{ru:?}")
    };
    let mut ext = Datum::map([("k", "v")]);
    ext.apply_diff(diff.get("external_ids").expect("external_ids diff"));
    assert_eq!(ext, Datum::map([("k2", "w")]));

    // monitor_cond_change: watch "before" instead; its row arrives as an initial/insert.
    let mut ch = ConditionChanges::new();
    ch.insert(
        "Logical_Switch".into(),
        vec![Condition::eq("name", "before")],
    );
    m2.change_conditions(&ch)
        .await
        .expect("monitor_cond_change");
    let u = next_updates(&mut m2).await;
    let changed: Vec<_> = u.table("Logical_Switch").iter().collect();
    assert!(
        changed.iter().any(|(_, ru)| matches!(ru, RowUpdate2::Insert(r) | RowUpdate2::Initial(r) if r.get_str("name") == Some("before"))),
        "{changed:?}"
    );

    // Deletes.
    server.nbctl(&["ls-del", "before"]);
    let u = next_updates(&mut m2).await;
    assert!(matches!(u.table("Logical_Switch")[0].1, RowUpdate2::Delete));

    // monitor_cancel ends the stream; other monitors go on.
    m2.cancel().await.expect("monitor_cancel");
    server.nbctl(&["ls-add", "after"]);
    let ev = tokio::time::timeout(Duration::from_secs(10), m3.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(ev, MonitorEvent::Update3 { .. }));
    drop(m1);

    // select: inserts only.
    let mut only_inserts = MonitorRequests::new();
    only_inserts.insert(
        "Logical_Switch".into(),
        vec![
            MonitorRequest::columns(["name"]).with_select(MonitorSelect {
                initial: false,
                insert: true,
                delete: false,
                modify: false,
            }),
        ],
    );
    let (init, mut m4) = h
        .monitor_cond(NB, &only_inserts)
        .await
        .expect("monitor_cond select");
    assert!(init.is_empty());
    server.nbctl(&["ls-del", "after"]);
    server.nbctl(&["ls-add", "last"]);
    let u = next_updates(&mut m4).await;
    assert!(
        matches!(&u.table("Logical_Switch")[0].1, RowUpdate2::Insert(r) if r.get_str("name") == Some("last"))
    );

    // A monitor on an unknown table fails without breaking the connection.
    let mut bad = MonitorRequests::new();
    bad.insert("Nope".into(), vec![MonitorRequest::all()]);
    let e = h.monitor_cond(NB, &bad).await.expect_err("unknown table");
    assert!(matches!(e, Error::Rpc { .. }), "{e}");
    assert!(h.list_dbs().await.is_ok());
}

async fn locks_are_granted_stolen_and_asserted(via: Via) {
    let server = nb_server();
    let a = open_via(&server, via).await;
    let b = open_via(&server, via).await;

    let mut la = a.lock("leader").await.expect("lock a");
    assert!(la.is_locked());
    // One Lock per name and connection: a second is refused and leaves the first working
    // (it is told `stolen` below).
    let e = a.lock("leader").await.expect_err("a second Lock");
    assert!(e.to_string().contains("duplicate lock"), "{e}");
    let lb = b.lock("leader").await.expect("lock b");
    assert!(!lb.is_locked(), "the lock is held by a");

    // assert: a holds it, b does not.
    let mut txn = Transaction::new(NB);
    txn.assert("leader");
    a.transact(txn.clone()).await.expect("a holds the lock");
    let e = b.transact(txn.clone()).await.expect_err("b does not");
    let Error::Transaction(te) = &e else {
        panic!("{e}")
    };
    assert!(te.is_not_owner(), "{te}");

    // A session waiting for a lock must give up waiting before it may steal it.
    let e = b.steal("leader").await.expect_err("steal while waiting");
    assert!(e.to_string().contains("unlock"), "{e}");
    lb.unlock().await.expect("stop waiting");

    // b steals it: a is told `stolen`.
    let lb2 = b.steal("leader").await.expect("steal");
    assert!(lb2.is_locked());
    // (ovsdb-server may repeat `locked` to the holder when a waiter leaves; skip those.)
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match la.next_event().await {
                Some(ovsdb_client::client::LockEvent::Stolen) => break,
                Some(ovsdb_client::client::LockEvent::Locked) => continue,
                None => panic!("connection closed"),
            }
        }
    })
    .await
    .expect("stolen in time");
    assert!(!la.is_locked());
    b.transact(txn.clone()).await.expect("b holds it now");

    // The robbed client stays queued: when b releases the lock, a is told `locked` again.
    lb2.unlock().await.expect("unlock");
    tokio::time::timeout(Duration::from_secs(10), la.wait_locked())
        .await
        .expect("locked again in time")
        .expect("locked again");
    let la2 = la;

    // A waiter is told `locked` when the holder lets go.
    let mut wb = b.lock("leader").await.expect("b waits");
    assert!(!wb.is_locked());
    la2.unlock().await.expect("a unlocks");
    tokio::time::timeout(Duration::from_secs(10), wb.wait_locked())
        .await
        .expect("locked in time")
        .expect("locked");
}

/// With `set_db_change_aware`, removing the database cancels monitors (`monitor_canceled`)
/// instead of dropping the connection.
async fn db_change_aware_monitors_are_canceled_not_dropped(via: Via) {
    let server = nb_server();
    let h = open_via(&server, via).await;
    h.set_db_change_aware(true)
        .await
        .expect("set_db_change_aware");
    let mut reqs = MonitorRequests::new();
    reqs.insert("Logical_Switch".into(), vec![MonitorRequest::all()]);
    let (_, mut mon) = h.monitor_cond(NB, &reqs).await.expect("monitor");
    server.appctl(&["ovsdb-server/remove-db", NB]);
    let ev = tokio::time::timeout(Duration::from_secs(10), mon.next())
        .await
        .expect("event in time")
        .expect("an event")
        .expect("decodes");
    assert_eq!(ev, MonitorEvent::Canceled);
    assert!(mon.next().await.is_none(), "no events after a cancel");
    // The connection survives, and the database is gone.
    let dbs = h.list_dbs().await.expect("still connected");
    assert!(!dbs.contains(&NB.to_owned()), "{dbs:?}");

    let e = h
        .call_raw("frobnicate", &[(); 0])
        .await
        .expect_err("unknown method");
    assert!(
        matches!(&e, Error::Rpc { error, .. } if error == "unknown method"),
        "{e}"
    );
    assert!(h.list_dbs().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_remotes_work() {
    let port = std::net::TcpListener::bind("[::1]:0")
        .expect("IPv6 loopback")
        .local_addr()
        .expect("address")
        .port();
    let server = OvsdbServer::builder(testkit::nb_schema())
        .arg(format!("--remote=ptcp:{port}:[::1]"))
        .start();
    let remote = format!("tcp:[::1]:{port}");
    // The extra remote is not part of the builder's readiness check: retry briefly.
    let mut last = None;
    for _ in 0..50 {
        match connect(&remote, &ConnectOptions::default()).await {
            Ok((conn, h)) => {
                tokio::spawn(conn);
                assert!(
                    h.list_dbs()
                        .await
                        .expect("list_dbs")
                        .contains(&NB.to_owned())
                );
                return;
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(server);
    panic!("could not connect to {remote}: {last:?}");
}

/// On TCP the server sends `echo` after 5 s of silence and drops a client that does not answer
/// within another 5 s. With our own probe off, only answering the server keeps us connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_monitor_survives_15_s_idle() {
    let server = OvsdbServer::nb();
    let options = ConnectOptions {
        probe_interval: None,
        ..ConnectOptions::default()
    };
    let h = open_with(&server.tcp_remote(), &options).await;
    let mut reqs = MonitorRequests::new();
    reqs.insert(
        "Logical_Switch".into(),
        vec![MonitorRequest::columns(["name"])],
    );
    let (_, mut mon) = h.monitor_cond(NB, &reqs).await.expect("monitor");
    tokio::time::sleep(Duration::from_secs(15)).await;
    assert!(!h.is_closed(), "the connection survived the idle period");
    server.nbctl(&["ls-add", "late"]);
    let u = next_updates(&mut mon).await;
    assert!(
        matches!(&u.table("Logical_Switch")[0].1, RowUpdate2::Insert(r) if r.get_str("name") == Some("late"))
    );
}

/// A frozen server (SIGSTOP) is detected by our inactivity probe; requests in flight fail
/// instead of hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_detects_a_frozen_server() {
    let server = OvsdbServer::nb();
    let options = ConnectOptions {
        probe_interval: Some(Duration::from_millis(500)),
        ..ConnectOptions::default()
    };
    let (conn, h) = connect(&server.unix_remote(), &options)
        .await
        .expect("connect");
    let driver = tokio::spawn(conn);
    h.list_dbs().await.expect("alive");
    server.sigstop();
    let pending = h.transact({
        let mut t = Transaction::new(NB);
        t.comment("in flight while frozen");
        t
    });
    // Too large to be written to a socket nobody reads: never sent in full.
    let unsent = h.transact({
        let mut t = Transaction::new(NB);
        t.comment("x".repeat(16 << 20));
        t
    });
    let outcome = tokio::time::timeout(Duration::from_secs(20), driver)
        .await
        .expect("the driver gives up")
        .expect("no panic");
    server.sigcont();
    let e = outcome.expect_err("timed out");
    assert!(matches!(e, Error::Timeout(_)), "{e}");
    let e = pending.await.expect_err("in doubt");
    assert!(matches!(e, Error::Closed(_)), "{e}");
    let e = unsent.await.expect_err("not sent");
    assert!(matches!(e, Error::NotSent(_)), "{e}");
    assert!(h.is_closed());
    // Requests made after the end are not sent either.
    assert!(matches!(h.list_dbs().await, Err(Error::NotSent(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restart_fails_requests_instead_of_hanging() {
    let mut server = OvsdbServer::nb();
    let (conn, h) = connect(&server.unix_remote(), &ConnectOptions::default())
        .await
        .expect("connect");
    let driver = tokio::spawn(conn);
    let mut reqs = MonitorRequests::new();
    reqs.insert("Logical_Switch".into(), vec![MonitorRequest::all()]);
    let (_, mut mon) = h.monitor_cond(NB, &reqs).await.expect("monitor");
    server.kill();
    let r = tokio::time::timeout(Duration::from_secs(10), driver)
        .await
        .expect("ends")
        .expect("no panic");
    assert!(
        matches!(r, Err(Error::Closed(_)) | Err(Error::Io(_))),
        "{r:?}"
    );
    assert!(
        tokio::time::timeout(Duration::from_secs(5), mon.next())
            .await
            .expect("ends")
            .is_none()
    );
    assert!(matches!(h.list_dbs().await, Err(Error::NotSent(_))));
    server.restart();
    let h2 = open(&server.unix_remote()).await;
    assert!(h2.list_dbs().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vswitch_and_test_schemas_work_too() {
    let vs = OvsdbServer::vswitch();
    let h = open(&vs.unix_remote()).await;
    let schema = h.get_schema("Open_vSwitch").await.expect("schema");
    assert!(schema.tables.contains_key("Bridge"));
    let mut txn = Transaction::new("Open_vSwitch");
    let br = txn.insert(
        "Bridge",
        Row::new()
            .with("name", "br0")
            .with("datapath_type", "netdev"),
    );
    txn.insert("Open_vSwitch", Row::new().with("bridges", Datum::set([br])));
    h.transact(txn).await.expect("insert bridge");
    assert!(vs.vsctl(&["list-br"]).contains("br0"));

    let t = OvsdbServer::test();
    let h = open(&t.unix_remote()).await;
    let schema = h.get_schema(&t.db_name()).await.expect("test schema");
    let table = schema.table("Parent").expect("Parent");
    let mut row = Row::new().with("name", "p").with("r", 2i64);
    table.check_row(&mut row).expect("coerces");
    assert_eq!(row.get("r"), Some(&Datum::scalar(2.0)));
    let mut bad = Row::new().with("color", "purple");
    let e = table.check_row(&mut bad).expect_err("enum");
    assert!(e.to_string().contains("Parent.color"), "{e}");
}

/// Rows kept current from update2 alone (initial/insert/modify diffs/delete) equal what a
/// fresh select returns, across optional, set, map and scalar column changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update2_diffs_replay_to_the_servers_rows() {
    use std::collections::BTreeMap;
    let server = OvsdbServer::nb();
    let h = open(&server.unix_remote()).await;
    let schema = h.get_schema(NB).await.expect("schema");
    let ts = schema.table("Logical_Switch_Port").expect("table").clone();
    server.nbctl(&[
        "ls-add", "sw", "--", "lsp-add", "sw", "a", "--", "lsp-add", "sw", "b",
    ]);

    let mut reqs = MonitorRequests::new();
    reqs.insert("Logical_Switch_Port".into(), vec![MonitorRequest::all()]);
    let (initial, mut mon) = h.monitor_cond(NB, &reqs).await.expect("monitor");
    let mut rows: BTreeMap<ovsdb_client::Uuid, Row> = BTreeMap::new();
    let mut apply = |u: &ovsdb_client::monitor::TableUpdates2| {
        for (uuid, ru) in u.table("Logical_Switch_Port") {
            match ru {
                RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => {
                    // The server leaves out columns that hold their default value.
                    let mut r = r.clone();
                    ts.fill_defaults(&mut r, None);
                    rows.insert(*uuid, r);
                }
                RowUpdate2::Modify(diff) => {
                    ts.apply_diff(rows.get_mut(uuid).expect("known row"), diff)
                }
                RowUpdate2::Delete => {
                    rows.remove(uuid);
                }
            }
        }
    };
    apply(&initial);

    let edits: &[&[&str]] = &[
        &[
            "lsp-set-addresses",
            "a",
            "00:00:00:00:00:01 10.0.0.1",
            "00:00:00:00:00:02 10.0.0.2",
        ],
        &[
            "lsp-set-addresses",
            "a",
            "00:00:00:00:00:02 10.0.0.2",
            "00:00:00:00:00:03",
        ],
        &["set", "Logical_Switch_Port", "a", "tag_request=7"],
        &["set", "Logical_Switch_Port", "a", "tag_request=9"],
        &["clear", "Logical_Switch_Port", "a", "tag_request"],
        &[
            "set",
            "Logical_Switch_Port",
            "a",
            "parent_name=p1",
            "external_ids:k=v",
            "external_ids:x=y",
        ],
        &[
            "set",
            "Logical_Switch_Port",
            "a",
            "parent_name=p2",
            "external_ids:k=w",
        ],
        &["remove", "Logical_Switch_Port", "a", "external_ids", "x"],
        &[
            "set",
            "Logical_Switch_Port",
            "b",
            "type=router",
            "options:router-port=lrp",
            "enabled=false",
        ],
        &[
            "set",
            "Logical_Switch_Port",
            "b",
            "enabled=true",
            "port_security=\"00:00:00:00:00:09\"",
        ],
        &["lsp-add", "sw", "c"],
        &["lsp-del", "b"],
    ];
    for edit in edits {
        server.nbctl(edit);
        let ev = tokio::time::timeout(Duration::from_secs(10), mon.next())
            .await
            .expect("update in time")
            .expect("running")
            .expect("decodes");
        let MonitorEvent::Update2(u) = ev else {
            panic!("{ev:?}")
        };
        apply(&u);
    }

    let mut txn = Transaction::new(NB);
    txn.select("Logical_Switch_Port", [], None);
    let selected = h.transact(txn).await.expect("select");
    let mut fresh: BTreeMap<ovsdb_client::Uuid, Row> = BTreeMap::new();
    for mut r in selected[0].rows.clone().expect("rows") {
        let uuid = r.uuid().expect("_uuid");
        r.remove("_uuid");
        r.remove("_version");
        ts.check_row(&mut r).expect("valid");
        fresh.insert(uuid, r);
    }
    for r in rows.values_mut() {
        // Monitoring every column includes `_version`, which changes with each modify.
        r.remove("_version");
        ts.check_row(r).expect("valid");
    }
    assert_eq!(rows, fresh);
}

/// A `Lock` dropped without `unlock` is released on the server: the next waiter gets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_lock_releases_it() {
    let server = OvsdbServer::nb();
    let a = open(&server.unix_remote()).await;
    let b = open(&server.unix_remote()).await;
    let la = a.lock("l").await.expect("lock a");
    assert!(la.is_locked());
    let mut lb = b.lock("l").await.expect("lock b");
    assert!(!lb.is_locked());
    drop(la);
    tokio::time::timeout(Duration::from_secs(10), lb.wait_locked())
        .await
        .expect("granted in time")
        .expect("granted");
}
