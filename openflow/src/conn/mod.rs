//! An async connection to a switch: handshake, echo keepalive, xid-correlated requests with
//! multipart reply assembly, batches checked by a barrier (or a bundle commit) with errors
//! mapped to the message that caused them, and a stream of the switch's asynchronous
//! messages.
//!
//! Shaped like hyper's and rtnetlink's drivers: [`connect`] returns a [`Connection`] future
//! that owns the socket and must be spawned (or polled), a cloneable [`Handle`] to talk
//! through, and an [`Events`] receiver for messages no request asked for (packet-ins, port
//! status, flow removed, errors for fire-and-forget messages).
//!
//! ```no_run
//! # async fn demo() -> openflow::Result<()> {
//! use openflow::conn::{Config, connect};
//! let (conn, handle, _events) = connect(&"unix:/run/openvswitch/br0.mgmt".parse()?, Config::default()).await?;
//! tokio::spawn(conn);
//! let xid = handle.next_xid();
//! let barrier = openflow::conn::raw::barrier_request(handle.version(), xid);
//! handle.request(barrier).await?;
//! # Ok(()) }
//! ```
//!
//! This layer moves whole messages as bytes ([`Frame`]), so that large batches are encoded
//! once and written as they are; [`Handle::transact`] and
//! [`Handle::send_messages_checked`] take typed [`Message`]s.
//!
//! Atomic bundles: [`Handle::commit`] applies a [`Bundle`] built in memory;
//! [`Handle::open_bundle`] sends one a part at a time, as the parts are made (on any
//! thread), so that the switch takes the first parts while the rest are encoded:
//!
//! ```no_run
//! # async fn demo(handle: openflow::conn::Handle, parts: Vec<Vec<openflow::message::Message>>) -> openflow::Result<()> {
//! let mut bundle = handle.open_bundle()?;
//! for messages in parts {
//!     let mut part = bundle.part();
//!     for m in &messages {
//!         part.push(m)?;
//!     }
//!     bundle.send(part)?;
//! }
//! // One barrier checks every message; then all are applied, or none.
//! bundle.commit().await?;
//! # Ok(()) }
//! ```

pub mod raw;
mod remote;
mod supervise;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

pub use remote::{DEFAULT_PORT, Passive, Remote};
pub use supervise::{Backoff, OnConnect, Status, Supervisor, supervise};

use crate::ErrorKind;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::version::{Version, VersionSet, negotiate};

/// Settings of a connection.
#[derive(Clone, Debug)]
pub struct Config {
    /// The versions we offer in our hello (all supported ones by default).
    pub versions: VersionSet,
    /// After this long without input (or progress writing data queued for the switch) an
    /// echo request is sent, and after twice this long the connection is dropped as dead
    /// (`None`: never). 5 s by default, as Open vSwitch's controllers.
    pub probe_interval: Option<Duration>,
    /// How long the hello exchange may take.
    pub handshake_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            versions: VersionSet::of(&Version::ALL),
            probe_interval: Some(Duration::from_secs(5)),
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// One whole OpenFlow message as received (header included): at least 8 bytes, and exactly
/// as long as its header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame(Bytes);

impl Frame {
    /// `bytes` as a frame, if it is one whole message (its header's length is its length).
    pub fn new(bytes: Bytes) -> Option<Frame> {
        (bytes.len() >= raw::HEADER_LEN
            && usize::from(u16::from_be_bytes([bytes[2], bytes[3]])) == bytes.len())
        .then_some(Frame(bytes))
    }

    /// The header's version byte.
    pub fn version(&self) -> u8 {
        self.0[0]
    }
    /// The message type.
    pub fn msg_type(&self) -> u8 {
        self.0[1]
    }
    /// The transaction id.
    pub fn xid(&self) -> u32 {
        u32::from_be_bytes([self.0[4], self.0[5], self.0[6], self.0[7]])
    }
    /// The bytes after the 8-byte header.
    pub fn body(&self) -> &[u8] {
        &self.0[raw::HEADER_LEN..]
    }
    /// The whole message.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
    /// The error's kind and data, if this is an error message.
    pub fn error(&self) -> Option<(ErrorKind, Vec<u8>)> {
        raw::parse_error(self)
    }
}

/// The switch's messages that answer no request: packet-ins, port status, flow removed,
/// role status, and errors for messages sent with [`Handle::send`].
pub type Events = mpsc::UnboundedReceiver<Frame>;

/// How a sent message's answer is waited for.
enum Watch {
    /// Nothing waits: errors go to the events channel.
    None,
    /// A request: its reply (all parts of a multipart reply) or its error.
    Reply(oneshot::Sender<Result<Vec<Frame>>>),
    /// A request whose reply parts are passed on one by one as they arrive.
    Stream(mpsc::UnboundedSender<Result<Frame>>),
    /// A batch: every message but the last is watched for errors; the last one's reply (or
    /// error) ends the batch.
    Batch {
        members: Members,
        end: u32,
        tx: oneshot::Sender<Result<Vec<Frame>>>,
    },
    /// More messages of the batch whose last message has xid `end` (not sent yet).
    Extend { end: u32, part: Part },
    /// Tell `tx` once every byte queued before is written to the socket.
    Flushed(oneshot::Sender<()>),
}

/// The xids of one part of a batch (the messages sent in one piece), each with its index
/// in the part.
#[derive(Clone, Debug)]
enum Part {
    /// xids `first`, `first + 1`, ... (the usual case: fresh xids in order).
    Range { first: u32, count: usize },
    /// Disjoint runs of xids (as fresh blocks give them), sorted by their first xids:
    /// `(first, count, index of first)` (and how many messages there are). A part of a
    /// thousand flow_mods takes a few runs, not a thousand entries.
    Runs(Vec<(u32, u32, usize)>, usize),
    /// Any other xids, sorted, with their indexes (and how many messages there are).
    Sorted(Vec<(u32, usize)>, usize),
}

impl Part {
    /// The part of messages whose xids are the runs `runs` (`(first, count)`: xids
    /// `first`, `first + 1`, ...), in order.
    fn from_runs(runs: &[(u32, u32)]) -> Part {
        match runs {
            [] => Part::Range { first: 0, count: 0 },
            &[(first, count)] => Part::Range {
                first,
                count: count as usize,
            },
            runs => {
                // Runs of fresh xids do not overlap: in the order of their first xids,
                // expanded, they are the sorted list, without sorting every xid. Runs that
                // overlap or wrap past `u32::MAX` (xids given by `push_bytes`) take the
                // general way.
                let mut order = Vec::with_capacity(runs.len());
                let mut len = 0usize;
                for &(first, count) in runs {
                    order.push((first, count, len));
                    len += count as usize;
                }
                order.sort_unstable_by_key(|&(first, _, _)| first);
                let end =
                    |&(first, count, _): &(u32, u32, usize)| u64::from(first) + u64::from(count);
                let disjoint = order.windows(2).all(|w| end(&w[0]) <= u64::from(w[1].0))
                    && order.last().is_some_and(|r| end(r) <= 1 << 32);
                if !disjoint {
                    let xids: Vec<u32> = runs
                        .iter()
                        .flat_map(|&(first, count)| (0..count).map(move |i| first.wrapping_add(i)))
                        .collect();
                    return Part::new(&xids);
                }
                Part::Runs(order, len)
            }
        }
    }

    fn new(xids: &[u32]) -> Part {
        let first = xids.first().copied().unwrap_or(0);
        if xids
            .iter()
            .enumerate()
            .all(|(i, &x)| x == first.wrapping_add(i as u32))
        {
            return Part::Range {
                first,
                count: xids.len(),
            };
        }
        let mut sorted: Vec<(u32, usize)> = xids.iter().copied().zip(0..).collect();
        // The first index of an xid used twice wins.
        sorted.sort_unstable();
        sorted.dedup_by_key(|(x, _)| *x);
        Part::Sorted(sorted, xids.len())
    }

