//! The replica's connection life: connect, check the server, monitor, resume, reconnect.
//!
//! [`ReplicaBuilder::start`] returns a [`ReplicaDriver`] (a future to spawn) and a cloneable
//! [`Replica`] handle. The driver loops:
//!
//! 1. It connects to the next remote of the list (rotating through it, with exponential backoff
//!    between failed attempts).
//! 2. It reads the `_Server` database's `Database` row for the database. A clustered database
//!    is used only if the server is connected to the cluster, is the leader when
//!    [`ReplicaBuilder::leader_only`] is set (the default), and its log `index` is not behind
//!    one already seen (a stale follower is never trusted). It keeps watching that row and
//!    leaves the server when it stops qualifying.
//! 3. It asks for `set_db_change_aware`, then monitors the tables with `monitor_cond_since`,
//!    passing the id of the last transaction it has. If the server still has that transaction
//!    in its history it sends only what came after, which the store applies as ordinary
//!    changes; otherwise it sends everything, which the store applies by diffing
//!    ([`Store::resync`]): subscribers see the real differences, never a purge. On servers
//!    without `monitor_cond_since` it falls back to `monitor_cond`, then `monitor`.
//! 4. It applies every update until the connection fails, the monitor is canceled or the
//!    server stops qualifying, then goes back to 1.
//!
//! Transactions go through [`Replica::transact`], over the current connection. When it returns
//! successfully, the replica already reflects the transaction (read your writes). If the
//! connection fails before the reply, the transaction is reported as [`Error::InDoubt`] and is
//! never resent: it may or may not have been committed, and the caller decides, for example by
//! looking for rows it inserted with [`crate::transact::Transaction::insert_with_uuid`] once
//! [`Replica::wait_synced`] returns.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use crate::client::{ConnectOptions, Connection, Handle, Monitor, RawReply};
use crate::error::{Error, Result};
use crate::monitor::{
    CondSinceReply, CondSinceSink, MonitorEvent, MonitorRequest, MonitorRequests, RowUpdate2,
    TableUpdates, TableUpdates2, decode_cond_since_with,
};
use crate::remote::{Remote, Transport, parse_remotes};
use crate::replica::store::{Hub, IndexSpec, Snapshot, Store, Subscription, full_row};
use crate::transact::{Condition, OperationResult, Transaction};
use crate::value::{Row, Uuid};

/// What to replicate from one table.
#[derive(Clone, Debug)]
struct TableRequest {
    table: String,
    columns: Option<Vec<String>>,
    conditions: Option<Vec<Condition>>,
}

/// Builds a [`Replica`]. See the [module documentation](self).
#[derive(Debug)]
pub struct ReplicaBuilder {
    remotes: String,
    database: String,
    tables: Vec<TableRequest>,
    indexes: Vec<IndexSpec>,
    leader_only: bool,
    connect: ConnectOptions,
    backoff_min: Duration,
    backoff_max: Duration,
}

impl ReplicaBuilder {
    /// A replica of `database` on `remotes` (a comma-separated list, see [`crate::remote`]).
    pub fn new(remotes: impl Into<String>, database: impl Into<String>) -> ReplicaBuilder {
        ReplicaBuilder {
            remotes: remotes.into(),
            database: database.into(),
            tables: Vec::new(),
            indexes: Vec::new(),
            leader_only: true,
            connect: ConnectOptions::default(),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(8),
        }
    }

    /// Replicates every column of `table`.
    pub fn table(self, table: impl Into<String>) -> ReplicaBuilder {
        self.table_with(table, None::<Vec<String>>, None)
    }

    /// Replicates `columns` of `table` (`None`: all), only the rows matching any of
    /// `conditions` (`None`: all rows; conditions need `monitor_cond`, OVS 2.6 or later).
    pub fn table_with<S: Into<String>>(
        mut self,
        table: impl Into<String>,
        columns: Option<impl IntoIterator<Item = S>>,
        conditions: Option<Vec<Condition>>,
    ) -> ReplicaBuilder {
        self.tables.push(TableRequest {
            table: table.into(),
            columns: columns.map(|c| c.into_iter().map(Into::into).collect()),
            conditions,
        });
        self
    }

    /// Adds an index (the schema's own indexes are always there).
    pub fn index(mut self, index: IndexSpec) -> ReplicaBuilder {
        self.indexes.push(index);
        self
    }

    /// Whether to use only the leader of a clustered database (default `true`). Followers
    /// forward writes to the leader but may lag behind it for reads.
    pub fn leader_only(mut self, leader_only: bool) -> ReplicaBuilder {
        self.leader_only = leader_only;
        self
    }

