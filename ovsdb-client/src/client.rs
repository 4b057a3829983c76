//! The connection driver and its handle.
//!
//! [`connect`] (or [`Connection::new`] over any byte stream) returns a pair, as hyper's and
//! rtnetlink's clients do:
//!
//! - [`Connection`] is a future that owns the socket. Spawn it; it runs until the connection
//!   fails or every [`Handle`], [`Monitor`] and [`Lock`] is dropped, and resolves to the reason.
//! - [`Handle`] is cheap to clone and send. Each method encodes its request in the caller's task
//!   and hands the bytes to the driver, so any number of requests may be in flight; replies are
//!   matched by id.
//!
//! The driver answers the server's `echo` requests (on TCP, ovsdb-server drops a client that
//! stays silent for about 10 s), sends its own inactivity probe when the server has been silent
//! for [`ConnectOptions::probe_interval`] and gives up if the probe goes unanswered for as long
//! again (a server still reading data queued for it, such as a transaction of tens of MB, is
//! not silent: as in Open vSwitch, queued bytes it takes count as a sign of life), and routes each notification to the [`Monitor`] or [`Lock`] it belongs to. It never
//! blocks on a consumer: notifications are queued without bound, so a slow consumer costs memory
//! but never loses an event or stalls the connection.
//!
//! If the connection closes, every request in flight fails with [`Error::Closed`]. For a
//! `transact`, that means the outcome is unknown: the server may have committed it. A request
//! that was not yet written out in full fails with [`Error::NotSent`] instead: the server
//! never saw it, so it can be sent again.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::framing::{DEFAULT_MAX_MESSAGE_SIZE, Framer};
use crate::message::{self, Message};
use crate::monitor::{
    CondChanges, CondSinceReply, ConditionChanges, MonitorEvent, MonitorMethod, MonitorRequests,
    PlainRequests, TableUpdates, TableUpdates2, Update3Params,
};
use crate::remote::{TlsConfig, connect_any};
use crate::schema::DatabaseSchema;
use crate::transact::{OperationResult, Transaction};
use crate::value::Uuid;

/// Settings for a connection.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Key, certificate and CA for `ssl:` remotes.
    pub tls: Option<TlsConfig>,
    /// How long to wait for one remote to accept the connection (and finish TLS).
    pub connect_timeout: Duration,
    /// When the server has sent nothing for this long, send it an `echo`; if it still sends
    /// nothing for as long again, close the connection with [`Error::Timeout`]. `None` disables
    /// the probe. Default: 5 s, as in the Open vSwitch IDL.
    pub probe_interval: Option<Duration>,
    /// The largest message accepted from the server. Default: 1 GiB.
    pub max_message_size: usize,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            tls: None,
            connect_timeout: Duration::from_secs(10),
            probe_interval: Some(Duration::from_secs(5)),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}

/// Connects to the first reachable remote of `remotes` (see [`crate::remote`]) and returns the
/// driver and a handle. Spawn the [`Connection`].
pub async fn connect(remotes: &str, options: &ConnectOptions) -> Result<(Connection, Handle)> {
    let (_, transport) =
        connect_any(remotes, options.tls.as_ref(), options.connect_timeout).await?;
    Ok(Connection::new(transport, options))
}

/// The raw reply to a request: the frame it arrived in and where its `result` lies.
#[derive(Clone)]
pub struct RawReply {
    frame: Bytes,
    range: Range<usize>,
}

impl RawReply {
    /// The JSON text of the `result` member.
    pub fn json(&self) -> &[u8] {
        &self.frame[self.range.clone()]
    }

    /// Decodes the result into `T`. `what` names it in the error.
    pub fn decode<T: DeserializeOwned>(&self, what: &str) -> Result<T> {
        message::from_json(self.json()).map_err(|e| Error::decode(what, e))
    }
}

impl fmt::Debug for RawReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawReply")
            .field(&String::from_utf8_lossy(self.json()))
            .finish()
    }
}

/// A notification routed to a monitor or lock, undecoded.
struct RawNotification {
    method: NotificationKind,
    frame: Bytes,
    params: Range<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NotificationKind {
    Update,
    Update2,
    Update3,
    MonitorCanceled,
    Locked,
    Stolen,
}

type ReplySender = oneshot::Sender<Result<RawReply>>;

enum Route {
    Monitor(String, mpsc::UnboundedSender<RawNotification>),
    Lock(String, mpsc::UnboundedSender<RawNotification>),
}

enum Command {
    Request {
        id: u64,
        method: &'static str,
        bytes: Vec<u8>,
        reply: ReplySender,
        register: Option<Route>,
    },
    Cancel {
        id: u64,
    },
    Unroute {
        monitor: Option<String>,
        lock: Option<String>,
    },
}

struct PendingEntry {
    method: &'static str,
    reply: Option<ReplySender>,
    /// The monitor route registered with this request, removed if the request fails.
    monitor: Option<String>,
    /// The lock route registered with this request, removed if the request fails.
    lock: Option<String>,
    /// For the echo sent after a `cancel`: the canceled request, failed when the echo returns
    /// if the server has not answered it by then.
    cancel_of: Option<u64>,
    /// The offset in the outgoing stream just past the request: once that much has been
    /// written, the server may have executed it.
    end: u64,
}

struct Shared {
    tx: mpsc::UnboundedSender<Command>,
    next_id: AtomicU64,
    next_monitor: AtomicU64,
}

/// The driver of one connection; a future to spawn. See the [module documentation](self).
pub struct Connection {
    fut: Pin<Box<dyn Future<Output = Result<()>> + Send>>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Connection")
    }
}