    /// The index of the message with `xid`.
    fn index(&self, xid: u32) -> Option<usize> {
        match self {
            Part::Range { first, count } => {
                let i = xid.wrapping_sub(*first) as usize;
                (i < *count).then_some(i)
            }
            Part::Runs(runs, _) => {
                // The last run that starts at or before `xid`.
                let k = runs.partition_point(|&(first, _, _)| first <= xid);
                let &(first, count, at) = runs.get(k.checked_sub(1)?)?;
                let i = xid - first;
                (i < count).then_some(at + i as usize)
            }
            Part::Sorted(v, _) => v
                .binary_search_by_key(&xid, |(x, _)| *x)
                .ok()
                .map(|k| v[k].1),
        }
    }

    /// How many messages there are.
    fn len(&self) -> usize {
        match self {
            Part::Range { count, .. } => *count,
            Part::Runs(_, n) | Part::Sorted(_, n) => *n,
        }
    }
}

/// The messages of a batch before its last one, in the parts they were sent in.
#[derive(Clone, Debug, Default)]
struct Members {
    parts: Vec<Part>,
    len: usize,
}

impl Members {
    fn new(xids: &[u32]) -> Members {
        let mut m = Members::default();
        m.push(Part::new(xids));
        m
    }

    /// Appends the messages of `part`, after those already there.
    fn push(&mut self, part: Part) {
        self.len += part.len();
        self.parts.push(part);
    }

    /// The index of the message with `xid`, counted over every part.
    fn index(&self, xid: u32) -> Option<usize> {
        let mut base = 0;
        for p in &self.parts {
            if let Some(i) = p.index(xid) {
                return Some(base + i);
            }
            base += p.len();
        }
        None
    }

    /// How many messages there are.
    fn len(&self) -> usize {
        self.len
    }
}

struct Cmd {
    bytes: Vec<u8>,
    watch: Watch,
}

struct Shared {
    version: Version,
    next_xid: AtomicU32,
    /// Large buffers the connection has written, for [`Bundle::reserve`] to fill again.
    spare: Arc<Spare>,
}

/// Large written buffers, kept for reuse: a stream of bundle parts of a few hundred KiB
/// each would otherwise have every part fault in and zero fresh pages, which costs more
/// than encoding into them.
#[derive(Default)]
struct Spare(std::sync::Mutex<Vec<Vec<u8>>>);

impl Spare {
    /// How many buffers are kept at most: about as many parts as are in flight at once
    /// (a producer on several threads that waits now and then for what it queued to be
    /// written has some ten in flight).
    const KEEP: usize = 16;
    /// Larger buffers are not kept (a one-off huge batch would hold its memory).
    const MAX_CAPACITY: usize = 1 << 20;

    /// Keeps `buf` (cleared) unless enough are kept or it is too large.
    fn give(&self, mut buf: Vec<u8>) {
        if buf.capacity() > Self::MAX_CAPACITY {
            return;
        }
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() < Self::KEEP {
            buf.clear();
            kept.push(buf);
        }
    }

    /// A kept buffer, if any.
    fn take(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }
}

/// Talks to the switch through its [`Connection`]; cheap to clone.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::UnboundedSender<Cmd>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("version", &self.shared.version)
            .finish_non_exhaustive()
    }
}

impl Handle {
    /// The negotiated OpenFlow version: every message sent must use it.
    pub fn version(&self) -> Version {
        self.shared.version
    }

    /// A fresh transaction id.
    pub fn next_xid(&self) -> u32 {
        self.shared.next_xid.fetch_add(1, Ordering::Relaxed)
    }

    fn submit(&self, bytes: Vec<u8>, watch: Watch) -> Result<()> {
        self.tx
            .send(Cmd { bytes, watch })
            .map_err(|_| Error::Closed(None))
    }

    /// Sends one or more whole messages without waiting; errors the switch sends for them
    /// arrive on the [`Events`] channel.
    pub fn send(&self, messages: Vec<u8>) -> Result<()> {
        check_messages(&messages)?;
        self.submit(messages, Watch::None)
    }

    /// Waits until every message sent before the call is written to the socket (handed to
    /// the kernel), not answered. A producer of many messages waits on this now and then
    /// to keep what is queued in memory bounded when the switch reads slower than it
    /// produces.
    pub async fn flushed(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.submit(Vec::new(), Watch::Flushed(tx))?;
        rx.await.map_err(|_| Error::Closed(None))
    }

    /// Sends one request and waits for its reply: every part of a multipart reply, in
    /// order, or [`Error::Switch`] if the switch answered with an error.
    pub async fn request(&self, message: Vec<u8>) -> Result<Vec<Frame>> {
        self.start_request(message)?.await
    }

    /// Sends one request now and returns its [`Reply`], to be awaited later: the switch
    /// works on it while the caller does something else. See [`Handle::request`].
    pub fn start_request(&self, message: Vec<u8>) -> Result<Reply> {
        one_message(&message, "request")?;
        let (tx, rx) = oneshot::channel();
        self.submit(message, Watch::Reply(tx))?;
        Ok(Reply(rx))
    }

    /// Sends one request now and returns a [`ReplyStream`] that yields each part of its
    /// reply as it arrives (a flow dump of 100k flows comes in hundreds of parts), so that
    /// they can be worked on while the rest is on its way.
    pub fn start_stream(&self, message: Vec<u8>) -> Result<ReplyStream> {
        one_message(&message, "request")?;
        let (tx, rx) = mpsc::unbounded_channel();
        self.submit(message, Watch::Stream(tx))?;
        Ok(ReplyStream { rx, done: false })
    }

    /// Sends many messages (concatenated) whose last one is a request (a barrier, a bundle
    /// commit) and waits for that request's reply. An error the switch sends for any earlier
    /// message fails the batch with [`Error::Failed`] naming the message's index; the switch
    /// processes messages in order, so when the last reply arrives every earlier error has.
    pub async fn batch(&self, messages: Vec<u8>) -> Result<Vec<Frame>> {
        let xids = check_messages(&messages)?;
        let Some((&end, members)) = xids.split_last() else {
            return Err(Error::encode("batch", "no messages"));
        };
        self.start_batch(messages, Members::new(members), end)?
            .await
    }

    fn start_batch(&self, messages: Vec<u8>, members: Members, end: u32) -> Result<Reply> {
        let (tx, rx) = oneshot::channel();
        self.submit(messages, Watch::Batch { members, end, tx })?;
        Ok(Reply(rx))
    }

    /// Sends `messages` followed by a barrier request, and waits for the barrier's reply;
    /// see [`Handle::batch`].
    pub async fn send_checked(&self, mut messages: Vec<u8>) -> Result<()> {
        messages.extend(raw::barrier_request(self.version(), self.next_xid()));
        self.batch(messages).await.map(|_| ())
    }

    /// Sends a typed request (with a fresh xid) and decodes its reply: every part of a
    /// multipart reply, in order. See [`Handle::request`].
    pub async fn transact(&self, message: &Message) -> Result<Vec<Message>> {
        let bytes = message.encode(self.version(), self.next_xid())?;
        self.request(bytes)
            .await?
            .iter()
            .map(|f| Message::decode(f.bytes()).map(|(_, _, m)| m))
            .collect()
    }

    /// Sends typed messages (each with a fresh xid) followed by a barrier, and waits for the
    /// barrier; an error for any of them fails with [`Error::Failed`] naming its index.
    pub async fn send_messages_checked(&self, messages: &[Message]) -> Result<()> {
        let v = self.version();
        let mut w = crate::wire::Writer::new();
        for m in messages {
            m.encode_into(v, self.next_xid(), &mut w)?;
        }
        self.send_checked(w.into_vec()).await
    }