    /// Connection settings (TLS, probe interval, timeouts).
    pub fn connect_options(mut self, options: ConnectOptions) -> ReplicaBuilder {
        self.connect = options;
        self
    }

    /// The delay after the first failed attempt, doubled after each further failure up to
    /// `max` (defaults: 100 ms and 8 s).
    pub fn backoff(mut self, min: Duration, max: Duration) -> ReplicaBuilder {
        self.backoff_min = min;
        self.backoff_max = max.max(min);
        self
    }

    /// Checks the remotes and returns the driver (spawn it) and the handle.
    pub fn start(self) -> Result<(ReplicaDriver, Replica)> {
        let remotes = parse_remotes(&self.remotes)?;
        if self.tables.is_empty() {
            return Err(Error::schema(
                None,
                None,
                "a replica needs at least one table",
            ));
        }
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (status_tx, status_rx) = watch::channel(Status::Connecting);
        let shared = Arc::new(Shared {
            hub: Mutex::new(None),
            handle: Mutex::new(None),
            cmd_tx,
            status: status_rx,
        });
        let leader_only = self.leader_only;
        let driver = Driver {
            remotes,
            builder: self,
            shared: Arc::downgrade(&shared),
            status: status_tx,
            store: None,
            fitness: Fitness {
                leader_only,
                last_index: None,
                last_cid: None,
            },
            server_row: None,
            dirty: false,
        };
        let fut = Box::pin(driver.run(cmd_rx));
        Ok((ReplicaDriver { fut }, Replica { shared }))
    }
}

/// Where the replica stands.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Looking for a server.
    Connecting,
    /// Connected to `remote`, receiving the contents.
    Syncing {
        /// The server.
        remote: String,
    },
    /// Up to date with `remote`, following its changes.
    Synced {
        /// The server.
        remote: String,
        /// Whether the last (re)sync resumed from the previous transaction id rather than
        /// receiving everything.
        resumed: bool,
    },
    /// The last attempt failed; another follows after a backoff.
    Failed {
        /// Why.
        reason: String,
    },
    /// The driver has stopped: every [`Replica`] handle is gone, or the replica cannot work
    /// with this database (a table or column the schema does not have).
    Stopped {
        /// Why.
        reason: String,
    },
}

struct Shared {
    hub: Mutex<Option<Hub>>,
    handle: Mutex<Option<Handle>>,
    cmd_tx: mpsc::UnboundedSender<Command>,
    status: watch::Receiver<Status>,
}

enum Command {
    /// Apply everything already received, then answer whether the replica is consistent
    /// (`false` after an update failed to apply, until the next resync).
    Drain(oneshot::Sender<bool>),
}

/// The driver of a replica; a future to spawn. It ends when every [`Replica`] is dropped.
pub struct ReplicaDriver {
    fut: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl fmt::Debug for ReplicaDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplicaDriver")
    }
}

impl Future for ReplicaDriver {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.fut.as_mut().poll(cx)
    }
}

/// A cloneable handle to a replica: snapshots, subscriptions, transactions.
#[derive(Clone)]
pub struct Replica {
    shared: Arc<Shared>,
}