impl Future for Connection {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.fut.as_mut().poll(cx)
    }
}

impl Connection {
    /// Wraps an already connected byte stream.
    pub fn new<S>(io: S, options: &ConnectOptions) -> (Connection, Handle)
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            tx,
            next_id: AtomicU64::new(1),
            next_monitor: AtomicU64::new(1),
        });
        let driver = Driver {
            framer: Framer::new(options.max_message_size),
            pending: HashMap::new(),
            monitors: HashMap::new(),
            locks: HashMap::new(),
            wbuf: Vec::with_capacity(64 * 1024),
            wbase: 0,
            probe_interval: options.probe_interval.filter(|d| !d.is_zero()),
            shared: Arc::downgrade(&shared),
        };
        let fut = Box::pin(driver.run(io, rx));
        (Connection { fut }, Handle { shared })
    }
}

struct Driver {
    framer: Framer,
    pending: HashMap<u64, PendingEntry>,
    monitors: HashMap<String, mpsc::UnboundedSender<RawNotification>>,
    locks: HashMap<String, mpsc::UnboundedSender<RawNotification>>,
    wbuf: Vec<u8>,
    /// Bytes of the outgoing stream written and cleared from `wbuf` before its start.
    wbase: u64,
    probe_interval: Option<Duration>,
    shared: std::sync::Weak<Shared>,
}

const READ_CHUNK: usize = 64 * 1024;

/// A read buffer larger than this is released once it holds little.
const LARGE_BUFFER: usize = 8 << 20;

/// How long the driver waits for the transport to shut down once the connection has ended. A
/// TLS close_notify to a peer that has stopped reading could otherwise wait forever.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(1);

impl Driver {
    async fn run<S>(mut self, io: S, mut rx: mpsc::UnboundedReceiver<Command>) -> Result<()>
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (mut reader, mut writer) = tokio::io::split(io);
        let mut rbuf = BytesMut::with_capacity(READ_CHUNK);
        let mut wpos = 0usize;
        // Bytes have been written since the last flush. A transport may buffer what it accepts
        // (tokio-rustls returns from a write before the TLS records reach a full socket), so
        // every write is followed by a flush; for plain sockets the flush is a no-op.
        let mut unflushed = false;
        // When the server last showed it is alive: it sent something, or took data that had
        // been waiting for it (see the write below).
        let mut last_activity = Instant::now();
        let mut probe_sent = false;
        let mut handles_gone = false;