    /// Applies `messages` (each a flow_mod, group_mod, ...) atomically in one ordered bundle,
    /// or not at all. An error for any message fails the whole bundle with
    /// [`Error::Failed`] naming the message's index in `messages`.
    ///
    /// Open vSwitch checks each message when it is added and reports a bad one right away,
    /// leaving it out of the bundle; a commit would then apply the others. So the adds are
    /// followed by a barrier, and the bundle is discarded (not committed) when any add
    /// failed. Errors found at commit time (the switch rolls back) are mapped to their
    /// message the same way.
    pub async fn bundle(&self, messages: &[Vec<u8>]) -> Result<()> {
        let mut bundle = self.new_bundle();
        for m in messages {
            bundle.push_bytes(m)?;
        }
        self.commit(bundle).await
    }

    /// An empty [`Bundle`] for this connection, to fill with [`Bundle::push`] and apply with
    /// [`Handle::commit`].
    pub fn new_bundle(&self) -> Bundle {
        Bundle {
            version: self.version(),
            id: self.next_xid(),
            flags: raw::BUNDLE_ORDERED | raw::BUNDLE_ATOMIC,
            buf: Vec::new(),
            xids: Xids::default(),
            shared: self.shared.clone(),
        }
    }

    /// Applies `bundle` atomically, or not at all; see [`Handle::bundle`]. The bundle is
    /// opened, filled and checked by a barrier in one write (no round trip for the open);
    /// then committed, or discarded when any message failed.
    pub async fn commit(&self, bundle: Bundle) -> Result<()> {
        let mut w = self.open_bundle_with(bundle.id, bundle.flags)?;
        w.send(bundle)?;
        w.commit().await
    }

    /// Starts a [`CheckedBatch`]: messages sent a part at a time as they are made (while
    /// the switch works on the parts before), and checked together by one barrier at the
    /// end. An error for any of them fails the batch with [`Error::Failed`] naming the
    /// message's index over every part.
    pub fn start_checked(&self) -> Result<CheckedBatch> {
        let end = self.next_xid();
        let (tx, rx) = oneshot::channel();
        self.submit(
            Vec::new(),
            Watch::Batch {
                members: Members::default(),
                end,
                tx,
            },
        )?;
        Ok(CheckedBatch {
            handle: self.clone(),
            end,
            members: Members::default(),
            done: Reply(rx),
            finished: false,
        })
    }

    /// Opens an atomic, ordered bundle now and returns a [`BundleWriter`] that sends its
    /// messages a part at a time as they are made: 100k flow_mods can be parsed and
    /// encoded on several threads while the switch takes the parts already sent.
    pub fn open_bundle(&self) -> Result<BundleWriter> {
        self.open_bundle_with(self.next_xid(), raw::BUNDLE_ORDERED | raw::BUNDLE_ATOMIC)
    }

    fn open_bundle_with(&self, id: u32, flags: u16) -> Result<BundleWriter> {
        let v = self.version();
        let open = raw::bundle_control(v, self.next_xid(), id, raw::BUNDLE_OPEN_REQUEST, flags);
        let opened = self.start_request(open)?;
        let adds = self.start_checked()?;
        Ok(BundleWriter {
            adds: Some(adds),
            opened: Some(opened),
            id,
            flags,
            handle: self.clone(),
        })
    }
}

/// Messages sent a part at a time and checked together by one barrier; made by
/// [`Handle::start_checked`], ended by [`CheckedBatch::finish`].
#[derive(Debug)]
pub struct CheckedBatch {
    handle: Handle,
    /// The xid of the barrier that ends the batch.
    end: u32,
    members: Members,
    done: Reply,
    /// Whether the barrier was sent.
    finished: bool,
}

impl CheckedBatch {
    /// Sends `messages` (whole messages one after the other, encoded under the
    /// connection's version, each with its own xid) now, without waiting.
    pub fn send(&mut self, messages: Vec<u8>) -> Result<()> {
        let part = Part::new(&check_messages(&messages)?);
        self.send_part(messages, part)
    }

    fn send_part(&mut self, messages: Vec<u8>, part: Part) -> Result<()> {
        self.members.push(part.clone());
        self.handle.submit(
            messages,
            Watch::Extend {
                end: self.end,
                part,
            },
        )
    }

    /// How many messages were sent.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether no message was sent.
    pub fn is_empty(&self) -> bool {
        self.members.len() == 0
    }

    /// Sends the barrier and waits for its reply: `Ok` when the switch took every message,
    /// else the first error as [`Error::Failed`] with the message's index.
    pub async fn finish(mut self) -> Result<()> {
        self.send_barrier()?;
        (&mut self.done).await.map(|_| ())
    }

    fn send_barrier(&mut self) -> Result<()> {
        if std::mem::replace(&mut self.finished, true) {
            return Ok(());
        }
        let barrier = raw::barrier_request(self.handle.version(), self.end);
        self.handle.submit(barrier, Watch::None)
    }
}

impl Drop for CheckedBatch {
    /// Ends the batch with its barrier (nobody waits for the answer), so that the
    /// connection does not wait for it forever.
    fn drop(&mut self) {
        let _ = self.send_barrier();
    }
}

/// An atomic, ordered bundle being sent a part at a time; made by [`Handle::open_bundle`].
/// Fill [`Bundle`]s made by [`BundleWriter::part`] (on any thread), hand them to
/// [`BundleWriter::send`] in order, then [`BundleWriter::commit`]. Dropping the writer
/// without committing asks the switch to discard the bundle.
#[derive(Debug)]
pub struct BundleWriter {
    /// The adds, checked by a barrier before the commit (`None` once finished).
    adds: Option<CheckedBatch>,
    /// The reply to the open request (`None` once awaited).
    opened: Option<Reply>,
    id: u32,
    flags: u16,
    handle: Handle,
}

impl BundleWriter {
    /// An empty [`Bundle`] of this bundle, to fill (on any thread) and [`BundleWriter::send`].
    pub fn part(&self) -> Bundle {
        Bundle {
            version: self.handle.version(),
            id: self.id,
            flags: self.flags,
            buf: Vec::new(),
            xids: Xids::default(),
            shared: self.handle.shared.clone(),
        }
    }

    /// Sends the messages of `part` now, after those sent before. Errors when `part` was
    /// not made for this bundle or the bundle is finished.
    pub fn send(&mut self, part: Bundle) -> Result<()> {
        if part.id != self.id || part.flags != self.flags {
            return Err(Error::encode(
                "bundle add",
                format_args!(
                    "a part of bundle {:#x} sent to bundle {:#x}",
                    part.id, self.id
                ),
            ));
        }
        let Some(adds) = self.adds.as_mut() else {
            return Err(Error::encode("bundle add", "the bundle is finished"));
        };
        if part.xids.len == 0 {
            return Ok(());
        }
        adds.send_part(part.buf, Part::from_runs(&part.xids.runs))
    }

    /// How many messages were sent.
    pub fn len(&self) -> usize {
        self.adds.as_ref().map_or(0, CheckedBatch::len)
    }

