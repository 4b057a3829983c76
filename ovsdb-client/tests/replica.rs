//! The replica against real servers: sync, read-your-writes, restarts, leader failover,
//! in-doubt transactions and optimistic concurrency.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ovsdb_client::replica::{
    Change, Replica, ReplicaBuilder, Snapshot, Status, Subscription, wait_unchanged,
};
use ovsdb_client::transact::{Condition, Mutation, Transaction};
use ovsdb_client::{ConnectOptions, Datum, Error, Row, Uuid};
use testkit::{Cluster, OvsdbServer};

const NB: &str = "OVN_Northbound";
const LS: &str = "Logical_Switch";
const LSP: &str = "Logical_Switch_Port";

fn start(builder: ReplicaBuilder) -> Replica {
    let (driver, replica) = builder
        .backoff(Duration::from_millis(50), Duration::from_millis(500))
        .start()
        .expect("start");
    tokio::spawn(driver);
    replica
}

async fn synced(replica: &Replica) -> Snapshot {
    tokio::time::timeout(Duration::from_secs(30), replica.wait_synced())
        .await
        .expect("synced in time")
        .expect("synced")
}

/// Waits until `pred` holds for a snapshot of the replica.
async fn eventually(replica: &Replica, what: &str, pred: impl Fn(&Snapshot) -> bool) -> Snapshot {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let snap = replica.snapshot();
        if pred(&snap) {
            return snap;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not reached; replica status {:?}",
            replica.status()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn names(snap: &Snapshot, table: &str) -> Vec<String> {
    let mut v: Vec<String> = snap
        .rows(table)
        .expect("table")
        .filter_map(|(_, r)| r.get_str("name").map(str::to_owned))
        .collect();
    v.sort();
    v
}

fn add_port(switch: &str, port: &str) -> Transaction {
    let mut txn = Transaction::new(NB);
    let p = txn.insert(LSP, Row::new().with("name", port));
    txn.mutate(
        LS,
        [Condition::eq("name", switch)],
        [Mutation::insert("ports", p)],
    );
    txn
}

/// State as a map, for replaying change streams.
type Copy = HashMap<(String, Uuid), Arc<Row>>;

fn copy_of(snap: &Snapshot) -> Copy {
    let mut out = Copy::new();
    for t in snap.tables() {
        for (u, r) in snap.rows(t).expect("table") {
            out.insert((t.to_owned(), u), r.clone());
        }
    }
    out
}

fn replay(copy: &mut Copy, batch: Vec<Change>) {
    for c in batch {
        let key = (c.table.to_string(), c.uuid);
        match c.new {
            Some(n) => {
                copy.insert(key, n);
            }
            None => {
                copy.remove(&key);
            }
        }
    }
}

async fn drain(sub: &mut Subscription, copy: &mut Copy) {
    replay(copy, sub.try_batch());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncs_follows_and_reads_its_own_writes() {
    let server = OvsdbServer::nb();
    server.nbctl(&["ls-add", "sw0", "--", "lsp-add", "sw0", "p0"]);
    let replica = start(
        ReplicaBuilder::new(server.unix_remote(), NB)
            .table(LS)
            .table(LSP),
    );
    let snap = synced(&replica).await;
    assert_eq!(names(&snap, LSP), ["p0"]);
    assert!(matches!(
        replica.status(),
        Status::Synced { resumed: false, .. }
    ));

    // What ovn-nbctl writes arrives.
    let (start_snap, mut sub) = replica.subscribe(Some(&[LSP])).await.expect("subscribe");
    let mut copy = copy_of(&start_snap);
    copy.retain(|(t, _), _| t == LSP);
    server.nbctl(&["lsp-add", "sw0", "p1"]);
    eventually(&replica, "p1 appears", |s| names(s, LSP).len() == 2).await;

    // Read your writes: the snapshot right after transact returns has the port.
    for i in 0..20 {
        let port = format!("q{i}");
        replica
            .transact(add_port("sw0", &port))
            .await
            .expect("transact");
        assert!(
            names(&replica.snapshot(), LSP).contains(&port),
            "{port} visible at once"
        );
    }
    drain(&mut sub, &mut copy).await;
    let want: Copy = copy_of(&replica.snapshot())
        .into_iter()
        .filter(|((t, _), _)| t == LSP)
        .collect();
    assert_eq!(
        copy, want,
        "the change stream replays to the replica's state"
    );

    // A failing transaction is an ordinary error, not in doubt.
    let mut bad = Transaction::new(NB);
    bad.abort();
    assert!(matches!(
        replica.transact(bad).await,
        Err(Error::Transaction(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converges_across_a_server_restart_with_a_live_writer() {
    let mut server = OvsdbServer::nb();
    server.nbctl(&["ls-add", "sw0"]);
    let replica = start(
        ReplicaBuilder::new(server.unix_remote(), NB)
            .table(LS)
            .table(LSP),
    );
    synced(&replica).await;
    let (snap, mut sub) = replica.subscribe(None).await.expect("subscribe");
    let mut copy = copy_of(&snap);

    // A writer that keeps adding ports through its own connection, across the restart.
    let remote = server.unix_remote();
    let writer = tokio::spawn(async move {
        let mut ok = 0usize;
        let mut i = 0usize;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(4);
        while tokio::time::Instant::now() < deadline {
            if let Ok((conn, h)) = ovsdb_client::connect(&remote, &ConnectOptions::default()).await
            {
                tokio::spawn(conn);
                while tokio::time::Instant::now() < deadline {
                    i += 1;
                    match h.transact(add_port("sw0", &format!("w{i}"))).await {
                        Ok(_) => ok += 1,
                        Err(_) => break,
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ok
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill();
    // Changes made while the replica is disconnected: a port removed, others added.
    server.restart();
    server.nbctl(&["lsp-add", "sw0", "during"]);
    let committed = writer.await.expect("writer");
    assert!(committed > 0);

    // The replica converges to the server's contents...
    let want = server.nbctl(&["--bare", "--columns=name", "list", LSP]);
    let mut want: Vec<String> = want.split_whitespace().map(str::to_owned).collect();
    want.sort();
    let snap = eventually(&replica, "converged", |s| names(s, LSP) == want).await;
    // ...and its change stream, replayed onto the state before the restart, gives the new one.
    drain(&mut sub, &mut copy).await;
    assert_eq!(copy, copy_of(&snap));
}

/// Every row of `table` as a select returns it, without `_version` and with defaults filled.
async fn selected(remote: &str, table: &str) -> HashMap<Uuid, Row> {
    let (conn, h) = ovsdb_client::connect(remote, &ConnectOptions::default())
        .await
        .expect("connect");
    tokio::spawn(conn);
    let mut txn = Transaction::new(NB);
    txn.select(table, [], None);
    let res = h.transact(txn).await.expect("select");
    res[0]
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
        .collect()
}

/// The replica's rows of `table`, with the defaults it leaves out, without `_version`.
fn filled(
    snap: &Snapshot,
    schema: &ovsdb_client::schema::DatabaseSchema,
    table: &str,
) -> HashMap<Uuid, Row> {
    snap.rows(table)
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
        .collect()
}

/// Replies over a megabyte are decoded on a second thread while the store takes the rows in:
/// a cold sync and a resync after a restart (rows changed, removed and added meanwhile) both
/// end equal to the server, and the change stream replays to the new state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_replies_sync_and_resync() {
    const PORTS: usize = 6000;
    let mut server = OvsdbServer::nb();
    server.nbctl(&["ls-add", "sw0"]);
    let remote = server.unix_remote();
    let (conn, h) = ovsdb_client::connect(&remote, &ConnectOptions::default())
        .await
        .expect("connect");
    tokio::spawn(conn);
    let schema = h.get_schema(NB).await.expect("schema");
    let mut txn = Transaction::new(NB);
    let mut ports = Vec::new();
    for i in 0..PORTS {
        let ip = format!("10.0.{}.{}", i / 250, i % 250 + 2);
        let mac = format!("00:00:00:00:{:02x}:{:02x}", i / 256, i % 256);
        ports.push(
            txn.insert(
                LSP,
                Row::new()
                    .with("name", format!("pod-{i}.namespace-{}", i % 7))
                    .with("addresses", format!("{mac} {ip}"))
                    .with("port_security", format!("{mac} {ip}"))
                    .with(
                        "external_ids",
                        Datum::map([
                            ("ip", ip.as_str()),
                            ("ls", "sw0"),
                            ("pod", &format!("namespace/pod-{i}")),
                            ("vendor", "kube-ovn"),
                        ]),
                    ),
            ),
        );
    }
    txn.mutate(
        LS,
        [Condition::eq("name", "sw0")],
        [Mutation::insert("ports", Datum::set(ports))],
    );
    h.transact(txn).await.expect("insert ports");

    let replica = start(ReplicaBuilder::new(remote.clone(), NB).table(LS).table(LSP));
    let snap = synced(&replica).await;
    assert_eq!(snap.len(LSP).expect("table"), PORTS);
    assert_eq!(filled(&snap, &schema, LSP), selected(&remote, LSP).await);
    assert_eq!(filled(&snap, &schema, LS), selected(&remote, LS).await);
    let (snap, mut sub) = replica.subscribe(None).await.expect("subscribe");
    let mut copy = copy_of(&snap);

    // Changes while the replica is away: one port renamed, one removed, one added.
    server.kill();
    server.restart();
    server.nbctl(&["set", LSP, "pod-1.namespace-1", "name=renamed"]);
    server.nbctl(&["lsp-del", "pod-2.namespace-2"]);
    server.nbctl(&["lsp-add", "sw0", "new"]);
    let snap = eventually(&replica, "resynced", |s| {
        let n = names(s, LSP);
        n.contains(&"renamed".to_owned()) && n.contains(&"new".to_owned()) && n.len() == PORTS
    })
    .await;
    assert_eq!(filled(&snap, &schema, LSP), selected(&remote, LSP).await);
    drain(&mut sub, &mut copy).await;
    assert_eq!(copy, copy_of(&snap));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_server_makes_a_transaction_in_doubt() {
    let server = OvsdbServer::nb();
    server.nbctl(&["ls-add", "sw0"]);
    let options = ConnectOptions {
        probe_interval: Some(Duration::from_millis(300)),
        ..ConnectOptions::default()
    };
    let replica = start(
        ReplicaBuilder::new(server.unix_remote(), NB)
            .table(LS)
            .connect_options(options),
    );
    synced(&replica).await;
    server.sigstop();
    let r = tokio::time::timeout(
        Duration::from_secs(20),
        replica.transact(add_port("sw0", "x")),
    )
    .await
    .expect("an answer in time");
    server.sigcont();
    assert!(matches!(r, Err(Error::InDoubt(_))), "{r:?}");
    // It recovers.
    synced(&replica).await;
    eventually(&replica, "synced again", |_| {
        matches!(replica.status(), Status::Synced { .. })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimistic_transactions_retry_on_conflict() {
    let server = OvsdbServer::nb();
    server.nbctl(&["ls-add", "sw0"]);
    let replica = start(ReplicaBuilder::new(server.unix_remote(), NB).table(LS));
    synced(&replica).await;
    let mut attempts = 0;
    let results = replica
        .transact_with(5, |snap| {
            attempts += 1;
            let (uuid, row) = snap
                .rows(LS)
                .expect("table")
                .find(|(_, r)| r.get_str("name") == Some("sw0"))
                .map(|(u, r)| (u, r.clone()))
                .expect("sw0");
            if attempts == 1 {
                // Someone else changes the row after we read it.
                server.nbctl(&["set", LS, "sw0", "external_ids:other=1"]);
            }
            let n = row
                .get("external_ids")
                .and_then(|d| d.get(&"n".into()))
                .and_then(|a| a.as_str())
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            let mut txn = Transaction::new(NB);
            assert!(
                wait_unchanged(&mut txn, LS, uuid, &row),
                "_version is replicated"
            );
            txn.mutate(
                LS,
                [Condition::eq("_uuid", uuid)],
                [Mutation::insert(
                    "external_ids",
                    Datum::map([("n", (n + 1).to_string())]),
                )],
            );
            Ok(txn)
        })
        .await
        .expect("succeeds on retry");
    assert_eq!(attempts, 2, "the first attempt conflicted");
    assert_eq!(results.len(), 2);
    let ext = server.nbctl(&["get", LS, "sw0", "external_ids"]);
    assert!(
        ext.contains("n=\"1\"") && ext.contains("other=\"1\""),
        "{ext}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_the_leader_of_a_cluster() {
    let mut cluster = Cluster::start(testkit::nb_schema(), 3);
    let leader = cluster.wait_for_leader();
    cluster.nbctl(&["ls-add", "sw0"]);
    let replica = start(
        ReplicaBuilder::new(cluster.remotes(), NB)
            .table(LS)
            .table(LSP),
    );
    let snap = synced(&replica).await;
    assert_eq!(names(&snap, LS), ["sw0"]);
    let Status::Synced { remote, .. } = replica.status() else {
        panic!("{:?}", replica.status())
    };
    assert_eq!(remote, cluster.member_tcp_remote(leader), "leader only");

    for round in 0..2 {
        let leader = cluster.wait_for_leader();
        cluster.kill(leader);
        assert_ne!(cluster.wait_for_leader(), leader);
        let port = format!("after-kill-{round}");
        cluster.nbctl(&["lsp-add", "sw0", &port]);
        eventually(&replica, "the write after the failover", |s| {
            names(s, LSP).contains(&port)
        })
        .await;
        // The replica is on the leader (leadership may move again meanwhile: compare with
        // the leader of the moment).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let on_leader = match (replica.status(), cluster.leader()) {
                (Status::Synced { remote, .. }, Some(l)) => remote == cluster.member_tcp_remote(l),
                _ => false,
            };
            if on_leader {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "replica not on the leader: {:?}, leader {:?}",
                replica.status(),
                cluster.leader()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Writes through the replica go to the new leader.
        replica
            .transact(add_port("sw0", &format!("via-replica-{round}")))
            .await
            .expect("transact after failover");
        cluster.restart(leader);
    }
    let snap = replica.snapshot();
    assert_eq!(
        names(&snap, LSP),
        [
            "after-kill-0",
            "after-kill-1",
            "via-replica-0",
            "via-replica-1"
        ]
    );
}

/// Rows of one table as the C `ovsdb-client -f json dump` prints them.
fn c_dump(cluster: &Cluster, member: usize, table: &str) -> HashMap<Uuid, Row> {
    let text = cluster.ovsdb_client(&[
        "-f",
        "json",
        "dump",
        &cluster.member_unix_remote(member),
        NB,
        table,
    ]);
    let v: serde_json::Value = serde_json::from_str(&text).expect("dump JSON");
    let headings: Vec<String> = serde_json::from_value(v["headings"].clone()).expect("headings");
    let mut out = HashMap::new();
    for cells in v["data"].as_array().expect("data") {
        let mut row = Row::new();
        for (h, cell) in headings.iter().zip(cells.as_array().expect("cells")) {
            let d: Datum = serde_json::from_value(cell.clone()).expect("datum");
            row.insert(h, d);
        }
        let uuid = row.uuid().expect("_uuid");
        row.remove("_uuid");
        out.insert(uuid, row);
    }
    out
}

/// A writer commits 2,000 transactions through the replica while the cluster leader is killed
/// twice and restarted. Every acknowledged transaction is in the database exactly once, every
/// in-doubt one is resolved (and retried once if it did not apply: its explicit row UUID makes
/// the retry safe), and an independent replica equals the C ovsdb-client's dump.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_transactions_through_two_leader_kills() {
    const TOTAL: usize = 2000;
    let cluster = Cluster::start(testkit::nb_schema(), 3);
    cluster.wait_for_leader();
    cluster.nbctl(&["ls-add", "sw0"]);
    let replica = start(
        ReplicaBuilder::new(cluster.remotes(), NB)
            .table(LS)
            .table(LSP),
    );
    synced(&replica).await;

    let port_uuid = |i: usize| Uuid(0x5eed_0000_0000_0000_0000_0000_0000_0000 | i as u128);
    let txn_for = |i: usize| {
        let mut txn = Transaction::new(NB);
        let p = txn.insert_with_uuid(LSP, port_uuid(i), Row::new().with("name", format!("p{i}")));
        txn.mutate(
            LS,
            [Condition::eq("name", "sw0")],
            [Mutation::insert("ports", p)],
        );
        txn
    };
    // 16 transactions in flight, and the kills made from another thread while they are, so
    // that some are caught unanswered.
    use futures::StreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let cluster = Arc::new(std::sync::Mutex::new(cluster));
    let done = Arc::new(AtomicUsize::new(0));
    let killer = {
        let cluster = cluster.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let wait_for = |n: usize| {
                while done.load(Ordering::SeqCst) < n {
                    std::thread::sleep(Duration::from_millis(1));
                }
            };
            for (kill_at, restart_at) in [(600, 900), (1300, 1600)] {
                wait_for(kill_at);
                let mut c = cluster.lock().expect("cluster");
                let leader = c.wait_for_leader();
                c.kill(leader);
                drop(c);
                wait_for(restart_at);
                cluster.lock().expect("cluster").restart(leader);
            }
        })
    };
    let mut acknowledged = Vec::new();
    let mut in_doubt = Vec::new();
    // Requests that were never written out (the connection died first): not applied, safe
    // to send again.
    let mut not_sent = Vec::new();
    let mut flying = futures::stream::FuturesUnordered::new();
    let mut next = 0usize;
    while next < TOTAL || !flying.is_empty() {
        while next < TOTAL && flying.len() < 16 {
            let r = replica.clone();
            let txn = txn_for(next);
            let i = next;
            flying.push(async move { (i, r.transact(txn).await) });
            next += 1;
        }
        if let Some((i, outcome)) = flying.next().await {
            match outcome {
                Ok(_) => acknowledged.push(i),
                Err(Error::InDoubt(_)) => in_doubt.push(i),
                Err(Error::NotSent(_)) => not_sent.push(i),
                Err(e) => panic!("transaction {i}: {e}"),
            }
            done.fetch_add(1, Ordering::SeqCst);
        }
    }
    killer.join().expect("killer thread");
    let Ok(cluster) = Arc::try_unwrap(cluster) else {
        panic!("the killer thread still holds the cluster")
    };
    let cluster = cluster.into_inner().expect("cluster");
    assert!(acknowledged.len() >= TOTAL - in_doubt.len() - not_sent.len());

    // Resolve the in-doubt ones from the replica, after it has caught up with the leader.
    let (applied, missing): (Vec<usize>, Vec<usize>) = {
        let snap = synced(&replica).await;
        in_doubt
            .iter()
            .partition(|&&i| snap.get(LSP, port_uuid(i)).expect("table").is_some())
    };
    eprintln!(
        "{} acknowledged, {} in doubt: {} had applied, {} had not",
        acknowledged.len(),
        in_doubt.len(),
        applied.len(),
        missing.len()
    );
    if !not_sent.is_empty() {
        let snap = synced(&replica).await;
        for &i in &not_sent {
            assert!(
                snap.get(LSP, port_uuid(i)).expect("table").is_none(),
                "transaction {i} was reported not sent, yet it applied"
            );
        }
    }
    for &i in missing.iter().chain(&not_sent) {
        match replica.transact(txn_for(i)).await {
            Ok(_) => {}
            Err(e) => panic!("retrying in-doubt transaction {i}: {e}"),
        }
    }

    // Every transaction is there exactly once: one port per name, one port per uuid.
    let leader = cluster.wait_for_leader();
    let dump = c_dump(&cluster, leader, LSP);
    assert_eq!(
        dump.len(),
        TOTAL,
        "{} in doubt, {} applied",
        in_doubt.len(),
        applied.len()
    );
    for i in 0..TOTAL {
        let row = dump
            .get(&port_uuid(i))
            .unwrap_or_else(|| panic!("port {i} missing"));
        assert_eq!(row.get_str("name"), Some(format!("p{i}").as_str()));
    }
    let switches = c_dump(&cluster, leader, LS);
    let sw = switches.values().next().expect("sw0");
    assert_eq!(sw.get("ports").map(Datum::len), Some(TOTAL));

    // An independent replica, with the default values it leaves out, equals the C client's
    // dump.
    let schema = ovsdb_client::schema::DatabaseSchema::from_json(
        &std::fs::read_to_string(testkit::nb_schema()).expect("schema file"),
    )
    .expect("schema");
    let fresh = start(
        ReplicaBuilder::new(cluster.remotes(), NB)
            .table(LS)
            .table(LSP),
    );
    let snap = synced(&fresh).await;
    for (table, dumped) in [(LSP, &dump), (LS, &switches)] {
        let ours: HashMap<Uuid, Row> = snap
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
        assert_eq!(&ours, dumped, "{table}");
    }
}

/// A follower cut off from its cluster is never used: with the other members frozen it stops
/// qualifying (`connected` goes false), the replica leaves it, does not come back while it is
/// cut off, and transactions wait instead of going to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_follower_is_never_used() {
    let cluster = Cluster::start(testkit::nb_schema(), 3);
    let leader = cluster.wait_for_leader();
    cluster.nbctl(&["ls-add", "sw0"]);
    let follower = (leader + 1) % 3;
    let others: Vec<usize> = (0..3).filter(|&m| m != follower).collect();
    // Followers allowed, but only this one to choose from.
    let replica = start(
        ReplicaBuilder::new(cluster.member_tcp_remote(follower), NB)
            .table(LS)
            .leader_only(false),
    );
    let snap = synced(&replica).await;
    assert_eq!(names(&snap, LS), ["sw0"]);

    for m in &others {
        cluster.sigstop(*m);
    }
    // The follower notices it is alone; the replica leaves it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while matches!(replica.status(), Status::Synced { .. }) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still using a cut-off follower"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // While cut off, it is never synced again, and a transaction does not go through it.
    let txn = replica.transact(add_port("sw0", "never"));
    let outcome = tokio::time::timeout(Duration::from_secs(3), txn).await;
    assert!(
        outcome.is_err(),
        "a transaction completed through a cut-off follower: {outcome:?}"
    );
    assert!(
        !matches!(replica.status(), Status::Synced { .. }),
        "{:?}",
        replica.status()
    );

    for m in &others {
        cluster.sigcont(*m);
    }
    synced(&replica).await;
    replica
        .transact(add_port("sw0", "after"))
        .await
        .expect("works again once the cluster is whole");
}

/// A replica asked for a table the database does not have stops with the reason instead of
/// retrying forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_table_stops_the_replica() {
    let server = OvsdbServer::nb();
    let replica = start(ReplicaBuilder::new(server.unix_remote(), NB).table("No_Such_Table"));
    let e = tokio::time::timeout(Duration::from_secs(30), replica.wait_synced())
        .await
        .expect("an answer in time")
        .expect_err("cannot sync");
    assert!(e.to_string().contains("No_Such_Table"), "{e}");
    assert!(matches!(replica.status(), Status::Stopped { .. }));
}