        let result: Result<()> = loop {
            if handles_gone && self.nobody_waits() && wpos >= self.wbuf.len() && !unflushed {
                break Ok(());
            }
            let deadline = self
                .probe_interval
                .and_then(|p| last_activity.checked_add(p));
            if rbuf.capacity() - rbuf.len() < READ_CHUNK / 4 {
                rbuf.reserve(READ_CHUNK);
            }
            tokio::select! {
                cmd = rx.recv(), if !handles_gone => {
                    match cmd {
                        None => handles_gone = true,
                        Some(cmd) => {
                            self.command(cmd);
                            // Batch whatever else is queued into the same write.
                            for _ in 0..1024 {
                                match rx.try_recv() {
                                    Ok(cmd) => self.command(cmd),
                                    Err(_) => break,
                                }
                            }
                        }
                    }
                }
                n = reader.read_buf(&mut rbuf) => {
                    match n {
                        Ok(0) => {
                            break Err(Error::Closed(Some(if self.framer.in_message() {
                                "the server closed the connection in the middle of a message".into()
                            } else {
                                "the server closed the connection".into()
                            })));
                        }
                        Ok(_) => {
                            last_activity = Instant::now();
                            probe_sent = false;
                            if let Err(e) = self.input(&mut rbuf) {
                                break Err(e);
                            }
                            // After a huge message (a large monitor reply), give its buffer
                            // back rather than keeping it for the life of the connection.
                            if rbuf.capacity() > LARGE_BUFFER && rbuf.len() < READ_CHUNK {
                                let mut fresh = BytesMut::with_capacity(READ_CHUNK);
                                fresh.extend_from_slice(&rbuf);
                                rbuf = fresh;
                            }
                        }
                        Err(e) => break Err(Error::Io(e)),
                    }
                }
                w = write_or_flush(&mut writer, &self.wbuf[wpos..]), if wpos < self.wbuf.len() || unflushed => {
                    match w {
                        Ok(None) => unflushed = false,
                        Ok(Some(0)) => break Err(Error::Closed(Some("the transport accepts no more data".into()))),
                        Ok(Some(n)) => {
                            // As Open vSwitch's jsonrpc session: bytes that waited because
                            // the transport was full, taken now, show the server reading. A
                            // busy server reading a large transaction (tens of MB) sends
                            // nothing for longer than the probe interval, and our probe
                            // waits behind the transaction. Bytes taken at once are not
                            // counted: a stalled server takes them until its buffers fill.
                            if wpos > 0 {
                                last_activity = Instant::now();
                                probe_sent = false;
                            }
                            unflushed = true;
                            wpos += n;
                            if wpos == self.wbuf.len() {
                                self.wbase += wpos as u64;
                                self.wbuf.clear();
                                wpos = 0;
                                if self.wbuf.capacity() > 16 << 20 {
                                    self.wbuf.shrink_to(64 * 1024);
                                }
                            }
                        }
                        Err(e) => break Err(Error::Io(e)),
                    }
                }
                _ = sleep_until(deadline) => {
                    let interval = self.probe_interval.unwrap_or_default();
                    if probe_sent {
                        break Err(Error::Timeout(format!(
                            "the server sent nothing for {:?}, not even a reply to an echo probe",
                            interval.saturating_mul(2)
                        )));
                    }
                    self.send_probe();
                    probe_sent = true;
                    last_activity = Instant::now();
                }
            }
        };