    /// Whether no message was sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn control(&self, kind: u16) -> (u32, Vec<u8>) {
        let xid = self.handle.next_xid();
        let v = self.handle.version();
        (xid, raw::bundle_control(v, xid, self.id, kind, self.flags))
    }

    /// Checks every message sent with a barrier, then commits the bundle: applies every
    /// message atomically, or none. When a message failed (at add time, or at commit
    /// time, when the switch rolls back), the bundle is discarded and the error is
    /// [`Error::Failed`] naming the message's index over every part; a failure of the
    /// commit itself is [`Error::Switch`].
    pub async fn commit(mut self) -> Result<()> {
        let (Some(adds), Some(opened)) = (self.adds.take(), self.opened.take()) else {
            return Err(Error::encode("bundle commit", "the bundle is finished"));
        };
        let members = adds.members.clone();
        let count = members.len();
        let added = adds.finish().await;
        opened.await?;
        if let Err(e) = added {
            let (_, discard) = self.control(raw::BUNDLE_DISCARD_REQUEST);
            let _ = self.handle.request(discard).await;
            return Err(e);
        }
        let (xid, commit) = self.control(raw::BUNDLE_COMMIT_REQUEST);
        // The commit's own error (`index == count`) is the switch's answer to the commit.
        match self.handle.start_batch(commit, members, xid)?.await {
            Ok(_) => Ok(()),
            Err(Error::Failed { index, kind, data }) if index == count => {
                Err(Error::Switch { kind, data })
            }
            Err(e) => Err(e),
        }
    }

    /// Discards the bundle: the switch applies none of its messages.
    pub async fn discard(mut self) -> Result<()> {
        self.adds = None;
        if let Some(opened) = self.opened.take() {
            // An open the switch refused leaves nothing to discard.
            opened.await?;
        }
        let (_, discard) = self.control(raw::BUNDLE_DISCARD_REQUEST);
        self.handle.request(discard).await.map(|_| ())
    }
}

impl Drop for BundleWriter {
    fn drop(&mut self) {
        if self.opened.is_some() {
            let (_, discard) = self.control(raw::BUNDLE_DISCARD_REQUEST);
            // Nothing waits for the switch's reply: it is dropped, not an event.
            let (tx, _) = oneshot::channel();
            let _ = self.handle.submit(discard, Watch::Reply(tx));
        }
    }
}

/// The answer to a request sent with [`Handle::start_request`]: resolves to the reply (every
/// part of a multipart reply, in order) or the switch's error.
#[derive(Debug)]
pub struct Reply(oneshot::Receiver<Result<Vec<Frame>>>);

impl Future for Reply {
    type Output = Result<Vec<Frame>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Vec<Frame>>> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.map_err(|_| Error::Closed(None))?)
    }
}

/// The parts of a reply as they arrive; see [`Handle::start_stream`].
#[derive(Debug)]
pub struct ReplyStream {
    rx: mpsc::UnboundedReceiver<Result<Frame>>,
    done: bool,
}

impl ReplyStream {
    /// The next part of the reply; `None` after the last one (or after an error, which is
    /// the last item).
    pub async fn next(&mut self) -> Option<Result<Frame>> {
        if self.done {
            return None;
        }
        match self.rx.recv().await {
            Some(Ok(f)) => {
                if !raw::is_multipart_more(&f) {
                    self.done = true;
                }
                Some(Ok(f))
            }
            Some(Err(e)) => {
                self.done = true;
                Some(Err(e))
            }
            None => {
                self.done = true;
                Some(Err(Error::Closed(None)))
            }
        }
    }

    /// The next part if it has arrived already (`None`: not yet, or no more).
    pub fn try_next(&mut self) -> Option<Result<Frame>> {
        if self.done {
            return None;
        }
        match self.rx.try_recv() {
            Ok(Ok(f)) => {
                if !raw::is_multipart_more(&f) {
                    self.done = true;
                }
                Some(Ok(f))
            }
            Ok(Err(e)) => {
                self.done = true;
                Some(Err(e))
            }
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => {
                self.done = true;
                Some(Err(Error::Closed(None)))
            }
        }
    }

    /// Every remaining part, in order.
    pub async fn collect(mut self) -> Result<Vec<Frame>> {
        let mut parts = Vec::new();
        while let Some(f) = self.next().await {
            parts.push(f?);
        }
        Ok(parts)
    }
}

/// The messages of one atomic bundle, each encoded straight into its bundle-add message
/// (no copy per message); made by [`Handle::new_bundle`], applied by [`Handle::commit`], or
/// made by [`BundleWriter::part`] and sent by [`BundleWriter::send`]. A clone copies the
/// messages: cloning an empty part is how worker threads get parts of one bundle.
#[derive(Clone)]
pub struct Bundle {
    version: Version,
    id: u32,
    flags: u16,
    buf: Vec<u8>,
    xids: Xids,
    shared: Arc<Shared>,
}

/// The sizes of the blocks of fresh xids a [`Bundle`] takes from its connection at once:
/// the first, then twice the one before, up to the largest. A bundle's messages get runs of
/// consecutive xids however many threads fill bundles at once, the connection's shared
/// counter is touched once per block, not per message, and a bundle of `n` messages uses
/// fewer than `2n + 16` xids (so that the 32-bit counter does not wrap much sooner than
/// with one xid per message: a waiter still registered could then be given a reply).
const XID_FIRST_BLOCK: u32 = 16;
const XID_BLOCK: u32 = 4096;

/// The xids of a bundle's messages, in order, as runs of consecutive xids.
#[derive(Debug, Default)]
struct Xids {
    /// `(first, count)`: xids `first`, `first + 1`, ... `first + count - 1`.
    runs: Vec<(u32, u32)>,
    /// How many messages there are.
    len: usize,
    /// The fresh xids left of the block taken last: `next` up to `end` (excluded).
    next: u32,
    end: u32,
    /// The size of the block to take next (0: the first).
    block: u32,
}

/// Makes room in `buf` for `bytes` more bytes, its capacity a whole number of 64 KiB
/// grains: parts of about the same size get the same capacity, so that a spare buffer fits
/// the next part instead of growing. An empty `buf` too small is replaced, not grown
/// (growing copies the old capacity's bytes).
fn reserve_grains(buf: &mut Vec<u8>, bytes: usize) {
    const GRAIN: usize = 64 * 1024;
    let want = buf.len().saturating_add(bytes);
    if want <= buf.capacity() {
        return;
    }
    let want = want.div_ceil(GRAIN).saturating_mul(GRAIN);
    if buf.is_empty() {
        *buf = Vec::with_capacity(want);
    } else {
        buf.reserve_exact(want - buf.len());
    }
}

/// A clone has the same messages but no block of fresh xids: two clones never hand out the
/// same xid.
impl Clone for Xids {
    fn clone(&self) -> Xids {
        Xids {
            runs: self.runs.clone(),
            len: self.len,
            next: 0,
            end: 0,
            block: 0,
        }
    }
}

impl Xids {
    /// A fresh xid from the block, taking a new block from `counter` when it is used up.
    #[inline]
    fn fresh(&mut self, counter: &AtomicU32) -> u32 {
        if self.next == self.end {
            let size = self.block.clamp(XID_FIRST_BLOCK, XID_BLOCK);
            self.next = counter.fetch_add(size, Ordering::Relaxed);
            self.end = self.next.wrapping_add(size);
            self.block = size.saturating_mul(2).min(XID_BLOCK);
        }
        let xid = self.next;
        self.next = xid.wrapping_add(1);
        xid
    }

    /// Takes back `xid`, the fresh xid handed out last, whose message was not added (it
    /// was never sent): the next message gets it, and the run goes on unbroken.
    #[inline]
    fn unfresh(&mut self, xid: u32) {
        if xid.wrapping_add(1) == self.next {
            self.next = xid;
        }
    }

    /// Records one more message, with `xid`.
    #[inline]
    fn push(&mut self, xid: u32) {
        match self.runs.last_mut() {
            Some((first, count)) if first.wrapping_add(*count) == xid && *count < u32::MAX => {
                *count += 1
            }
            _ => self.runs.push((xid, 1)),
        }
        self.len += 1;
    }
}