impl fmt::Debug for Replica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replica")
            .field("status", &self.status())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Replica {
    /// Where the replica stands now.
    pub fn status(&self) -> Status {
        self.shared.status.borrow().clone()
    }

    /// Waits until the replica has been synchronized (at least once) and is following a
    /// server, and returns a snapshot. Fails only if the driver stopped.
    pub async fn wait_synced(&self) -> Result<Snapshot> {
        let mut rx = self.shared.status.clone();
        loop {
            match &*rx.borrow_and_update() {
                Status::Synced { .. } => return Ok(self.snapshot()),
                Status::Stopped { reason } => {
                    return Err(Error::Closed(Some(format!(
                        "the replica driver stopped: {reason}"
                    ))));
                }
                _ => {}
            }
            if rx.changed().await.is_err() {
                return Err(Error::Closed(Some("the replica driver stopped".into())));
            }
        }
    }

    /// The latest snapshot (empty before the first sync).
    pub fn snapshot(&self) -> Snapshot {
        match &*lock(&self.shared.hub) {
            Some(hub) => hub.snapshot(),
            None => Hub::default().snapshot(),
        }
    }

    /// A snapshot and the changes after it, atomically (see [`Hub::subscribe`]). Before the
    /// first sync, waits for it.
    ///
    /// When the schema changes, the replica starts a new store and ends the subscriptions to
    /// the old one (their [`Subscription::next_batch`] returns `None`): subscribe again.
    pub async fn subscribe(&self, tables: Option<&[&str]>) -> Result<(Snapshot, Subscription)> {
        let mut attempts = 0;
        loop {
            self.wait_synced().await?;
            let hub = lock(&self.shared.hub).clone();
            let result = match hub {
                Some(hub) => hub.subscribe(tables),
                None => Err(Error::Closed(Some("the replica has no store".into()))),
            };
            match result {
                // The store was replaced (or the driver is stopping) in between: the new
                // store's hub is installed before the old store goes.
                Err(Error::Closed(_)) if attempts < 100 => {
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                other => return other,
            }
        }
    }

    /// A connection that is synced and still open; waits through reconnects. A transaction
    /// sent on it can only be in doubt if the connection fails after this returns.
    async fn live_connection(&self) -> Result<Handle> {
        let mut status = self.shared.status.clone();
        loop {
            self.wait_synced().await?;
            // Mark the status seen before looking at the connection, so that a reconnect
            // completing in between still wakes the wait below.
            status.borrow_and_update();
            match self.connection() {
                Some(h) if !h.is_closed() => return Ok(h),
                // The driver has not noticed the failure yet: wait until it does.
                _ => {
                    if status.changed().await.is_err() {
                        return Err(Error::Closed(Some("the replica driver stopped".into())));
                    }
                }
            }
        }
    }

    /// The handle of the current connection, if any.
    pub fn connection(&self) -> Option<Handle> {
        lock(&self.shared.handle).clone()
    }

    /// Runs a transaction on the current connection (waiting for one if there is none). On
    /// success the replica already reflects it. A connection lost before the reply makes it
    /// [`Error::InDoubt`]; it is never resent.
    pub async fn transact(&self, txn: Transaction) -> Result<Vec<OperationResult>> {
        let handle = self.live_connection().await?;
        match handle.transact(txn).await {
            Ok(results) => {
                // The update of this transaction reached the monitor before its reply did;
                // have the driver apply everything received so far. If the replica could
                // not apply it, wait for the resync that follows.
                if !self.drain().await {
                    self.wait_resynced().await?;
                }
                Ok(results)
            }
            Err(Error::Closed(reason)) => Err(Error::InDoubt(format!(
                "the connection closed before the reply ({})",
                reason.unwrap_or_default()
            ))),
            // A canceled transaction (database conversion, or a cancel) may still commit: the
            // server stops tracking it, not necessarily its commit.
            Err(Error::Rpc { error, details, .. }) if error == "canceled" => {
                Err(Error::InDoubt(format!(
                    "the server canceled the transaction ({})",
                    details.unwrap_or_default()
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// Asks the driver to apply everything received; whether the replica is consistent.
    async fn drain(&self) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.shared.cmd_tx.send(Command::Drain(tx)).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// Waits for a sync that starts after this call.
    async fn wait_resynced(&self) -> Result<()> {
        let mut rx = self.shared.status.clone();
        rx.borrow_and_update();
        loop {
            if rx.changed().await.is_err() {
                return Err(Error::Closed(Some("the replica driver stopped".into())));
            }
            match &*rx.borrow_and_update() {
                Status::Synced { .. } => return Ok(()),
                Status::Stopped { reason } => {
                    return Err(Error::Closed(Some(format!(
                        "the replica driver stopped: {reason}"
                    ))));
                }
                _ => {}
            }
        }
    }

    /// Optimistic concurrency: builds a transaction from a snapshot with `build` and runs it;
    /// if it fails because what it read has changed (a `wait` that timed out, see
    /// [`wait_unchanged`]), builds it again from a fresh snapshot, up to `attempts` times.
    pub async fn transact_with<F>(
        &self,
        attempts: usize,
        mut build: F,
    ) -> Result<Vec<OperationResult>>
    where
        F: FnMut(&Snapshot) -> Result<Transaction>,
    {
        let mut last = None;
        for _ in 0..attempts.max(1) {
            let snap = self.wait_synced().await?;
            let txn = build(&snap)?;
            match self.transact(txn).await {
                Err(Error::Transaction(te)) if te.is_retryable() => {
                    // Let the replica catch up with whatever changed, then try again.
                    if !self.drain().await {
                        self.wait_resynced().await?;
                    }
                    last = Some(Error::Transaction(te));
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::Protocol("no attempt made".into())))
    }
}

/// Adds to `txn` a `wait` that fails (and so aborts the transaction) unless row `uuid` of
/// `table` still has the `_version` it has in `row`, which must come from a replica that
/// monitors `_version` (it does when monitoring all columns). Returns `false`, adding nothing,
/// if `row` has no `_version`.
pub fn wait_unchanged(txn: &mut Transaction, table: &str, uuid: Uuid, row: &Row) -> bool {
    let Some(version) = row.get("_version") else {
        return false;
    };
    txn.wait(
        table,
        [Condition::eq("_uuid", uuid)],
        vec!["_version".into()],
        crate::transact::WaitUntil::Eq,
        vec![Row::new().with("_version", version.clone())],
        Some(0),
    );
    true
}

/// Decides from a server's `_Server.Database` row whether the replica may use it, remembering
/// the highest log index seen so that a stale cluster member is never trusted again.
struct Fitness {
    leader_only: bool,
    /// The highest `_Server` log index seen for a clustered database...
    last_index: Option<i64>,
    /// ...in the cluster with this id.
    last_cid: Option<Uuid>,
}

impl Fitness {
    /// Why the server's `Database` row disqualifies it, if it does.
    fn unfit(&mut self, row: &Row) -> Option<String> {
        let flag = |c: &str| {
            row.get(c)
                .and_then(|d| d.as_scalar())
                .and_then(|a| a.as_bool())
        };
        let model = row.get_str("model").unwrap_or("standalone");
        if model == "standalone" {
            return None;
        }
        // update2 leaves out columns holding their default value, so an absent flag is false.
        if flag("connected") != Some(true) {
            return Some(format!(
                "the server is not connected to its {}",
                if model == "relay" {
                    "relay source"
                } else {
                    "cluster"
                }
            ));
        }
        if model != "clustered" {
            // A relay has no leader or log index of its own.
            return None;
        }
        if self.leader_only && flag("leader") != Some(true) {
            return Some("the server is not the cluster leader".into());
        }
        // Log indexes compare only within one cluster: a cluster rebuilt (from a backup, with
        // a new id) starts over.
        let cid = row
            .get("cid")
            .and_then(|d| d.as_scalar())
            .and_then(|a| a.as_uuid());
        if cid.is_some() && cid != self.last_cid {
            self.last_cid = cid;
            self.last_index = None;
        }
        let index = row
            .get("index")
            .and_then(|d| d.as_scalar())
            .and_then(|a| a.as_integer());
        if let (Some(i), Some(seen)) = (index, self.last_index)
            && i < seen
        {
            return Some(format!(
                "the server is stale: its log index {i} is behind {seen}, already seen"
            ));
        }
        if let Some(i) = index {
            self.last_index = Some(self.last_index.map_or(i, |s| s.max(i)));
        }
        None
    }
}

/// Replies at least this large are decoded on a helper thread while the store takes in the
/// rows already decoded (two cores then share a cold sync).
const PIPELINE_BYTES: usize = 1 << 20;

/// Rows per batch handed from the decoding thread to the store.
const PIPELINE_BATCH: usize = 1024;

/// Applies a `monitor_cond_since` reply to `store`: only the changes when the server found
/// `last` in its history (returns `true`), else a resync to the full contents. The store is
/// unchanged on error.
fn apply_cond_since(store: &mut Store, raw: &RawReply, last: Option<Uuid>) -> Result<bool> {
    let what = "monitor_cond_since reply";
    let json = std::str::from_utf8(raw.json()).map_err(|e| Error::decode(what, e))?;
    // Standalone servers keep no history and answer with the all-zero id.
    let txn_id = |u: Uuid| Some(u).filter(|u| *u != Uuid::ZERO);
    if json.len() < PIPELINE_BYTES {
        let reply: CondSinceReply =
            serde_json::from_str(json).map_err(|e| Error::decode(what, e))?;
        let txn = txn_id(reply.last_txn_id);
        return if reply.found && last.is_some() {
            store.apply_update2(reply.updates, txn).map(|_| true)
        } else {
            store.resync(reply.updates, txn).map(|_| false)
        };
    }
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(16);
        let decoder = scope.spawn(move || {
            let mut sink = PipeSink {
                tx,
                resuming: last.is_some(),
                header: None,
                batch: None,
                collected: TableUpdates2::default(),
            };
            decode_cond_since_with(json, &mut sink)?;
            sink.flush().map_err(|e| Error::decode(what, e))?;
            Ok::<_, Error>((sink.header, sink.collected))
        });
        let mut resync = None;
        let mut failed = None;
        for piece in &rx {
            match piece {
                Piece::Begin => resync = Some(store.begin_resync()),
                Piece::Rows(table, rows) => {
                    let Some(r) = resync.as_mut() else { continue };
                    if let Err(e) = r.add_rows(&table, rows.into_iter().map(Ok)) {
                        failed = Some(e);
                        break;
                    }
                }
            }
        }
        // Stops the decoder if the store failed first.
        drop(rx);
        let decoded = decoder
            .join()
            .map_err(|_| Error::Protocol("the decoding thread panicked".into()));
        if let Some(e) = failed {
            return Err(e);
        }
        let (header, collected) = decoded??;
        let (found, last_txn_id) = header.ok_or_else(|| Error::decode(what, "no header"))?;
        match resync {
            Some(r) => {
                r.finish(txn_id(last_txn_id));
                Ok(false)
            }
            None if found => store
                .apply_update2(collected, txn_id(last_txn_id))
                .map(|_| true),
            None => Err(Error::decode(what, "no contents")),
        }
    })
}

/// What the decoding thread hands the store.
enum Piece {
    /// The reply is a full contents: start a resync.
    Begin,
    /// Rows of a table for the resync.
    Rows(String, Vec<(Uuid, Row)>),
}

/// Receives the decoded reply on the decoding thread: rows of a full contents go to the store
/// in batches; the changes of a resumed monitor are collected and applied at the end.
struct PipeSink {
    tx: std::sync::mpsc::SyncSender<Piece>,
    /// The request gave a transaction id, so the server may answer with changes only.
    resuming: bool,
    header: Option<(bool, Uuid)>,
    batch: Option<(String, Vec<(Uuid, Row)>)>,
    collected: TableUpdates2,
}

impl PipeSink {
    fn send(&self, piece: Piece) -> std::result::Result<(), String> {
        self.tx
            .send(piece)
            .map_err(|_| "the store stopped taking rows".to_owned())
    }

    fn flush(&mut self) -> std::result::Result<(), String> {
        match self.batch.take() {
            Some((table, rows)) if !rows.is_empty() => self.send(Piece::Rows(table, rows)),
            _ => Ok(()),
        }
    }
}

impl CondSinceSink for PipeSink {
    fn header(&mut self, found: bool, last_txn_id: Uuid) -> std::result::Result<(), String> {
        self.header = Some((found, last_txn_id));
        if found && self.resuming {
            Ok(())
        } else {
            self.send(Piece::Begin)
        }
    }

    fn row(
        &mut self,
        table: &str,
        uuid: Uuid,
        update: RowUpdate2,
    ) -> std::result::Result<(), String> {
        if self.header.is_some_and(|(found, _)| found && self.resuming) {
            self.collected
                .tables
                .entry(table.to_owned())
                .or_default()
                .push((uuid, update));
            return Ok(());
        }
        let row = full_row(table, uuid, update).map_err(|e| e.to_string())?;
        if self
            .batch
            .as_ref()
            .is_some_and(|(t, rows)| t != table || rows.len() >= PIPELINE_BATCH)
        {
            self.flush()?;
        }
        self.batch
            .get_or_insert_with(|| (table.to_owned(), Vec::with_capacity(PIPELINE_BATCH)))
            .1
            .push((uuid, row));
        Ok(())
    }
}

/// A session must last this long after syncing for the backoff to start over; a server that
/// drops clients right after they sync would otherwise cause a reconnect storm.
const MIN_GOOD_SESSION: Duration = Duration::from_secs(2);

struct Driver {
    remotes: Vec<Remote>,
    builder: ReplicaBuilder,
    shared: std::sync::Weak<Shared>,
    status: watch::Sender<Status>,
    store: Option<Store>,
    /// Which servers qualify.
    fitness: Fitness,
    /// The current server's `_Server.Database` row for the database.
    server_row: Option<Row>,
    /// An update failed to apply; the store is behind until the next successful (re)sync.
    dirty: bool,
}

/// Why a session ended.
enum End {
    /// Every handle is gone.
    Stopped,
    /// The replica cannot work with the database; retrying would not help.
    Fatal(String),
    /// Try again (after a backoff unless `quick`).
    Retry { reason: String, synced: bool },
}

impl Driver {
    async fn run(mut self, mut cmd_rx: mpsc::UnboundedReceiver<Command>) {
        let mut attempt = 0usize;
        let mut delay = self.builder.backoff_min;
        loop {
            if self.shared.strong_count() == 0 {
                break;
            }
            let remote = self.remotes[attempt % self.remotes.len()].clone();
            attempt += 1;
            let _ = self.status.send(Status::Connecting);
            let started = tokio::time::Instant::now();
            match self.session(&remote, &mut cmd_rx).await {
                End::Stopped => break,
                End::Fatal(reason) => {
                    let _ = self.status.send(Status::Stopped { reason });
                    return;
                }
                End::Retry { reason, synced } => {
                    tracing::debug!(%remote, %reason, "replica session ended");
                    if let Some(s) = self.shared.upgrade() {
                        *lock(&s.handle) = None;
                    }
                    let _ = self.status.send(Status::Failed { reason });
                    if synced && started.elapsed() >= MIN_GOOD_SESSION {
                        // A session that worked for a while: start the backoff over, and try
                        // the next remote right away.
                        delay = self.builder.backoff_min;
                        continue;
                    }
                    // Sleep, but still answer drains (nothing to apply meanwhile).
                    let sleep = tokio::time::sleep(delay);
                    tokio::pin!(sleep);
                    loop {
                        tokio::select! {
                            _ = &mut sleep => break,
                            cmd = cmd_rx.recv() => match cmd {
                                // The ended session's updates were all applied (or the
                                // store is marked dirty).
                                Some(Command::Drain(tx)) => { let _ = tx.send(!self.dirty); }
                                None => break,
                            }
                        }
                    }
                    delay = delay.saturating_mul(2).min(self.builder.backoff_max);
                }
            }
        }
        let _ = self.status.send(Status::Stopped {
            reason: "every replica handle was dropped".into(),
        });
    }

    async fn session(
        &mut self,
        remote: &Remote,
        cmd_rx: &mut mpsc::UnboundedReceiver<Command>,
    ) -> End {
        let retry = |reason: String| End::Retry {
            reason,
            synced: false,
        };
        let opts = &self.builder.connect;
        let transport =
            match Transport::connect(remote, opts.tls.as_ref(), opts.connect_timeout).await {
                Ok(t) => t,
                Err(e) => return retry(format!("{remote}: {e}")),
            };
        let (conn, handle) = Connection::new(transport, opts);
        let conn_task = tokio::spawn(conn);
        let _abort = AbortOnDrop(conn_task);
        match self.serve(remote, &handle, cmd_rx).await {
            Ok(end) => end,
            Err(e) => retry(format!("{remote}: {e}")),
        }
    }

    /// One connected session; `Err` means retry.
    async fn serve(
        &mut self,
        remote: &Remote,
        h: &Handle,
        cmd_rx: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Result<End> {
        let db = self.builder.database.clone();
        // 1. Is this server fit to serve the database?
        let mut server_mon = self.check_server(h, &db).await?;

        // 2. The store (first time, or after a schema change).
        let schema = h.get_schema(&db).await?;
        let schema_changed = self.store.as_ref().is_some_and(|s| **s.schema() != schema);
        if self.store.is_none() || schema_changed {
            let tables = self
                .builder
                .tables
                .iter()
                .map(|t| (t.table.clone(), t.columns.clone()));
            let store = match Store::new(Arc::new(schema), tables, self.builder.indexes.clone()) {
                Ok(store) => store,
                Err(e @ Error::Schema { .. }) => return Ok(End::Fatal(e.to_string())),
                Err(e) => return Err(e),
            };
            if let Some(shared) = self.shared.upgrade() {
                *lock(&shared.hub) = Some(store.hub());
            }
            // A new store starts empty; a schema change loses the old rows' change history
            // (subscribers of the old store see their stream end).
            self.store = Some(store);
        }
        let _ = h.set_db_change_aware(true).await;
        let _ = self.status.send(Status::Syncing {
            remote: remote.to_string(),
        });

        // 3. Monitor, resuming where we were if the server can.
        let mut reqs = MonitorRequests::new();
        for t in &self.builder.tables {
            let mut r = match &t.columns {
                Some(c) => MonitorRequest::columns(c.iter().cloned()),
                None => MonitorRequest::all(),
            };
            r.conditions = t.conditions.clone();
            reqs.entry(t.table.clone()).or_default().push(r);
        }
        let store = self
            .store
            .as_mut()
            .ok_or_else(|| Error::Protocol("no store".into()))?;
        let unknown =
            |e: &Error| matches!(e, Error::Rpc { error, .. } if error == "unknown method");
        let last = store.snapshot().last_txn_id();
        let started = std::time::Instant::now();
        let (mut mon, resumed) = match h.monitor_cond_since_raw(&db, &reqs, last).await {
            Ok((raw, mon)) => {
                tracing::debug!(
                    bytes = raw.json().len(),
                    elapsed = ?started.elapsed(),
                    "monitor_cond_since reply received"
                );
                match apply_cond_since(store, &raw, last) {
                    Ok(resumed) => (mon, resumed),
                    Err(e) => {
                        // Resume from scratch next time.
                        store.forget_last_txn_id();
                        return Err(e);
                    }
                }
            }
            Err(e) if unknown(&e) => match h.monitor_cond(&db, &reqs).await {
                Ok((initial, mon)) => {
                    store.resync(initial, None)?;
                    (mon, false)
                }
                Err(e) if unknown(&e) => {
                    let (initial, mon) = h.monitor(&db, &reqs).await?;
                    store.resync(v1_to_v2(&initial), None)?;
                    (mon, false)
                }
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        };
        tracing::debug!(elapsed = ?started.elapsed(), resumed, "replica synced");
        if let Some(shared) = self.shared.upgrade() {
            *lock(&shared.handle) = Some(h.clone());
        } else {
            return Ok(End::Stopped);
        }
        self.dirty = false;
        let _ = self.status.send(Status::Synced {
            remote: remote.to_string(),
            resumed,
        });

        // 4. Follow, until the session ends for `reason`.
        let reason = loop {
            tokio::select! {
                ev = mon.next() => match ev {
                    None => break "the connection closed".to_owned(),
                    Some(ev) => {
                        if let Err(e) = self.apply_event(ev) {
                            break e.to_string();
                        }
                    }
                },
                ev = next_or_pending(&mut server_mon) => match ev {
                    None => break "the connection closed".to_owned(),
                    Some(Err(e)) => break e.to_string(),
                    Some(Ok(ev)) => {
                        if let Some(reason) = self.server_event(ev, &db) {
                            break reason;
                        }
                    }
                },
                cmd = cmd_rx.recv() => match cmd {
                    None => {
                        if self.shared.strong_count() == 0 {
                            return Ok(End::Stopped);
                        }
                    }
                    Some(Command::Drain(tx)) => {
                        let failed = self.drain(&mut mon);
                        let _ = tx.send(!self.dirty);
                        if let Some(e) = failed {
                            break e;
                        }
                    }
                },
            }
        };
        // Whatever the connection delivered before it ended is applied before anything else:
        // a transaction whose reply arrived has its update queued here (read your writes).
        if let Some(e) = self.drain(&mut mon) {
            tracing::debug!(error = %e, "applying the last updates of a session");
        }
        Ok(End::Retry {
            reason,
            synced: true,
        })
    }

    /// Applies every event already queued on `mon`; the reason if one failed.
    fn drain(&mut self, mon: &mut Monitor) -> Option<String> {
        while let Some(ev) = mon.try_next() {
            if let Err(e) = self.apply_event(ev) {
                return Some(e.to_string());
            }
        }
        None
    }

    /// Applies one decoded (or undecodable) event. A failure leaves the store where it was but
    /// no longer trusted to resume from: it forgets its transaction id so the next session
    /// resynchronizes everything, and is marked dirty until then.
    fn apply_event(&mut self, ev: Result<MonitorEvent>) -> Result<()> {
        let r = ev.and_then(|ev| self.apply(ev));
        if r.is_err() {
            self.dirty = true;
            if let Some(store) = self.store.as_mut() {
                store.forget_last_txn_id();
            }
        }
        r
    }

    /// Applies one event of the data monitor. An error (an update that does not fit, or a
    /// canceled monitor) ends the session; the next one resynchronizes.
    fn apply(&mut self, ev: MonitorEvent) -> Result<()> {
        let store = self
            .store
            .as_mut()
            .ok_or_else(|| Error::Protocol("no store".into()))?;
        let r = match ev {
            MonitorEvent::Update(u) => store.apply_update(&u),
            MonitorEvent::Update2(u) => store.apply_update2(u, None),
            MonitorEvent::Update3 {
                last_txn_id,
                updates,
            } => store.apply_update2(updates, Some(last_txn_id)),
            MonitorEvent::Canceled => {
                return Err(Error::Protocol(
                    "the server canceled the monitor (database removed or converted)".into(),
                ));
            }
        };
        r.map(drop)
    }

    /// Starts watching `_Server` and checks the database's row. `None` if the server has no
    /// `_Server` database (very old servers), in which case no check is possible.
    async fn check_server(&mut self, h: &Handle, db: &str) -> Result<Option<Monitor>> {
        let mut reqs = MonitorRequests::new();
        reqs.insert(
            "Database".into(),
            vec![
                MonitorRequest::columns(["name", "model", "connected", "leader", "index"])
                    .with_conditions([Condition::eq("name", db)]),
            ],
        );
        let (initial, mon) = match h.monitor_cond("_Server", &reqs).await {
            Ok(r) => r,
            Err(Error::Rpc { error, .. })
                if error == "unknown database" || error == "unknown method" =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let row = initial
            .table("Database")
            .iter()
            .find_map(|(_, ru)| match ru {
                RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => Some(r.clone()),
                _ => None,
            })
            .ok_or_else(|| Error::Protocol(format!("the server has no database {db}")))?;
        if let Some(reason) = self.fitness.unfit(&row) {
            return Err(Error::Protocol(reason));
        }
        self.server_row = Some(row);
        Ok(Some(mon))
    }

    /// Follows the `_Server` row; `Some(reason)` when the server stops qualifying.
    fn server_event(&mut self, ev: MonitorEvent, db: &str) -> Option<String> {
        let updates = match ev {
            MonitorEvent::Update2(u) => u,
            MonitorEvent::Update3 { updates, .. } => updates,
            MonitorEvent::Canceled => return Some("_Server monitor canceled".into()),
            _ => return None,
        };
        for (_, ru) in updates.table("Database") {
            match ru {
                RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => {
                    self.server_row = Some(r.clone());
                }
                RowUpdate2::Modify(diff) => {
                    if let Some(row) = self.server_row.as_mut() {
                        // Every monitored column of Database is scalar or optional.
                        for (c, d) in diff.iter() {
                            row.insert(c, d.clone());
                        }
                    }
                }
                RowUpdate2::Delete => return Some(format!("database {db} was removed")),
            }
        }
        let row = self.server_row.clone()?;
        self.fitness.unfit(&row)
    }
}

async fn next_or_pending(mon: &mut Option<Monitor>) -> Option<Result<MonitorEvent>> {
    match mon {
        Some(m) => m.next().await,
        None => std::future::pending().await,
    }
}

/// The initial contents of a plain `monitor` as update2 rows.
fn v1_to_v2(u: &TableUpdates) -> TableUpdates2 {
    let mut out = TableUpdates2::default();
    for (table, rows) in &u.tables {
        out.tables.insert(
            table.clone(),
            rows.iter()
                .filter_map(|(uuid, ru)| ru.new.clone().map(|r| (*uuid, RowUpdate2::Initial(r))))
                .collect(),
        );
    }
    out
}

struct AbortOnDrop(tokio::task::JoinHandle<Result<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Datum;

    fn clustered(cid: u128, index: i64, leader: bool, connected: bool) -> Row {
        let mut row = Row::new()
            .with("model", "clustered")
            .with("cid", Datum::scalar(Uuid(cid)))
            .with("index", Datum::scalar(index));
        // update2 leaves out false booleans, as the server sends them.
        if leader {
            row.insert("leader", true);
        }
        if connected {
            row.insert("connected", true);
        }
        row
    }

    fn fitness(leader_only: bool) -> Fitness {
        Fitness {
            leader_only,
            last_index: None,
            last_cid: None,
        }
    }

    #[test]
    fn standalone_and_relays() {
        let mut f = fitness(true);
        assert_eq!(f.unfit(&Row::new().with("model", "standalone")), None);
        // No model at all: an old server's row, standalone.
        assert_eq!(f.unfit(&Row::new()), None);
        let relay = Row::new().with("model", "relay");
        assert!(f.unfit(&relay).unwrap().contains("relay source"));
        assert_eq!(f.unfit(&relay.with("connected", true)), None);
    }

    #[test]
    fn leader_only_and_connected() {
        let mut f = fitness(true);
        assert!(
            f.unfit(&clustered(1, 5, true, false))
                .unwrap()
                .contains("not connected")
        );
        assert!(
            f.unfit(&clustered(1, 5, false, true))
                .unwrap()
                .contains("leader")
        );
        assert_eq!(f.unfit(&clustered(1, 5, true, true)), None);
        let mut any = fitness(false);
        assert_eq!(any.unfit(&clustered(1, 5, false, true)), None);
    }

    /// A member whose log is behind what was already seen is never trusted, whatever else it
    /// says; a new cluster (another id) starts over.
    #[test]
    fn a_stale_index_disqualifies_within_one_cluster() {
        let mut f = fitness(false);
        assert_eq!(f.unfit(&clustered(1, 10, true, true)), None);
        assert_eq!(f.unfit(&clustered(1, 12, false, true)), None);
        let stale = f.unfit(&clustered(1, 11, true, true)).expect("stale");
        assert!(stale.contains("11 is behind 12"), "{stale}");
        // The highest index seen stays, so the stale member stays out.
        assert!(f.unfit(&clustered(1, 11, false, true)).is_some());
        assert_eq!(f.unfit(&clustered(1, 12, false, true)), None);
        // A rebuilt cluster has a new id and its own, lower, indexes.
        assert_eq!(f.unfit(&clustered(2, 3, true, true)), None);
        assert!(f.unfit(&clustered(2, 2, true, true)).is_some());
    }
}