        let reason = match &result {
            Ok(()) => "the connection was closed".to_owned(),
            Err(e) => e.to_string(),
        };
        if result.is_err() {
            tracing::debug!(%reason, "OVSDB connection ended");
        }
        // Settle everything before the shutdown, which may take a while. Dropping the command
        // queue fails the requests still in it and marks the handles closed; dropping the routes
        // ends every monitor and lock stream.
        rx.close();
        while let Ok(cmd) = rx.try_recv() {
            if let Command::Request { reply, .. } = cmd {
                let _ = reply.send(Err(Error::NotSent(reason.clone())));
            }
        }
        drop(rx);
        // What the server may have seen: requests written out in full.
        let written = self.wbase + wpos as u64;
        for (_, p) in self.pending.drain() {
            if let Some(tx) = p.reply {
                let e = if p.end > written {
                    Error::NotSent(reason.clone())
                } else {
                    Error::Closed(Some(reason.clone()))
                };
                let _ = tx.send(Err(e));
            }
        }
        self.monitors.clear();
        self.locks.clear();
        let _ = tokio::time::timeout(SHUTDOWN_TIMEOUT, writer.shutdown()).await;
        result
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Request {
                id,
                method,
                bytes,
                reply,
                register,
            } => {
                let (monitor, lock) = match register {
                    Some(Route::Monitor(key, tx)) => {
                        self.monitors.insert(key.clone(), tx);
                        (Some(key), None)
                    }
                    Some(Route::Lock(name, tx)) => {
                        // One Lock per name and connection, as the server allows (it would
                        // answer "duplicate lock"); a second would take the first's route.
                        if self.locks.get(&name).is_some_and(|t| !t.is_closed()) {
                            let _ = reply.send(Err(Error::Rpc {
                                method: method.to_owned(),
                                error: "duplicate lock".into(),
                                details: Some(format!(
                                    "this connection already has a Lock for {name:?}; \
                                     unlock it first"
                                )),
                            }));
                            return;
                        }
                        self.locks.insert(name.clone(), tx);
                        (None, Some(name))
                    }
                    None => (None, None),
                };
                self.wbuf.extend_from_slice(&bytes);
                self.pending.insert(
                    id,
                    PendingEntry {
                        method,
                        reply: Some(reply),
                        monitor,
                        lock,
                        cancel_of: None,
                        end: self.wbase + self.wbuf.len() as u64,
                    },
                );
            }
            Command::Cancel { id } => {
                // ovsdb-server 3.1 drops a canceled request without the "canceled" reply RFC
                // 7047 promises (and without its wait timeout reply), so follow the cancel with
                // an echo: the server answers in order, so if the request is still unanswered
                // when the echo returns, it was canceled.
                let _ = message::write_notification(&mut self.wbuf, "cancel", &[id]);
                self.send_echo(Some(id));
            }
            Command::Unroute { monitor, lock } => {
                if let Some(m) = monitor {
                    self.monitors.remove(&m);
                }
                if let Some(l) = lock {
                    self.locks.remove(&l);
                }
            }
        }
    }

    /// Whether no caller still awaits a reply: every pending request's future has been dropped
    /// (or is a probe of our own). Once every handle is gone too, nothing can use the connection.
    fn nobody_waits(&self) -> bool {
        self.pending
            .values()
            .all(|p| p.reply.as_ref().is_none_or(|tx| tx.is_closed()))
    }

    fn send_probe(&mut self) {
        self.send_echo(None);
    }

    fn send_echo(&mut self, cancel_of: Option<u64>) {
        let id = match self.shared.upgrade() {
            Some(s) => s.next_id.fetch_add(1, Ordering::Relaxed),
            // No handle left: any id outside the handles' range will do.
            None => u64::MAX,
        };
        // An empty array cannot fail to encode.
        let _ = message::write_request(&mut self.wbuf, id, "echo", &[(); 0]);
        self.pending.insert(
            id,
            PendingEntry {
                method: "echo",
                reply: None,
                monitor: None,
                lock: None,
                cancel_of,
                end: self.wbase + self.wbuf.len() as u64,
            },
        );
    }

    fn input(&mut self, rbuf: &mut BytesMut) -> Result<()> {
        while let Some(frame) = self.framer.next_frame(rbuf)? {
            self.dispatch(frame)?;
        }
        Ok(())
    }

    fn dispatch(&mut self, frame: Bytes) -> Result<()> {
        if frame.len() >= 1 << 20 {
            tracing::trace!(bytes = frame.len(), "large message received");
        }
        let msg = message::parse(&frame)?;
        match msg {
            Message::Response { id, result } => {
                let Some(entry) = id
                    .get()
                    .parse::<u64>()
                    .ok()
                    .and_then(|n| self.pending.remove(&n))
                else {
                    tracing::debug!(id = id.get(), "reply to an unknown request id; ignored");
                    return Ok(());
                };
                let out = match result {
                    Ok(r) => Ok(RawReply {
                        range: message::range_in(&frame, r),
                        frame: frame.clone(),
                    }),
                    Err(e) => {
                        if let Some(m) = &entry.monitor {
                            self.monitors.remove(m);
                        }
                        if let Some(l) = &entry.lock {
                            self.locks.remove(l);
                        }
                        Err(Error::Rpc {
                            method: entry.method.to_owned(),
                            error: e.error,
                            details: e.details,
                        })
                    }
                };
                if let Some(tx) = entry.reply {
                    let _ = tx.send(out);
                }
                if let Some(canceled) = entry.cancel_of.and_then(|c| self.pending.remove(&c))
                    && let Some(tx) = canceled.reply
                {
                    let _ = tx.send(Err(Error::Rpc {
                        method: canceled.method.to_owned(),
                        error: "canceled".to_owned(),
                        details: Some("canceled at the client's request".to_owned()),
                    }));
                }
            }
            Message::Request { id, method, params } => {
                if method == "echo" {
                    message::write_reply(&mut self.wbuf, id, params);
                } else {
                    tracing::debug!(%method, "unsupported request from the server");
                    message::write_error_reply(&mut self.wbuf, id, "unknown method");
                }
            }
            Message::Notification { method, params } => {
                let kind = match &*method {
                    "update" => NotificationKind::Update,
                    "update2" => NotificationKind::Update2,
                    "update3" => NotificationKind::Update3,
                    "monitor_canceled" => NotificationKind::MonitorCanceled,
                    "locked" => NotificationKind::Locked,
                    "stolen" => NotificationKind::Stolen,
                    other => {
                        tracing::debug!(method = other, "unknown notification; ignored");
                        return Ok(());
                    }
                };
                let first = first_param(params.get()).ok_or_else(|| {
                    Error::decode(
                        format!("{method} notification"),
                        "params is not a non-empty array",
                    )
                })?;
                let note = RawNotification {
                    method: kind,
                    params: message::range_in(&frame, params),
                    frame: frame.clone(),
                };
                match kind {
                    NotificationKind::Locked | NotificationKind::Stolen => {
                        let name: String = serde_json::from_str(first).map_err(|e| {
                            Error::decode(format!("{method} notification lock name"), e)
                        })?;
                        if let Some(tx) = self.locks.get(&name) {
                            let _ = tx.send(note);
                        }
                    }
                    NotificationKind::MonitorCanceled => {
                        if let Some(tx) = self.monitors.remove(first) {
                            let _ = tx.send(note);
                        }
                    }
                    _ => {
                        if let Some(tx) = self.monitors.get(first) {
                            if tx.send(note).is_err() {
                                // The Monitor was dropped without monitor_cancel.
                                self.monitors.remove(first);
                            }
                        } else {
                            tracing::debug!(monitor = first, "update for an unknown monitor");
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The JSON text of the first element of the array `params`, if it is one.
fn first_param(params: &str) -> Option<&str> {
    let rest = params.trim_start().strip_prefix('[')?;
    let mut de = serde_json::Deserializer::from_str(rest);
    let raw = <&RawValue as serde::Deserialize>::deserialize(&mut de).ok()?;
    Some(raw.get())
}

/// Writes from `buf` when it is not empty (returning how much was written), and otherwise
/// flushes (returning `None`). Cancel safe, as `write` and `flush` are.
async fn write_or_flush<W: AsyncWrite + Unpin>(
    w: &mut W,
    buf: &[u8],
) -> std::io::Result<Option<usize>> {
    if buf.is_empty() {
        w.flush().await.map(|()| None)
    } else {
        w.write(buf).await.map(Some)
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// A request in flight. Await it for the decoded reply; [`Pending::id`] names it for
/// [`Handle::cancel`].
#[must_use = "a request does nothing useful unless its reply is awaited"]
pub struct Pending<T> {
    id: u64,
    rx: oneshot::Receiver<Result<RawReply>>,
    decode: Option<Box<dyn FnOnce(RawReply) -> Result<T> + Send>>,
}

impl<T> fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending").field("id", &self.id).finish()
    }
}

impl<T> Pending<T> {
    /// The JSON-RPC id of the request.
    pub fn id(&self) -> u64 {
        self.id
    }

    fn failed(e: Error) -> Pending<T>
    where
        T: 'static,
    {
        let (tx, rx) = oneshot::channel();
        let _ = tx.send(Err(e));
        Pending {
            id: 0,
            rx,
            decode: Some(Box::new(|_| {
                Err(Error::Protocol(
                    "unreachable: failed request decoded".into(),
                ))
            })),
        }
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let reply = match Pin::new(&mut self.rx).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(r)) => r,
            Poll::Ready(Err(_)) => Err(Error::Closed(Some(
                "the connection ended before the reply arrived".into(),
            ))),
        };
        Poll::Ready(match (reply, self.decode.take()) {
            (Ok(raw), Some(decode)) => decode(raw),
            (Ok(_), None) => Err(Error::Protocol("reply polled twice".into())),
            (Err(e), _) => Err(e),
        })
    }
}

/// A cloneable handle that sends requests over a [`Connection`].
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Handle {
    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.tx.is_closed()
    }

    fn send(&self, cmd: Command) -> Result<()> {
        self.shared
            .tx
            .send(cmd)
            .map_err(|_| Error::NotSent("the connection has ended".into()))
    }

    fn start<P, T>(
        &self,
        method: &'static str,
        params: &P,
        register: Option<Route>,
        decode: Box<dyn FnOnce(RawReply) -> Result<T> + Send>,
    ) -> Pending<T>
    where
        P: Serialize + ?Sized,
        T: 'static,
    {
        match self.encode(method, params) {
            Ok((id, bytes)) => self.send_encoded(id, method, bytes, register, decode),
            Err(e) => Pending::failed(e),
        }
    }

    /// Encodes a request under a fresh id, in the caller's task.
    fn encode<P: Serialize + ?Sized>(&self, method: &str, params: &P) -> Result<(u64, Vec<u8>)> {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let mut bytes = Vec::with_capacity(128);
        message::write_request(&mut bytes, id, method, params)?;
        Ok((id, bytes))
    }

    /// Hands an encoded request to the driver; `decode` turns its reply into `T`.
    fn send_encoded<T: 'static>(
        &self,
        id: u64,
        method: &'static str,
        bytes: Vec<u8>,
        register: Option<Route>,
        decode: Box<dyn FnOnce(RawReply) -> Result<T> + Send>,
    ) -> Pending<T> {
        let (tx, rx) = oneshot::channel();
        if let Err(e) = self.send(Command::Request {
            id,
            method,
            bytes,
            reply: tx,
            register,
        }) {
            return Pending::failed(e);
        }
        Pending {
            id,
            rx,
            decode: Some(decode),
        }
    }

    fn call<P, T>(&self, method: &'static str, params: &P) -> Pending<T>
    where
        P: Serialize + ?Sized,
        T: DeserializeOwned + 'static,
    {
        self.start(method, params, None, Box::new(move |r| r.decode(method)))
    }

    /// Sends any request and returns its raw result: the escape hatch for methods this crate
    /// does not wrap.
    pub fn call_raw<P: Serialize + ?Sized>(
        &self,
        method: &'static str,
        params: &P,
    ) -> Pending<RawReply> {
        self.start(method, params, None, Box::new(Ok))
    }

    /// `list_dbs`: the names of the server's databases.
    pub async fn list_dbs(&self) -> Result<Vec<String>> {
        self.call("list_dbs", &[(); 0]).await
    }

    /// `get_schema`: the schema of database `db`.
    pub async fn get_schema(&self, db: &str) -> Result<DatabaseSchema> {
        self.call("get_schema", &[db]).await
    }

    /// `transact`: runs a transaction and checks each operation's result (see
    /// [`Transaction`]). A failed operation or commit is an [`Error::Transaction`] naming it.
    ///
    /// The request is sent before this returns; await the [`Pending`] for the outcome, or pass
    /// its id to [`Handle::cancel`].
    pub fn transact(&self, txn: Transaction) -> Pending<Vec<OperationResult>> {
        // Encode first, so the transaction can then move into the decoder that checks the
        // results against its operations.
        let (id, bytes) = match self.encode("transact", &txn.params()) {
            Ok(encoded) => encoded,
            Err(e) => return Pending::failed(e),
        };
        let decode = Box::new(move |raw: RawReply| {
            let text =
                std::str::from_utf8(raw.json()).map_err(|e| Error::decode("transact reply", e))?;
            Ok(txn.check_reply_json(text)?)
        });
        self.send_encoded(id, "transact", bytes, None, decode)
    }

    /// `transact` with the parameters as given (`[db, op, ...]`, as for
    /// `ovsdb-client transact`), returning the server's result array unchecked.
    pub fn transact_raw(&self, params: &serde_json::Value) -> Pending<serde_json::Value> {
        match params.as_array() {
            Some(_) => self.call("transact", params),
            None => Pending::failed(Error::Encode {
                what: "transact request".into(),
                reason: "the transaction must be a JSON array [db, op, ...]".into(),
            }),
        }
    }

    /// `cancel`: asks the server to abandon request `id` (a transaction blocked in a `wait`);
    /// the request then fails with the error `canceled`.
    ///
    /// If the server answered the request before it saw the cancel, that answer stands. Open
    /// vSwitch 3.1 sends no reply at all for a canceled request; the driver detects this with an
    /// `echo` sent right after the cancel and fails the request itself.
    pub fn cancel(&self, id: u64) -> Result<()> {
        self.send(Command::Cancel { id })
    }

    /// `echo`: the server returns `payload` unchanged.
    pub async fn echo(&self, payload: &[serde_json::Value]) -> Result<Vec<serde_json::Value>> {
        self.call("echo", payload).await
    }

    /// `set_db_change_aware`: when `true`, the server cancels monitors (`monitor_canceled`)
    /// rather than disconnecting when a database is removed or converted.
    pub async fn set_db_change_aware(&self, aware: bool) -> Result<()> {
        self.call::<_, serde_json::Value>("set_db_change_aware", &[aware])
            .await
            .map(drop)
    }

    fn new_monitor_key(&self) -> (String, Box<RawValue>) {
        let n = self.shared.next_monitor.fetch_add(1, Ordering::Relaxed);
        let key = format!("\"m{n}\"");
        // A quoted ASCII identifier is valid JSON.
        let raw = RawValue::from_string(key.clone())
            .unwrap_or_else(|_| RawValue::from_string("null".into()).expect("null is JSON"));
        (key, raw)
    }

    async fn start_monitor<P: Serialize, T: DeserializeOwned + 'static>(
        &self,
        method: MonitorMethod,
        params: &P,
        key: String,
    ) -> Result<(T, Monitor)> {
        let name = method.as_str();
        self.start_monitor_with(method, params, key, Box::new(move |r| r.decode(name)))
            .await
    }

    async fn start_monitor_with<P: Serialize, T: 'static>(
        &self,
        method: MonitorMethod,
        params: &P,
        key: String,
        decode: Box<dyn FnOnce(RawReply) -> Result<T> + Send>,
    ) -> Result<(T, Monitor)> {
        let (tx, rx) = mpsc::unbounded_channel();
        let initial: T = self
            .start(
                method.as_str(),
                params,
                Some(Route::Monitor(key.clone(), tx)),
                decode,
            )
            .await?;
        Ok((
            initial,
            Monitor {
                key,
                method,
                rx,
                handle: self.clone(),
                done: false,
                released: false,
            },
        ))
    }

    /// `monitor` (RFC 7047): returns the initial contents and the stream of `update`s.
    pub async fn monitor(
        &self,
        db: &str,
        requests: &MonitorRequests,
    ) -> Result<(TableUpdates, Monitor)> {
        let (key, id) = self.new_monitor_key();
        let params = (db, &*id, PlainRequests(requests));
        self.start_monitor(MonitorMethod::Monitor, &params, key)
            .await
    }

    /// `monitor_cond`: like [`Handle::monitor`] with conditions, and `update2` notifications.
    pub async fn monitor_cond(
        &self,
        db: &str,
        requests: &MonitorRequests,
    ) -> Result<(TableUpdates2, Monitor)> {
        let (key, id) = self.new_monitor_key();
        let params = (db, &*id, requests);
        self.start_monitor(MonitorMethod::MonitorCond, &params, key)
            .await
    }

    /// `monitor_cond_since`: like [`Handle::monitor_cond`], but when the server still has
    /// transaction `last_txn_id` in its history it sends only the changes after it
    /// ([`CondSinceReply::found`]). Notifications are `update3`s carrying each transaction's id.
    pub async fn monitor_cond_since(
        &self,
        db: &str,
        requests: &MonitorRequests,
        last_txn_id: Option<Uuid>,
    ) -> Result<(CondSinceReply, Monitor)> {
        let (raw, mon) = self
            .monitor_cond_since_raw(db, requests, last_txn_id)
            .await?;
        Ok((raw.decode(MonitorMethod::MonitorCondSince.as_str())?, mon))
    }

    /// [`Handle::monitor_cond_since`] with the reply left undecoded, for callers that decode
    /// it their own way (see [`crate::monitor::decode_cond_since_with`]).
    pub async fn monitor_cond_since_raw(
        &self,
        db: &str,
        requests: &MonitorRequests,
        last_txn_id: Option<Uuid>,
    ) -> Result<(RawReply, Monitor)> {
        let (key, id) = self.new_monitor_key();
        let since = last_txn_id.unwrap_or(Uuid::ZERO).to_string();
        let params = (db, &*id, requests, since);
        self.start_monitor_with(MonitorMethod::MonitorCondSince, &params, key, Box::new(Ok))
            .await
    }

    async fn lock_request(&self, method: &'static str, name: &str) -> Result<Lock> {
        let (tx, rx) = mpsc::unbounded_channel();
        #[derive(serde::Deserialize)]
        struct Locked {
            locked: bool,
        }
        let reply: Locked = self
            .start(
                method,
                &[name],
                Some(Route::Lock(name.to_owned(), tx)),
                Box::new(move |r| r.decode(method)),
            )
            .await?;
        Ok(Lock {
            name: name.to_owned(),
            locked: reply.locked,
            rx,
            handle: self.clone(),
            released: false,
        })
    }

    /// `lock`: asks for the named lock. [`Lock::is_locked`] says whether it was granted at
    /// once; otherwise [`Lock::wait_locked`] waits for the `locked` notification.
    pub async fn lock(&self, name: &str) -> Result<Lock> {
        self.lock_request("lock", name).await
    }

    /// `steal`: takes the named lock from its owner, who is sent `stolen`.
    pub async fn steal(&self, name: &str) -> Result<Lock> {
        self.lock_request("steal", name).await
    }

    /// `unlock`: releases (or stops waiting for) the named lock.
    pub async fn unlock(&self, name: &str) -> Result<()> {
        let r = self
            .call::<_, serde_json::Value>("unlock", &[name])
            .await
            .map(drop);
        let _ = self.send(Command::Unroute {
            monitor: None,
            lock: Some(name.to_owned()),
        });
        r
    }

    /// `monitor_cond_change`: replaces the conditions of a running conditional monitor.
    pub async fn monitor_cond_change(
        &self,
        monitor: &Monitor,
        changes: &ConditionChanges,
    ) -> Result<()> {
        let id = RawValue::from_string(monitor.key.clone())
            .map_err(|e| Error::decode("monitor id", e))?;
        self.call::<_, serde_json::Value>(
            "monitor_cond_change",
            &(&*id, &*id, CondChanges(changes)),
        )
        .await
        .map(drop)
    }

    /// `monitor_cancel`: stops a monitor. Its stream ends.
    pub async fn monitor_cancel(&self, mut monitor: Monitor) -> Result<()> {
        monitor.released = true;
        let id = RawValue::from_string(monitor.key.clone())
            .map_err(|e| Error::decode("monitor id", e))?;
        let r = self
            .call::<_, serde_json::Value>("monitor_cancel", &[&*id])
            .await
            .map(drop);
        let _ = self.send(Command::Unroute {
            monitor: Some(monitor.key.clone()),
            lock: None,
        });
        r
    }
}

/// A running monitor: the stream of changes after its initial contents.
///
/// Events arrive in the server's order and are never dropped. The stream ends (`None`) when the
/// monitor is canceled or the connection closes; after a close, [`Handle::is_closed`] is true.
pub struct Monitor {
    key: String,
    method: MonitorMethod,
    rx: mpsc::UnboundedReceiver<RawNotification>,
    handle: Handle,
    /// The server canceled the monitor.
    done: bool,
    /// Canceled by [`Monitor::cancel`]; nothing to do on drop.
    released: bool,
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("id", &self.key)
            .field("method", &self.method)
            .finish()
    }
}