impl std::fmt::Debug for Bundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bundle")
            .field("id", &self.id)
            .field("messages", &self.xids.len)
            .field("bytes", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl Bundle {
    /// How many messages the bundle holds.
    pub fn len(&self) -> usize {
        self.xids.len
    }

    /// Whether the bundle holds no message.
    pub fn is_empty(&self) -> bool {
        self.xids.len == 0
    }

    /// How many bytes the bundle's messages take on the wire.
    pub fn byte_len(&self) -> usize {
        self.buf.len()
    }

    /// Reserves room for about `bytes` more bytes of messages. An empty part takes its
    /// memory from a buffer the connection has written, when it kept one.
    pub fn reserve(&mut self, bytes: usize) {
        if self.buf.capacity() == 0
            && let Some(spare) = self.shared.spare.take()
        {
            self.buf = spare;
        }
        reserve_grains(&mut self.buf, bytes);
    }

    /// Adds `message`, encoded under the connection's version with a fresh xid. Errors
    /// (nothing is added) when the message cannot be encoded or its bundle add would
    /// exceed 65,535 bytes.
    pub fn push(&mut self, message: &Message) -> Result<()> {
        let version = self.version;
        self.push_with(|xid, w| message.encode_into(version, xid, w))
    }

    /// Adds the one message `encode(xid, w)` appends to `w`, encoded under the connection's
    /// version with transaction id `xid` (a fresh one): for encoders that write messages in
    /// place, such as [`crate::flow::FlowModEncoder::encode_line`]. Errors (nothing is added)
    /// when `encode` fails, when what it appends is not one message of the connection's
    /// version with that xid, or when the bundle add would exceed 65,535 bytes.
    pub fn push_with(
        &mut self,
        encode: impl FnOnce(u32, &mut crate::wire::Writer) -> Result<()>,
    ) -> Result<()> {
        let xid = self.xids.fresh(&self.shared.next_xid);
        let start = self.buf.len();
        raw::bundle_add_head(self.version, self.id, self.flags, xid, &mut self.buf);
        let inner = self.buf.len();
        let mut w = crate::wire::Writer::from_vec(std::mem::take(&mut self.buf));
        let encoded = encode(xid, &mut w);
        self.buf = w.into_vec();
        let done = encoded
            .and_then(|()| self.check_inner(inner, xid))
            .and_then(|()| raw::finish_bundle_add(&mut self.buf, start));
        if let Err(e) = done {
            self.buf.truncate(start);
            self.xids.unfresh(xid);
            return Err(e);
        }
        self.xids.push(xid);
        Ok(())
    }

    /// Checks that the bytes of `buf` from `inner` on are one message of the connection's
    /// version with transaction id `xid`.
    #[inline]
    fn check_inner(&self, inner: usize, xid: u32) -> Result<()> {
        let msg = self.buf.get(inner..).unwrap_or_default();
        let ok = match msg.first_chunk::<{ raw::HEADER_LEN }>() {
            Some(&[ver, _, l0, l1, x0, x1, x2, x3]) => {
                ver == self.version.wire()
                    && usize::from(u16::from_be_bytes([l0, l1])) == msg.len()
                    && u32::from_be_bytes([x0, x1, x2, x3]) == xid
            }
            None => false,
        };
        if ok {
            Ok(())
        } else {
            self.not_one_message(msg.len(), xid)
        }
    }

    /// The error of [`Bundle::check_inner`]: `len` bytes encoded are not one message with
    /// `xid`.
    #[cold]
    fn not_one_message(&self, len: usize, xid: u32) -> Result<()> {
        Err(Error::encode(
            "bundle add",
            format_args!(
                "the {len} bytes encoded are not one OpenFlow {} message with xid {xid}",
                self.version.short_name()
            ),
        ))
    }

    /// Adds every message of `messages` (whole messages one after the other, encoded under
    /// the connection's version), each with a fresh xid written over its own.
    pub fn push_all(&mut self, messages: &[u8]) -> Result<()> {
        let mut rest = messages;
        while !rest.is_empty() {
            let len = match rest.get(2..4) {
                Some(b) => usize::from(u16::from_be_bytes([b[0], b[1]])),
                None => 0,
            };
            if len < raw::HEADER_LEN || len > rest.len() {
                return Err(Error::encode(
                    "bundle add",
                    format_args!(
                        "message at byte {} has length {len} with {} bytes left",
                        messages.len() - rest.len(),
                        rest.len()
                    ),
                ));
            }
            let (msg, tail) = rest.split_at(len);
            let xid = self.xids.fresh(&self.shared.next_xid);
            let start = self.buf.len();
            raw::bundle_add_head(self.version, self.id, self.flags, xid, &mut self.buf);
            let inner = self.buf.len();
            self.buf.extend_from_slice(msg);
            self.buf[inner + 4..inner + 8].copy_from_slice(&xid.to_be_bytes());
            if let Err(e) = raw::finish_bundle_add(&mut self.buf, start) {
                self.buf.truncate(start);
                self.xids.unfresh(xid);
                return Err(e);
            }
            self.xids.push(xid);
            rest = tail;
        }
        Ok(())
    }

    /// Adds a message already encoded (one whole message, under the connection's version),
    /// keeping its xid.
    pub fn push_bytes(&mut self, message: &[u8]) -> Result<()> {
        let xid = one_message(message, "bundle add")?;
        raw::bundle_add(self.version, self.id, self.flags, message, &mut self.buf)?;
        self.xids.push(xid);
        Ok(())
    }
}

/// Checks that `buf` is one whole message (for `what`); its xid.
fn one_message(buf: &[u8], what: &str) -> Result<u32> {
    match check_messages(buf)?[..] {
        [xid] => Ok(xid),
        ref xids => Err(Error::encode(
            what,
            format_args!("expected one message, got {}", xids.len()),
        )),
    }
}

/// Checks that `buf` is a sequence of whole messages; their xids.
fn check_messages(buf: &[u8]) -> Result<Vec<u32>> {
    let mut xids = Vec::new();
    let mut rest = buf;
    while !rest.is_empty() {
        if rest.len() < raw::HEADER_LEN {
            return Err(Error::encode("message", "shorter than its header"));
        }
        let len = u16::from_be_bytes([rest[2], rest[3]]) as usize;
        if len < raw::HEADER_LEN || len > rest.len() {
            return Err(Error::encode(
                "message",
                format_args!("header length {len} with {} bytes given", rest.len()),
            ));
        }
        xids.push(u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]));
        rest = &rest[len..];
    }
    Ok(xids)
}

/// A boxed byte stream to a switch.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}

/// Connects to `remote`, exchanges hellos and negotiates the version.
pub async fn connect(remote: &Remote, config: Config) -> Result<(Connection, Handle, Events)> {
    let io: Box<dyn Io> = match remote {
        Remote::Unix(p) => Box::new(tokio::net::UnixStream::connect(p).await?),
        Remote::Tcp { host, port } => {
            let s = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
            s.set_nodelay(true)?;
            Box::new(s)
        }
    };
    handshake(io, config).await
}

/// Accepts switches connecting to us (`ptcp:`/`punix:`).
#[derive(Debug)]
pub enum Listener {
    /// A TCP listener.
    Tcp(tokio::net::TcpListener),
    /// A Unix socket listener.
    Unix(tokio::net::UnixListener),
}

impl Listener {
    /// Listens on `passive`.
    pub async fn bind(passive: &Passive) -> Result<Listener> {
        Ok(match passive {
            Passive::Tcp { port, ip } => {
                Listener::Tcp(tokio::net::TcpListener::bind((ip.as_str(), *port)).await?)
            }
            Passive::Unix(p) => Listener::Unix(tokio::net::UnixListener::bind(p)?),
        })
    }

    /// The TCP port listened on (useful with `ptcp:0`).
    pub fn local_port(&self) -> Option<u16> {
        match self {
            Listener::Tcp(l) => l.local_addr().ok().map(|a| a.port()),
            Listener::Unix(_) => None,
        }
    }

    /// Waits for a switch to connect, then exchanges hellos with it.
    pub async fn accept(&self, config: Config) -> Result<(Connection, Handle, Events)> {
        let io: Box<dyn Io> = match self {
            Listener::Tcp(l) => {
                let (s, _) = l.accept().await?;
                s.set_nodelay(true)?;
                Box::new(s)
            }
            Listener::Unix(l) => Box::new(l.accept().await?.0),
        };
        handshake(io, config).await
    }
}

/// Exchanges hellos over `io` and returns the driver, handle and events.
pub async fn handshake(
    mut io: Box<dyn Io>,
    config: Config,
) -> Result<(Connection, Handle, Events)> {
    let ours = config.versions;
    let header_version = ours
        .highest_wire()
        .ok_or_else(|| Error::Version("no version offered".into()))?;
    io.write_all(&raw::hello(header_version, ours, 0)).await?;
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let hello = tokio::time::timeout(config.handshake_timeout, read_frame(&mut io, &mut buf))
        .await
        .map_err(|_| Error::Timeout("no hello from the switch".into()))??
        .ok_or_else(|| Error::Closed(Some("closed before its hello".into())))?;
    if hello.msg_type() == raw::OFPT_ERROR {
        return Err(Error::Version(format!(
            "the switch answered our hello with an error: {:?}",
            hello.error().map(|e| e.0)
        )));
    }
    if hello.msg_type() != raw::OFPT_HELLO {
        return Err(Error::Version(format!(
            "expected a hello, got message type {}",
            hello.msg_type()
        )));
    }
    let peer_bitmap = raw::hello_bitmap(&hello)?;
    let version = match negotiate(ours, hello.version(), peer_bitmap) {
        Ok(v) => v,
        Err(e) => {
            // Tell the switch, as OpenFlow asks (OFPET_HELLO_FAILED / OFPHFC_INCOMPATIBLE).
            let _ = io
                .write_all(&raw::error(header_version, 0, 0, 0, b"incompatible"))
                .await;
            return Err(e);
        }
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let (etx, erx) = mpsc::unbounded_channel();
    let spare = Arc::new(Spare::default());
    let shared = Arc::new(Shared {
        version,
        next_xid: AtomicU32::new(1),
        spare: spare.clone(),
    });
    let conn = Connection {
        inner: Box::pin(drive(io, buf, rx, etx, config, version, spare)),
    };
    Ok((conn, Handle { tx, shared }, erx))
}

/// Reads one frame; `None` at a clean end of stream.
async fn read_frame(io: &mut Box<dyn Io>, buf: &mut BytesMut) -> Result<Option<Frame>> {
    loop {
        if let Some(f) = split_frame(buf)? {
            return Ok(Some(f));
        }
        if io.read_buf(buf).await? == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(Error::Closed(Some("in the middle of a message".into())))
            };
        }
    }
}

/// Takes one whole message off the front of `buf`, if there is one.
fn split_frame(buf: &mut BytesMut) -> Result<Option<Frame>> {
    if buf.len() < raw::HEADER_LEN {
        return Ok(None);
    }
    let len = u16::from_be_bytes([buf[2], buf[3]]) as usize;
    if len < raw::HEADER_LEN {
        return Err(Error::decode(
            "OpenFlow header",
            0,
            format_args!("length {len} is shorter than the header"),
        ));
    }
    if buf.len() < len {
        buf.reserve(len - buf.len());
        return Ok(None);
    }
    Ok(Some(Frame(buf.split_to(len).freeze())))
}

/// Drives one connection; resolves when it ends (`Ok` when the switch closed it cleanly or
/// every [`Handle`] was dropped). Spawn it, or poll it beside your own work.
pub struct Connection {
    inner: Pin<Box<dyn Future<Output = Result<()>> + Send>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").finish_non_exhaustive()
    }
}

impl Future for Connection {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.inner.as_mut().poll(cx)
    }
}

struct BatchState {
    /// The messages before the last one.
    members: Members,
    first_error: Option<(usize, ErrorKind, Vec<u8>)>,
    parts: Vec<Frame>,
    tx: oneshot::Sender<Result<Vec<Frame>>>,
}

enum Waiter {
    /// Collects the parts and sends them all at the end.
    Collect {
        parts: Vec<Frame>,
        tx: oneshot::Sender<Result<Vec<Frame>>>,
    },
    /// Sends each part as it arrives.
    Stream(mpsc::UnboundedSender<Result<Frame>>),
}

struct State {
    /// Requests waiting for their reply, by xid.
    waiters: HashMap<u32, Waiter>,
    /// Batches waiting for their last message's reply, by its xid (few at a time).
    batches: Vec<(u32, BatchState)>,
    events: mpsc::UnboundedSender<Frame>,
    version: Version,
}

impl State {
    fn register(&mut self, bytes: &[u8], watch: Watch) {
        match watch {
            Watch::None | Watch::Flushed(_) => {}
            Watch::Reply(tx) => {
                let xid = xid_of(bytes);
                self.waiters.insert(
                    xid,
                    Waiter::Collect {
                        parts: Vec::new(),
                        tx,
                    },
                );
            }
            Watch::Stream(tx) => {
                self.waiters.insert(xid_of(bytes), Waiter::Stream(tx));
            }
            Watch::Batch { members, end, tx } => {
                self.batches.push((
                    end,
                    BatchState {
                        members,
                        first_error: None,
                        parts: Vec::new(),
                        tx,
                    },
                ));
            }
            Watch::Extend { end, part } => {
                if let Some((_, b)) = self.batches.iter_mut().find(|(e, _)| *e == end) {
                    b.members.push(part);
                }
            }
        }
    }

    fn is_idle(&self) -> bool {
        self.waiters.is_empty() && self.batches.is_empty()
    }

    fn incoming(&mut self, frame: Frame) {
        let xid = frame.xid();
        if let Some(w) = self.waiters.remove(&xid) {
            let error = frame.error();
            let more = error.is_none() && raw::is_multipart_more(&frame);
            match (w, error) {
                (Waiter::Collect { tx, .. }, Some((kind, data))) => {
                    let _ = tx.send(Err(Error::Switch { kind, data }));
                }
                (Waiter::Stream(tx), Some((kind, data))) => {
                    let _ = tx.send(Err(Error::Switch { kind, data }));
                }
                (Waiter::Collect { mut parts, tx }, None) => {
                    parts.push(frame);
                    if more {
                        self.waiters.insert(xid, Waiter::Collect { parts, tx });
                    } else {
                        let _ = tx.send(Ok(parts));
                    }
                }
                (Waiter::Stream(tx), None) => {
                    let _ = tx.send(Ok(frame));
                    if more {
                        self.waiters.insert(xid, Waiter::Stream(tx));
                    }
                }
            }
            return;
        }
        if let Some(k) = self.batches.iter().position(|(end, _)| *end == xid) {
            let error = frame.error();
            if error.is_none() && raw::is_multipart_more(&frame) {
                self.batches[k].1.parts.push(frame);
                return;
            }
            let (_, mut batch) = self.batches.remove(k);
            let result = match (batch.first_error, error) {
                (Some((index, kind, data)), _) => Err(Error::Failed { index, kind, data }),
                (None, Some((kind, data))) => Err(Error::Failed {
                    index: batch.members.len(),
                    kind,
                    data,
                }),
                (None, None) => {
                    batch.parts.push(frame);
                    Ok(batch.parts)
                }
            };
            let _ = batch.tx.send(result);
            return;
        }
        if let Some((kind, data)) = frame.error() {
            for (_, b) in &mut self.batches {
                if let Some(index) = b.members.index(xid) {
                    if b.first_error.is_none() {
                        b.first_error = Some((index, kind, data));
                    }
                    return;
                }
            }
            let _ = self.events.send(frame);
            return;
        }
        // Not an answer anything waits for (including a reply to a batch member): an event.
        let _ = self.events.send(frame);
    }
}