impl Monitor {
    /// The monitor id sent to the server, as JSON text.
    pub fn id(&self) -> &str {
        &self.key
    }

    /// The method that started this monitor.
    pub fn method(&self) -> MonitorMethod {
        self.method
    }

    /// The handle of the connection this monitor runs on.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Waits for the next event. `None` once the monitor has ended; an error if a notification
    /// could not be decoded.
    ///
    /// `Monitor` is also a [`futures_core::Stream`] of the same items.
    pub async fn next(&mut self) -> Option<Result<MonitorEvent>> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<MonitorEvent>>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(note)) => Poll::Ready(Some(self.decode(note))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The next event if one is already queued.
    pub fn try_next(&mut self) -> Option<Result<MonitorEvent>> {
        if self.done {
            return None;
        }
        let note = self.rx.try_recv().ok()?;
        Some(self.decode(note))
    }

    fn decode(&mut self, note: RawNotification) -> Result<MonitorEvent> {
        let json = &note.frame[note.params];
        let err =
            |what: &str, e: serde_json::Error| Error::decode(format!("{what} notification"), e);
        match note.method {
            NotificationKind::Update => {
                let (_, u): (serde::de::IgnoredAny, TableUpdates) =
                    message::from_json(json).map_err(|e| err("update", e))?;
                Ok(MonitorEvent::Update(u))
            }
            NotificationKind::Update2 => {
                let (_, u): (serde::de::IgnoredAny, TableUpdates2) =
                    message::from_json(json).map_err(|e| err("update2", e))?;
                Ok(MonitorEvent::Update2(u))
            }
            NotificationKind::Update3 => {
                let p: Update3Params = message::from_json(json).map_err(|e| err("update3", e))?;
                Ok(MonitorEvent::Update3 {
                    last_txn_id: p.last_txn_id,
                    updates: p.updates,
                })
            }
            NotificationKind::MonitorCanceled => {
                self.done = true;
                Ok(MonitorEvent::Canceled)
            }
            NotificationKind::Locked | NotificationKind::Stolen => Err(Error::Protocol(
                "lock notification routed to a monitor".into(),
            )),
        }
    }

    /// Replaces the conditions (`monitor_cond_change`).
    pub async fn change_conditions(&self, changes: &ConditionChanges) -> Result<()> {
        self.handle.monitor_cond_change(self, changes).await
    }

    /// Cancels the monitor (`monitor_cancel`).
    pub async fn cancel(self) -> Result<()> {
        let handle = self.handle.clone();
        handle.monitor_cancel(self).await
    }
}