/// Bytes waiting to be written: large messages (a batch, a bundle) are queued as they are,
/// without a copy; small ones are gathered into shared chunks so that writes stay large.
#[derive(Default)]
struct WriteQueue {
    chunks: std::collections::VecDeque<Vec<u8>>,
    /// How much of the first chunk is written.
    head: usize,
    /// Bytes queued and bytes written since the connection began.
    pushed: u64,
    written: u64,
    /// Who waits for the bytes up to a count to be written.
    flushes: Vec<(u64, oneshot::Sender<()>)>,
    /// Where chunks of their own go once written.
    spare: Arc<Spare>,
}

impl WriteQueue {
    /// Messages at least this long get a chunk of their own.
    const OWN_CHUNK: usize = 64 * 1024;

    fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    fn front(&self) -> &[u8] {
        self.chunks
            .front()
            .and_then(|c| c.get(self.head..))
            .unwrap_or_default()
    }

    /// Waits for every byte queued so far to be written.
    fn on_flush(&mut self, tx: oneshot::Sender<()>) {
        if self.written >= self.pushed {
            let _ = tx.send(());
        } else {
            self.flushes.push((self.pushed, tx));
        }
    }

    fn advance(&mut self, n: usize) {
        self.written += n as u64;
        if !self.flushes.is_empty() {
            let written = self.written;
            for (_, tx) in self.flushes.extract_if(.., |(upto, _)| *upto <= written) {
                let _ = tx.send(());
            }
        }
        self.head += n;
        if self.chunks.front().is_some_and(|c| self.head >= c.len()) {
            if let Some(c) = self.chunks.pop_front()
                && c.capacity() >= Self::OWN_CHUNK
            {
                self.spare.give(c);
            }
            self.head = 0;
        }
    }

    fn push(&mut self, bytes: Vec<u8>) {
        if bytes.len() >= Self::OWN_CHUNK {
            self.pushed += bytes.len() as u64;
            self.chunks.push_back(bytes);
        } else {
            self.push_slice(&bytes);
        }
    }

    fn push_slice(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.pushed += bytes.len() as u64;
        match self.chunks.back_mut() {
            Some(c) if c.len() < Self::OWN_CHUNK => c.extend_from_slice(bytes),
            _ => self.chunks.push_back(bytes.to_vec()),
        }
    }
}

/// Queues a command's bytes, after registering what waits for their answer.
fn take(cmd: Cmd, state: &mut State, wbuf: &mut WriteQueue) {
    match cmd.watch {
        Watch::Flushed(tx) => wbuf.on_flush(tx),
        watch => {
            state.register(&cmd.bytes, watch);
            wbuf.push(cmd.bytes);
        }
    }
}