impl futures_core::Stream for Monitor {
    type Item = Result<MonitorEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}

impl Drop for Monitor {
    /// A monitor dropped without [`Monitor::cancel`] is canceled on the server too (without
    /// waiting for the answer), so the server stops sending its updates.
    fn drop(&mut self) {
        if !self.released
            && !self.done
            && let Ok(id) = RawValue::from_string(self.key.clone())
        {
            drop(self.handle.call_raw("monitor_cancel", &[&*id]));
        }
        let _ = self.handle.send(Command::Unroute {
            monitor: Some(self.key.clone()),
            lock: None,
        });
    }
}

/// A change in a lock's ownership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockEvent {
    /// The lock was granted (`locked`).
    Locked,
    /// Another client stole the lock (`stolen`); this client no longer holds it.
    Stolen,
}

/// A lock requested with [`Handle::lock`] or [`Handle::steal`].
pub struct Lock {
    name: String,
    locked: bool,
    rx: mpsc::UnboundedReceiver<RawNotification>,
    handle: Handle,
    /// Unlocked explicitly; nothing to do on drop.
    released: bool,
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("name", &self.name)
            .field("locked", &self.locked)
            .finish()
    }
}

impl Lock {
    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this client holds the lock, as far as the notifications received so far say.
    pub fn is_locked(&self) -> bool {
        self.locked
    }