fn xid_of(bytes: &[u8]) -> u32 {
    bytes
        .get(4..8)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

async fn drive(
    io: Box<dyn Io>,
    mut rbuf: BytesMut,
    mut rx: mpsc::UnboundedReceiver<Cmd>,
    events: mpsc::UnboundedSender<Frame>,
    config: Config,
    version: Version,
    spare: Arc<Spare>,
) -> Result<()> {
    let (mut rd, mut wr) = tokio::io::split(io);
    let mut state = State {
        waiters: HashMap::new(),
        batches: Vec::new(),
        events,
        version,
    };
    let mut wbuf = WriteQueue {
        spare,
        ..WriteQueue::default()
    };
    let mut handles_gone = false;
    // When the switch last showed it is alive: it sent something, or took bytes that had
    // waited for it (see the write below).
    let mut last_rx = Instant::now();
    let mut probe_sent = false;
    // Bytes were left waiting after the last write.
    let mut backlog = false;
    let probe = config.probe_interval;
    let mut ticker = tokio::time::interval(probe.map_or(Duration::from_secs(3600), |p| p / 2));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Whole messages already buffered are handled before waiting for more.
        while let Some(frame) = split_frame(&mut rbuf)? {
            last_rx = Instant::now();
            probe_sent = false;
            match frame.msg_type() {
                raw::OFPT_ECHO_REQUEST => {
                    wbuf.push_slice(&raw::echo_reply(&frame));
                }
                raw::OFPT_ECHO_REPLY if frame.xid() == 0 => {}
                _ => state.incoming(frame),
            }
        }
        if handles_gone && wbuf.is_empty() && state.is_idle() {
            let _ = wr.shutdown().await;
            return Ok(());
        }
        tokio::select! {
            n = rd.read_buf(&mut rbuf) => {
                if n? == 0 {
                    return if rbuf.is_empty() {
                        Ok(())
                    } else {
                        Err(Error::Closed(Some("in the middle of a message".into())))
                    };
                }
                if rbuf.capacity() - rbuf.len() < 4096 {
                    rbuf.reserve(64 * 1024);
                }
            }
            n = wr.write(wbuf.front()), if !wbuf.is_empty() => {
                let n = n?;
                if n == 0 {
                    return Err(Error::Closed(Some("the switch stopped reading".into())));
                }
                // As Open vSwitch's rconn: bytes that waited behind others, taken now, show
                // the switch reading. A switch reading a large bundle replies to nothing
                // (our echo request waits behind the bundle) for longer than the probe
                // interval. Bytes taken at once are not counted: a stalled switch takes
                // them until its buffers fill.
                if backlog {
                    last_rx = Instant::now();
                    probe_sent = false;
                }
                wbuf.advance(n);
                backlog = !wbuf.is_empty();
            }
            cmd = rx.recv(), if !handles_gone => {
                match cmd {
                    Some(cmd) => {
                        take(cmd, &mut state, &mut wbuf);
                        // Take what else is queued, so writes are large.
                        while let Ok(cmd) = rx.try_recv() {
                            take(cmd, &mut state, &mut wbuf);
                        }
                    }
                    None => handles_gone = true,
                }
            }
            _ = ticker.tick(), if probe.is_some() => {
                let p = probe.unwrap_or_default();
                let idle = last_rx.elapsed();
                if probe_sent && idle >= p * 2 {
                    return Err(Error::Timeout(format!(
                        "no message from the switch for {idle:?} (echo request unanswered)"
                    )));
                }
                if !probe_sent && idle >= p {
                    wbuf.push_slice(&raw::echo_request(state.version, 0));
                    probe_sent = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_members_give_each_xid_its_index() {
        let range = Members::new(&[u32::MAX - 1, u32::MAX, 0, 1]);
        assert!(matches!(range.parts[..], [Part::Range { count: 4, .. }]));
        assert_eq!(range.index(u32::MAX), Some(1));
        assert_eq!(range.index(1), Some(3));
        assert_eq!(range.index(2), None);
        assert_eq!(range.index(u32::MAX - 2), None);
        let sorted = Members::new(&[9, 3, 7, 3]);
        assert_eq!(sorted.len(), 4);
        assert_eq!(
            [9, 3, 7, 8].map(|x| sorted.index(x)),
            [Some(0), Some(1), Some(2), None]
        );
        assert_eq!(Members::new(&[]).index(0), None);
    }

    /// A part's xids as runs: consecutive xids merge (across the wrap too), a part of one
    /// run is a range, and any other part indexes each xid as the list of its xids would.
    #[test]
    fn bundle_xids_are_kept_as_runs() {
        let lists: [&[u32]; 8] = [
            &[],
            &[5, 6, 7],
            &[u32::MAX - 1, u32::MAX, 0, 1],
            &[9, 3, 7, 3, 4, 5],
            &[1, 2, 3, 10, 11, 2],
            // Disjoint runs, as fresh blocks give them: sorted by run.
            &[10, 11, 1, 2, 3, 20, 4],
            &[u32::MAX, 7, 8],
            // A run across the wrap with another.
            &[u32::MAX, 0, 5],
        ];
        for list in lists {
            let mut xids = Xids::default();
            for &x in list {
                xids.push(x);
            }
            assert_eq!(xids.len, list.len());
            let (runs, listed) = (Part::from_runs(&xids.runs), Part::new(list));
            assert_eq!(runs.len(), list.len(), "{list:?}");
            assert_eq!(
                matches!(runs, Part::Range { .. }),
                matches!(listed, Part::Range { .. }),
                "{list:?}"
            );
            for x in list.iter().copied().chain([0, 8, 12, u32::MAX]) {
                assert_eq!(runs.index(x), listed.index(x), "{list:?} {x}");
            }
        }
        // Disjoint runs stay runs, however long.
        let mut xids = Xids::default();
        for x in (1000..3000).chain(0..1000).chain(5000..5001) {
            xids.push(x);
        }
        let runs = Part::from_runs(&xids.runs);
        assert!(
            matches!(&runs, Part::Runs(r, 3001) if r.len() == 3),
            "{runs:?}"
        );
        assert_eq!(runs.index(0), Some(2000));
        assert_eq!(runs.index(2999), Some(1999));
        assert_eq!(runs.index(5000), Some(3000));
        assert_eq!(runs.index(3000), None);
        assert_eq!(runs.index(u32::MAX), None);
    }

    #[test]
    fn part_buffers_grow_in_whole_grains() {
        let grain = 64 * 1024;
        let mut buf = Vec::with_capacity(10);
        reserve_grains(&mut buf, 100_000);
        assert!(buf.capacity() >= 2 * grain && buf.is_empty());
        // Room enough: nothing changes.
        let cap = buf.capacity();
        reserve_grains(&mut buf, 2 * grain);
        assert_eq!(buf.capacity(), cap);
        // Growing keeps what is there.
        buf.extend_from_slice(b"abc");
        reserve_grains(&mut buf, 2 * grain);
        assert!(buf.capacity() >= 3 * grain);
        assert_eq!(buf, b"abc");
    }

    /// Fresh xids come a block at a time from the connection's counter, consecutive within
    /// a block, blocks doubling up to the largest; a clone of a bundle's xids takes its own
    /// block; an xid taken back is handed out again.
    #[test]
    fn fresh_bundle_xids_come_in_blocks() {
        let counter = AtomicU32::new(u32::MAX - 1);
        let mut a = Xids::default();
        let first: Vec<u32> = (0..3).map(|_| a.fresh(&counter)).collect();
        assert_eq!(first, [u32::MAX - 1, u32::MAX, 0]);
        assert_eq!(counter.load(Ordering::Relaxed), XID_FIRST_BLOCK - 2);
        let mut b = a.clone();
        assert_eq!(b.fresh(&counter), XID_FIRST_BLOCK - 2);
        assert_eq!(a.fresh(&counter), 1);
        a.unfresh(1);
        assert_eq!(a.fresh(&counter), 1);
        // Not the last one handed out: nothing is taken back.
        a.unfresh(0);
        assert_eq!(a.fresh(&counter), 2);
        for _ in 0..XID_FIRST_BLOCK - 5 {
            a.fresh(&counter);
        }
        // `a`'s first block is used up: the next, twice as large, comes after `b`'s.
        let second = 2 * XID_FIRST_BLOCK - 2;
        assert_eq!(a.fresh(&counter), second);
        assert_eq!(
            counter.load(Ordering::Relaxed),
            second + 2 * XID_FIRST_BLOCK
        );
        // A large bundle takes blocks of the largest size, and fewer than 2n + 16 xids.
        let counter = AtomicU32::new(0);
        let mut big = Xids::default();
        for n in 1..=100_000u32 {
            big.fresh(&counter);
            assert!(counter.load(Ordering::Relaxed) < 2 * n + XID_FIRST_BLOCK);
        }
        assert_eq!(big.block, XID_BLOCK);
    }

    #[test]
    fn the_write_queue_keeps_order_and_moves_large_messages() {
        let mut q = WriteQueue::default();
        q.push(vec![1, 2]);
        q.push_slice(&[3]);
        q.push(vec![7; WriteQueue::OWN_CHUNK]);
        q.push(vec![4]);
        assert_eq!(q.chunks.len(), 3);
        let mut out = Vec::new();
        while !q.is_empty() {
            let n = q.front().len().min(1000);
            out.extend_from_slice(&q.front()[..n]);
            q.advance(n);
        }
        assert_eq!(out.len(), 3 + WriteQueue::OWN_CHUNK + 1);
        assert_eq!((out[..3].to_vec(), out[out.len() - 1]), (vec![1, 2, 3], 4));
        // The large message's buffer was kept for reuse, empty.
        let kept = q.spare.take().expect("a written chunk is kept");
        assert!(kept.is_empty() && kept.capacity() >= WriteQueue::OWN_CHUNK);
    }

    #[test]
    fn spare_buffers_are_bounded() {
        let spare = Spare::default();
        assert!(spare.take().is_none());
        spare.give(Vec::with_capacity(Spare::MAX_CAPACITY + 1));
        assert!(spare.take().is_none(), "too large to keep");
        for _ in 0..2 * Spare::KEEP {
            spare.give(vec![1; 10]);
        }
        let mut n = 0;
        while let Some(b) = spare.take() {
            assert!(b.is_empty());
            n += 1;
        }
        assert_eq!(n, Spare::KEEP);
    }

    #[test]
    fn flush_waiters_wake_when_their_bytes_are_written() {
        let mut q = WriteQueue::default();
        let (tx0, mut rx0) = oneshot::channel();
        q.on_flush(tx0);
        assert_eq!(rx0.try_recv(), Ok(()), "nothing queued: at once");
        q.push(vec![1; 10]);
        let (tx1, mut rx1) = oneshot::channel();
        q.on_flush(tx1);
        q.push(vec![2; WriteQueue::OWN_CHUNK]);
        let (tx2, mut rx2) = oneshot::channel();
        q.on_flush(tx2);
        q.advance(9);
        assert!(rx1.try_recv().is_err());
        q.advance(1);
        assert_eq!(rx1.try_recv(), Ok(()));
        assert!(rx2.try_recv().is_err());
        q.advance(WriteQueue::OWN_CHUNK);
        assert_eq!(rx2.try_recv(), Ok(()));
        assert!(q.is_empty());
    }

    #[test]
    fn frames_are_whole_messages() {
        assert!(Frame::new(Bytes::from_static(&[6, 0, 0, 8, 0, 0, 0, 1])).is_some());
        assert!(Frame::new(Bytes::from_static(&[6, 0, 0, 9, 0, 0, 0, 1])).is_none());
        assert!(Frame::new(Bytes::from_static(&[6, 0, 0])).is_none());
        let mut buf = BytesMut::from(&[6u8, 2, 0, 10, 0, 0, 0, 7, 0xaa, 0xbb, 6][..]);
        let f = split_frame(&mut buf).unwrap().unwrap();
        assert_eq!((f.msg_type(), f.xid(), f.body()), (2, 7, &[0xaa, 0xbb][..]));
        assert_eq!(split_frame(&mut buf).unwrap(), None);
        let mut bad = BytesMut::from(&[6u8, 0, 0, 4, 0, 0, 0, 0][..]);
        assert!(split_frame(&mut bad).is_err());
    }
}