    /// Waits for the next `locked` or `stolen` notification. `None` if the connection closed.
    pub async fn next_event(&mut self) -> Option<LockEvent> {
        let note = self.rx.recv().await?;
        let ev = if note.method == NotificationKind::Stolen {
            LockEvent::Stolen
        } else {
            LockEvent::Locked
        };
        self.locked = ev == LockEvent::Locked;
        Some(ev)
    }

    /// Waits until the lock is held. Fails if the connection closes first.
    pub async fn wait_locked(&mut self) -> Result<()> {
        while !self.locked {
            if self.next_event().await.is_none() {
                return Err(Error::Closed(Some(format!(
                    "connection ended while waiting for lock {:?}",
                    self.name
                ))));
            }
        }
        Ok(())
    }

    /// Releases the lock (`unlock`).
    pub async fn unlock(mut self) -> Result<()> {
        self.released = true;
        self.handle.unlock(&self.name).await
    }
}

impl Drop for Lock {
    /// A lock dropped without [`Lock::unlock`] is released on the server too (without waiting
    /// for the answer).
    fn drop(&mut self) {
        if !self.released {
            drop(self.handle.call_raw("unlock", &[self.name.as_str()]));
            let _ = self.handle.send(Command::Unroute {
                monitor: None,
                lock: Some(self.name.clone()),
            });
        }
    }
}
