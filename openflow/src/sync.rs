//! Flow-table sync: from the flows a switch should hold and the flows it holds, the fewest
//! flow_mods that make it so — adds for missing flows, `MODIFY_STRICT` for flows whose
//! actions changed, `ADD` (which replaces) for flows whose cookie, timeouts, flags or
//! importance changed, `DELETE_STRICT` for flows no longer wanted — sent in one atomic
//! bundle.
//!
//! Flows are compared in their canonical form for the connection's version (see
//! [`Flow::canonical`]), so a flow written `load:1->reg0[0]` and dumped back as
//! `set_field:0x1/0x1->reg0` is the same flow: a no-op sync sends nothing, where
//! `ovs-ofctl replace-flows` re-sends every flow whose spelling differs.
//!
//! [`plan`] compares without decoding what it need not: each desired flow's flow_mod is
//! encoded once ([`Desired`]), and the switch's dump is read in place ([`Dump`]); a dumped
//! flow whose match, instructions and settings are byte for byte those of a desired flow's
//! flow_mod is that flow. Only flows that differ in bytes are decoded and compared in their
//! canonical forms, so a spelling the switch encodes differently is still no change. To let
//! the switch build its dump while the desired flows are prepared, send the dump request
//! first ([`start_dump`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use crate::conn::{Frame, Handle, ReplyStream};
use crate::error::{Error, Result};
use crate::field::FxMap;
use crate::flow::{Command, Flow, FlowModEncoder};
use crate::matching::Match;
use crate::message::{
    FlowModView, FlowStatsRequest, FlowStatsView, FlowStatsViews, FlowView, Message,
    MultipartRequest, MultipartRequestBody, flow_stats_views,
};
use crate::version::Version;
use crate::wire::Writer;

/// What identifies a flow in a table: table, priority and match.
type Key<'a> = (u8, u16, &'a Match);

/// The same, as encoded: table, priority and `ofp_match` bytes.
type RawKey<'a> = (u8, u16, &'a [u8]);

/// The flow_mods a sync sends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Flows to add.
    pub adds: Vec<Flow>,
    /// Flows whose actions change (sent as `MODIFY_STRICT`, keeping their counters).
    pub modifies: Vec<Flow>,
    /// Flows to replace (their cookie, timeouts, flags or importance change; sent as
    /// `ADD`).
    pub replaces: Vec<Flow>,
    /// Flows to delete (sent as `DELETE_STRICT`).
    pub deletes: Vec<Flow>,
}

impl Plan {
    /// Whether nothing needs sending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many flow_mods the plan sends.
    pub fn len(&self) -> usize {
        self.adds.len() + self.modifies.len() + self.replaces.len() + self.deletes.len()
    }

    /// The plan's flows with the command each is sent with, in the order they are sent:
    /// deletes first, then adds, replaces and modifies.
    pub fn commands(&self) -> impl Iterator<Item = (Command, &Flow)> {
        let groups: [(&[Flow], Command); 4] = [
            (&self.deletes, Command::DeleteStrict),
            (&self.adds, Command::Add),
            (&self.replaces, Command::Add),
            (&self.modifies, Command::ModifyStrict),
        ];
        groups
            .into_iter()
            .flat_map(|(flows, command)| flows.iter().map(move |f| (command, f)))
    }

    /// Encodes the plan's flow_mods (in the order of [`Plan::commands`]), each with an xid
    /// from `next_xid`.
    pub fn flow_mods(
        &self,
        version: Version,
        mut next_xid: impl FnMut() -> u32,
    ) -> Result<Vec<Vec<u8>>> {
        self.commands()
            .map(|(command, f)| {
                let mut w = Writer::with_capacity(256);
                Message::FlowMod(f.to_flow_mod(command, version)?).encode_into(
                    version,
                    next_xid(),
                    &mut w,
                )?;
                Ok(w.into_vec())
            })
            .collect()
    }

    /// Files the difference between a wanted flow and the held flow with the same key, both
    /// canonical.
    fn compare(&mut self, want: &Flow, have: &Flow) {
        let same_meta = want.new_cookie == have.new_cookie
            && want.idle_timeout == have.idle_timeout
            && want.hard_timeout == have.hard_timeout
            && want.flags == have.flags
            && want.importance == have.importance;
        if !same_meta {
            self.replaces.push(want.clone());
        } else if want.actions != have.actions {
            self.modifies.push(want.clone());
        }
    }

    fn extend(&mut self, other: Plan) {
        self.adds.extend(other.adds);
        self.modifies.extend(other.modifies);
        self.replaces.extend(other.replaces);
        self.deletes.extend(other.deletes);
    }
}

/// The plan that turns `current` (as dumped from the switch) into `desired`, both compared
/// in their canonical form for `version`. A desired flow listed twice (same table,
/// priority and match) counts once, the last one winning, as when ovs-ofctl adds them in
/// order.
pub fn diff(desired: &[Flow], current: &[Flow], version: Version) -> Plan {
    let want: Vec<Flow> = desired.iter().map(|f| f.canonical(version)).collect();
    let have: Vec<Flow> = current.iter().map(|f| f.canonical(version)).collect();
    let key = |f: &Flow| -> (u8, u16) { (f.table_id.unwrap_or(0), f.priority) };
    let mut wanted: HashMap<Key<'_>, &Flow> = HashMap::with_capacity(want.len());
    for f in &want {
        let (t, p) = key(f);
        wanted.insert((t, p, &f.match_), f);
    }
    let mut plan = Plan::default();
    let mut seen: HashMap<Key<'_>, ()> = HashMap::with_capacity(have.len());
    for h in &have {
        let (t, p) = key(h);
        let k = (t, p, &h.match_);
        seen.insert(k, ());
        match wanted.get(&k) {
            None => plan.deletes.push(h.clone()),
            Some(w) => plan.compare(w, h),
        }
    }
    // Adds in the order given (the last duplicate wins).
    let mut added: HashMap<Key<'_>, usize> = HashMap::new();
    for f in &want {
        let (t, p) = key(f);
        let k = (t, p, &f.match_);
        if seen.contains_key(&k) {
            continue;
        }
        match added.get(&k) {
            Some(&i) => plan.adds[i] = f.clone(),
            None => {
                added.insert(k, plan.adds.len());
                plan.adds.push(f.clone());
            }
        }
    }
    plan
}

/// Builds [`Desired`] flows a flow at a time, keeping only their flow_mods: from typed
/// flows ([`DesiredEncoder::push`], as [`Desired::encode`]) or from lines of ovs-ofctl's
/// flow syntax ([`DesiredEncoder::push_line`], parsed and encoded without allocating for
/// each flow).
///
/// ```
/// use openflow::Version;
/// use openflow::sync::DesiredEncoder;
///
/// let mut enc = DesiredEncoder::new(Version::Of15);
/// enc.push_line("table=0,priority=10,ip,actions=resubmit(,1)").unwrap();
/// enc.push_line("table=1,actions=drop").unwrap();
/// assert!(enc.push_line("table=1,bogus=1,actions=drop").is_err());
/// let desired = enc.finish();
/// assert_eq!(desired.len(), 2);
/// ```
#[derive(Debug)]
pub struct DesiredEncoder {
    enc: FlowModEncoder,
    w: Writer,
    ends: Vec<(u32, u32)>,
}

impl DesiredEncoder {
    /// An encoder of desired flows under `version`.
    pub fn new(version: Version) -> DesiredEncoder {
        DesiredEncoder::with_capacity(version, 0)
    }

    /// [`DesiredEncoder::new`], with room for `flows` flows (a few hundred at least).
    pub fn with_capacity(version: Version, flows: usize) -> DesiredEncoder {
        let n = flows.max(256);
        DesiredEncoder {
            enc: FlowModEncoder::new(version),
            w: Writer::with_capacity(n * 256),
            ends: Vec::with_capacity(n),
        }
    }

    /// Adds `flow`.
    pub fn push(&mut self, flow: Flow) -> Result<()> {
        let version = self.enc.version();
        Message::FlowMod(flow.into_flow_mod(Command::Add, version)?).encode_into(
            version,
            0,
            &mut self.w,
        )?;
        self.end()
    }

    /// Adds the flow of `line`, in ovs-ofctl's flow syntax (as [`Flow::parse`] reads it).
    pub fn push_line(&mut self, line: &str) -> Result<()> {
        self.enc.encode_line(line, Command::Add, 0, &mut self.w)?;
        self.end()
    }

    /// Notes where the flow_mod just added ends.
    fn end(&mut self) -> Result<()> {
        let end = u32::try_from(self.w.len())
            .map_err(|_| Error::encode("desired flows", "more than 4 GiB of flow_mods"))?;
        self.ends.push((0, end));
        Ok(())
    }

    /// The desired flows added.
    pub fn finish(self) -> Desired<'static> {
        Desired {
            version: self.enc.version(),
            flows: None,
            buffers: vec![self.w.into_vec()],
            ends: self.ends,
        }
    }
}

/// Desired flows, each with its flow_mod (`ADD`) encoded once under one version: what
/// [`plan`] compares a switch's [`Dump`] with. Made from typed flows kept beside their
/// flow_mods ([`Desired::new`]), or from flows consumed as they are encoded
/// ([`Desired::encode`]: the flow_mods alone are kept, and the few flows a plan needs are
/// decoded from them).
#[derive(Debug)]
pub struct Desired<'a> {
    version: Version,
    /// The flows, unless only their flow_mods are kept.
    flows: Option<Cow<'a, [Flow]>>,
    /// The flow_mods, one after the other, in one buffer per part (parts encoded apart are
    /// not copied together).
    buffers: Vec<Vec<u8>>,
    /// Where each flow's flow_mod is: its buffer, and where it ends there (it starts where
    /// the flow before it ends, or at 0 when that one is in another buffer).
    ends: Vec<(u32, u32)>,
}

impl<'a> Desired<'a> {
    /// Encodes the flow_mod of every flow of `flows` (a `Vec` or a slice) under `version`,
    /// keeping the flows.
    pub fn new(flows: impl Into<Cow<'a, [Flow]>>, version: Version) -> Result<Desired<'a>> {
        let flows = flows.into();
        let mut d = Desired::encode(flows.iter().cloned(), version)?;
        d.flows = Some(flows);
        Ok(d)
    }

    /// Encodes the flow_mod of every flow of `flows` under `version`, keeping only the
    /// flow_mods (a tenth of the memory of typed flows).
    pub fn encode(
        flows: impl IntoIterator<Item = Flow>,
        version: Version,
    ) -> Result<Desired<'static>> {
        let flows = flows.into_iter();
        let mut enc = DesiredEncoder::with_capacity(version, flows.size_hint().0);
        for f in flows {
            enc.push(f)?;
        }
        Ok(enc.finish())
    }

    /// The desired flows of several parts, in order (e.g. parts encoded on several threads);
    /// errors when their versions differ. The flows are kept if every part keeps them.
    pub fn concat(parts: Vec<Desired<'a>>, version: Version) -> Result<Desired<'a>> {
        let keep = parts.iter().all(|p| p.flows.is_some());
        let mut flows = Vec::with_capacity(if keep {
            parts.iter().map(Desired::len).sum()
        } else {
            0
        });
        let mut buffers = Vec::with_capacity(parts.iter().map(|p| p.buffers.len()).sum());
        let mut ends = Vec::with_capacity(parts.iter().map(Desired::len).sum());
        for p in parts {
            if p.version != version {
                return Err(Error::encode(
                    "desired flows",
                    format_args!(
                        "a part is OpenFlow {}, not {}",
                        p.version.short_name(),
                        version.short_name()
                    ),
                ));
            }
            let base = u32::try_from(buffers.len())
                .map_err(|_| Error::encode("desired flows", "too many parts"))?;
            buffers.extend(p.buffers);
            ends.extend(p.ends.iter().map(|&(b, end)| (b + base, end)));
            if keep && let Some(f) = p.flows {
                flows.extend(f.into_owned());
            }
        }
        Ok(Desired {
            version,
            flows: keep.then_some(Cow::Owned(flows)),
            buffers,
            ends,
        })
    }

    /// The version the flow_mods are encoded under.
    pub fn version(&self) -> Version {
        self.version
    }

    /// How many flows there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no flow.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Flow `i` (decoded from its flow_mod when the flows are not kept).
    pub fn flow(&self, i: usize) -> Result<Cow<'_, Flow>> {
        if let Some(f) = self.flows.as_ref().and_then(|f| f.get(i)) {
            return Ok(Cow::Borrowed(f));
        }
        let bytes = self.flow_mod(i).ok_or_else(|| {
            Error::encode(
                "desired flows",
                format_args!("no flow {i} of {}", self.len()),
            )
        })?;
        match Message::decode(bytes)? {
            (_, _, Message::FlowMod(fm)) => Ok(Cow::Owned(Flow::from_flow_mod(&fm))),
            (_, _, m) => Err(Error::decode(
                "desired flows",
                0,
                format_args!("flow {i} is a {}, not a flow_mod", m.name()),
            )),
        }
    }

    /// The flow_mod of flow `i`.
    pub fn flow_mod(&self, i: usize) -> Option<&[u8]> {
        let (buffer, end) = *self.ends.get(i)?;
        let start = match i.checked_sub(1).map(|j| self.ends[j]) {
            Some((b, e)) if b == buffer => e,
            _ => 0,
        };
        self.buffers
            .get(buffer as usize)?
            .get(start as usize..end as usize)
    }
}

/// A switch's flow tables as dumped (`OFPMP_FLOW` replies), kept as received and read in
/// place.
#[derive(Clone, Debug)]
pub struct Dump {
    version: Version,
    replies: Vec<Frame>,
}

impl Dump {
    /// A dump from the parts of an `OFPMP_FLOW` reply under `version`; errors when a part is
    /// not such a reply.
    pub fn new(replies: Vec<Frame>, version: Version) -> Result<Dump> {
        for (i, f) in replies.iter().enumerate() {
            flow_reply_body(f, version, i)?;
        }
        Ok(Dump { version, replies })
    }

    /// The version of the replies.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Every flow stats entry, read in place.
    pub fn entries(&self) -> impl Iterator<Item = Result<FlowStatsView<'_>>> {
        let v = self.version;
        self.replies
            .iter()
            .flat_map(move |f| flow_stats_views(f.body().get(8..).unwrap_or_default(), v))
    }

    /// Every flow, decoded.
    pub fn flows(&self) -> Result<Vec<Flow>> {
        self.entries()
            .map(|e| e.and_then(|e| e.decode()).map(|s| Flow::from_stats(&s)))
            .collect()
    }
}

/// The flow stats entries of one part of an `OFPMP_FLOW` reply under `version`, read in
/// place; errors when `reply` is not such a part.
pub fn dump_part_entries(reply: &Frame, version: Version) -> Result<FlowStatsViews<'_>> {
    Ok(flow_stats_views(
        flow_reply_body(reply, version, 0)?,
        version,
    ))
}

/// The entries of `reply`, part `index` of an `OFPMP_FLOW` reply under `version`.
fn flow_reply_body(reply: &Frame, version: Version, index: usize) -> Result<&[u8]> {
    let body = reply.body();
    let mp_type = body.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    match body.get(8..) {
        Some(entries)
            if reply.msg_type() == crate::message::ofpt::MULTIPART_REPLY
                && reply.version() == version.wire()
                && mp_type == Some(1) =>
        {
            Ok(entries)
        }
        _ => Err(Error::decode(
            "flow dump",
            0,
            format_args!(
                "part {index} is not an OpenFlow {} OFPMP_FLOW reply (type {}, version {})",
                version.short_name(),
                reply.msg_type(),
                reply.version()
            ),
        )),
    }
}

/// A dump under way (see [`start_dump`]): await it for the whole [`Dump`], or give it to
/// [`PendingDump::plan`] to compare each part with the desired flows as it arrives.
#[derive(Debug)]
pub struct PendingDump {
    stream: ReplyStream,
    version: Version,
}

impl PendingDump {
    /// Every part of the dump.
    pub async fn collect(self) -> Result<Dump> {
        let version = self.version;
        Dump::new(self.stream.collect().await?, version)
    }

    /// The plan that turns the dumped tables into `desired` (see [`plan`]), each part of
    /// the dump compared as soon as it arrives.
    pub async fn plan(mut self, desired: &Desired<'_>) -> Result<Plan> {
        let mut planner = Planner::new(desired)?;
        if planner.index.version != self.version {
            return Err(version_mismatch(self.version, planner.index.version));
        }
        while let Some(part) = self.stream.next().await {
            // The parts already here are taken together (on two threads when many).
            let mut parts = vec![part?];
            while let Some(part) = self.stream.try_next() {
                parts.push(part?);
            }
            planner.feed_parts(&parts)?;
        }
        planner.finish()
    }
}

impl IntoFuture for PendingDump {
    type Output = Result<Dump>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Dump>> + Send>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.collect())
    }
}

/// Asks the switch behind `handle` for every flow of every table, now; await the result
/// when it is needed (the switch builds its reply meanwhile).
pub fn start_dump(handle: &Handle) -> Result<PendingDump> {
    let v = handle.version();
    let request = Message::MultipartRequest(MultipartRequest {
        flags: 0,
        body: MultipartRequestBody::Flow(FlowStatsRequest::default()),
    })
    .encode(v, handle.next_xid())?;
    Ok(PendingDump {
        stream: handle.start_stream(request)?,
        version: v,
    })
}

/// Every flow of every table of the switch behind `handle`.
pub async fn dump(handle: &Handle) -> Result<Vec<Flow>> {
    start_dump(handle)?.await?.flows()
}

fn version_mismatch(dump: Version, flows: Version) -> Error {
    Error::encode(
        "flow sync",
        format_args!(
            "the dump is OpenFlow {} and the flows OpenFlow {}",
            dump.short_name(),
            flows.short_name()
        ),
    )
}

/// The plan that turns the switch's `dump` into `desired`; the same plan as [`diff`] of the
/// two (the order of the flows within each list aside), computed mostly on bytes.
///
/// Our encoding of a match is a function of its canonical value, so two desired flows
/// with one (table, priority, match) key have one encoded key, and a dumped flow whose
/// encoded key is a desired one's has the same key. The flows whose encoded keys find no
/// partner on the other side can only pair among themselves: they are decoded and
/// compared with [`diff`].
pub fn plan(desired: &Desired<'_>, dump: &Dump) -> Result<Plan> {
    if dump.version != desired.version {
        return Err(version_mismatch(dump.version, desired.version));
    }
    let mut planner = Planner::new(desired)?;
    for entry in dump.entries() {
        planner.feed_entry(&entry?)?;
    }
    planner.finish()
}

/// Below this many bytes of dump at hand, [`Planner::feed_parts`] stays on one thread.
const PARALLEL_FEED_BYTES: usize = 256 * 1024;

/// What looking up some dumped flows ([`Index::look_up`]) on a thread of its own found.
#[derive(Debug, Default)]
struct Found {
    held: Vec<usize>,
    plan: Plan,
    unpaired: Vec<Flow>,
}

/// Computes [`plan`] from a dump given a part (or an entry) at a time.
#[derive(Debug)]
pub struct Planner<'d> {
    index: Index<'d>,
    /// Where the next dumped flow of each table is guessed to be.
    cursor: Cursor,
    /// Which desired flows (the last of their key) the switch holds.
    held: Vec<bool>,
    /// Desired flows a later one with the same encoded key replaces (rare).
    superseded: Vec<usize>,
    plan: Plan,
    /// Dumped flows no desired flow's encoded key names.
    unpaired: Vec<Flow>,
    parts: usize,
}

/// The desired flows by encoded key: what the planner looks dumped flows up in (read
/// only, so that several threads can).
#[derive(Debug)]
struct Index<'d> {
    version: Version,
    desired: &'d Desired<'d>,
    views: Vec<FlowView<'d>>,
    /// Each encoded key's last desired flow (the last one wins).
    last: FxMap<RawKey<'d>, usize>,
    /// Per table, the desired flows that are the last of their key, in order: a switch
    /// dumps a table's flows in the order they were added, so the flow after the last one
    /// found is the likely next one, found without a hash look-up (whose random memory
    /// access is most of a look-up's cost).
    by_table: Vec<Vec<u32>>,
    /// Where each desired flow is in its table's list (`u32::MAX`: superseded).
    position: Vec<u32>,
}

/// Per table, where the next dumped flow is guessed to be in [`Index::by_table`].
type Cursor = [u32; 256];

impl Index<'_> {
    /// Looks `have` up among the desired flows: returns the index of the desired flow it
    /// is (by encoded key), after adding the change to `plan` if they differ; a flow no
    /// desired key names goes to `unpaired`.
    fn look_up(
        &self,
        have: &FlowStatsView<'_>,
        cursor: &mut Cursor,
        plan: &mut Plan,
        unpaired: &mut Vec<Flow>,
    ) -> Result<Option<usize>> {
        let v = self.version;
        let h = &have.flow;
        let t = usize::from(h.table_id);
        let next = cursor[t];
        let guess = self
            .by_table
            .get(t)
            .and_then(|list| list.get(next as usize))
            .map(|&g| g as usize)
            .filter(|&g| {
                let w = &self.views[g];
                w.priority == h.priority && w.match_bytes == h.match_bytes
            });
        let i = match guess {
            Some(g) => g,
            None => match self.last.get(&(h.table_id, h.priority, h.match_bytes)) {
                Some(&i) => i,
                None => {
                    unpaired.push(Flow::from_stats(&have.decode()?));
                    return Ok(None);
                }
            },
        };
        cursor[t] = self.position[i].wrapping_add(1);
        // The same flow, byte for byte.
        if self.views[i] != *h {
            let want = self.desired.flow(i)?.canonical(v);
            let have = Flow::from_stats(&have.decode()?).canonical(v);
            plan.compare(&want, &have);
        }
        Ok(Some(i))
    }
}

impl<'d> Planner<'d> {
    /// A planner for `desired`, before any dumped flow.
    pub fn new(desired: &'d Desired<'_>) -> Result<Planner<'d>> {
        let n = desired.len();
        let mut views = Vec::with_capacity(n);
        let mut last: FxMap<RawKey<'d>, usize> = FxMap::default();
        last.reserve(n);
        let mut superseded = Vec::new();
        for i in 0..n {
            let fm = FlowModView::read(desired.flow_mod(i).unwrap_or_default())?.flow;
            if let Some(j) = last.insert((fm.table_id, fm.priority, fm.match_bytes), i) {
                superseded.push(j);
            }
            views.push(fm);
        }
        let mut position = vec![0u32; n];
        for &j in &superseded {
            position[j] = u32::MAX;
        }
        let mut by_table: Vec<Vec<u32>> = vec![Vec::new(); 256];
        for (i, fm) in views.iter().enumerate() {
            if position[i] != u32::MAX {
                let list = &mut by_table[usize::from(fm.table_id)];
                position[i] = list.len() as u32;
                list.push(i as u32);
            }
        }
        Ok(Planner {
            index: Index {
                version: desired.version,
                desired,
                views,
                last,
                by_table,
                position,
            },
            cursor: [0; 256],
            held: vec![false; n],
            superseded,
            plan: Plan::default(),
            unpaired: Vec::new(),
            parts: 0,
        })
    }

    /// Takes in one part of an `OFPMP_FLOW` reply.
    pub fn feed(&mut self, reply: &Frame) -> Result<()> {
        let v = self.index.version;
        let entries = flow_reply_body(reply, v, self.parts)?;
        self.parts += 1;
        for entry in flow_stats_views(entries, v) {
            self.feed_entry(&entry?)?;
        }
        Ok(())
    }

    /// Takes in one dumped flow.
    pub fn feed_entry(&mut self, have: &FlowStatsView<'_>) -> Result<()> {
        if let Some(i) =
            self.index
                .look_up(have, &mut self.cursor, &mut self.plan, &mut self.unpaired)?
        {
            self.held[i] = true;
        }
        Ok(())
    }

    /// Takes in several parts of an `OFPMP_FLOW` reply, in order, comparing them on two
    /// threads when there are enough entries to be worth it (what [`Planner::feed`] on
    /// each part would do, in the same order).
    pub fn feed_parts(&mut self, replies: &[Frame]) -> Result<()> {
        let bytes: usize = replies.iter().map(|r| r.bytes().len()).sum();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if threads < 2 || replies.len() < 2 || bytes < PARALLEL_FEED_BYTES {
            for r in replies {
                self.feed(r)?;
            }
            return Ok(());
        }
        // Two runs of whole parts with about as many bytes each.
        let mut split = 0;
        let mut first_bytes = 0;
        while split < replies.len() - 1 && first_bytes < bytes / 2 {
            first_bytes += replies[split].bytes().len();
            split += 1;
        }
        let (a, b) = replies.split_at(split);
        let base = self.parts;
        let index = &self.index;
        let run = |parts: &[Frame], first: usize| -> Result<Found> {
            let mut found = Found::default();
            let mut cursor = [0; 256];
            for (k, reply) in parts.iter().enumerate() {
                let entries = flow_reply_body(reply, index.version, first + k)?;
                for entry in flow_stats_views(entries, index.version) {
                    if let Some(i) =
                        index.look_up(&entry?, &mut cursor, &mut found.plan, &mut found.unpaired)?
                    {
                        found.held.push(i);
                    }
                }
            }
            Ok(found)
        };
        let (fa, fb) = std::thread::scope(|scope| {
            let other = scope.spawn(|| run(b, base + a.len()));
            let mine = run(a, base);
            let theirs = other
                .join()
                .unwrap_or_else(|_| Err(Error::encode("flow dump", "a planner thread failed")));
            (mine, theirs)
        });
        self.parts += replies.len();
        for found in [fa?, fb?] {
            for i in found.held {
                self.held[i] = true;
            }
            self.plan.extend(found.plan);
            self.unpaired.extend(found.unpaired);
        }
        Ok(())
    }

    /// The plan, once every dumped flow is in.
    pub fn finish(self) -> Result<Plan> {
        let Planner {
            index:
                Index {
                    version,
                    desired,
                    views,
                    last,
                    ..
                },
            held,
            superseded,
            mut plan,
            unpaired,
            ..
        } = self;
        // A desired flow is missing when the last flow of its key is not held: for a last
        // flow, when it is not held itself (the others are never held).
        let mut missing: Vec<bool> = held.iter().map(|&h| !h).collect();
        for &j in &superseded {
            let fm = &views[j];
            missing[j] = last
                .get(&(fm.table_id, fm.priority, fm.match_bytes))
                .is_none_or(|&i| !held[i]);
        }
        let missing: Vec<Flow> = (0..missing.len())
            .filter(|&i| missing[i])
            .map(|i| desired.flow(i).map(Cow::into_owned))
            .collect::<Result<_>>()?;
        if !missing.is_empty() || !unpaired.is_empty() {
            plan.extend(diff(&missing, &unpaired, version));
        }
        Ok(plan)
    }
}

/// Makes the switch behind `handle` hold exactly `desired`: dumps it, computes the
/// [`Plan`], and sends it in one atomic bundle (nothing when the plan is empty). Returns
/// the plan sent.
pub async fn sync(handle: &Handle, desired: &[Flow]) -> Result<Plan> {
    let pending = start_dump(handle)?;
    let desired = Desired::new(desired, handle.version())?;
    sync_with(handle, &desired, pending).await
}

/// [`sync`] with the desired flows already encoded and the dump already requested (see
/// [`start_dump`]): request the dump first, then prepare the flows while the switch
/// builds it.
pub async fn sync_with(handle: &Handle, desired: &Desired<'_>, dump: PendingDump) -> Result<Plan> {
    let plan = dump.plan(desired).await?;
    send(handle, &plan).await?;
    Ok(plan)
}

/// Sends `plan` in one atomic bundle (nothing when it is empty).
pub async fn send(handle: &Handle, plan: &Plan) -> Result<()> {
    if plan.is_empty() {
        return Ok(());
    }
    let v = handle.version();
    let mut bundle = handle.new_bundle();
    for (command, f) in plan.commands() {
        bundle.push(&Message::FlowMod(f.to_flow_mod(command, v)?))?;
    }
    handle.commit(bundle).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flows(lines: &[&str], v: Version) -> Vec<Flow> {
        lines.iter().map(|l| Flow::parse(l, v).unwrap()).collect()
    }

    #[test]
    fn spellings_do_not_count_as_changes() {
        let v = Version::Of15;
        let desired = flows(
            &[
                "table=1,priority=10,ip,actions=load:0x1->NXM_NX_REG0[0],resubmit(,2)",
                "table=1,priority=9,tcp,tp_dst=80,actions=drop",
            ],
            v,
        );
        let current = flows(
            &[
                "table=1,priority=10,ip,actions=set_field:0x1/0x1->reg0,resubmit(,2)",
                "table=1,priority=9,tcp,tcp_dst=80,actions=drop",
            ],
            v,
        );
        assert!(diff(&desired, &current, v).is_empty());
    }

    #[test]
    fn minimal_changes() {
        let v = Version::Of13;
        let current = flows(
            &[
                "table=1,priority=10,ip,actions=drop",
                "table=1,priority=11,ip,actions=drop",
                "cookie=0x1,table=1,priority=12,ip,actions=drop",
                "table=1,priority=13,ip,actions=drop",
            ],
            v,
        );
        let desired = flows(
            &[
                "table=1,priority=10,ip,actions=drop",
                "table=1,priority=11,ip,actions=output:1",
                "cookie=0x2,table=1,priority=12,ip,actions=drop",
                "table=1,priority=14,ip,actions=drop",
                "table=1,priority=14,ip,actions=output:2",
            ],
            v,
        );
        let plan = diff(&desired, &current, v);
        assert_eq!(plan.modifies.len(), 1);
        assert_eq!(plan.replaces.len(), 1);
        assert_eq!(plan.deletes.len(), 1);
        assert_eq!(plan.deletes[0].priority, 13);
        assert_eq!(plan.adds.len(), 1);
        assert_eq!(
            plan.adds[0].to_dump_text(v),
            "table=1, priority=14,ip actions=output:2"
        );
        assert_eq!(plan.flow_mods(v, || 1).unwrap().len(), 4);
    }

    #[test]
    fn desired_parts_keep_each_flow_mod() {
        let v = Version::Of15;
        let lines = [
            "table=1,priority=10,ip,actions=drop",
            "table=2,priority=11,tcp,tp_dst=80,actions=output:1",
            "table=3,priority=12,actions=resubmit(,4)",
        ];
        let whole = Desired::encode(flows(&lines, v), v).unwrap();
        let parts = vec![
            Desired::encode(flows(&lines[..1], v), v).unwrap(),
            Desired::encode(Vec::new(), v).unwrap(),
            Desired::encode(flows(&lines[1..], v), v).unwrap(),
        ];
        let joined = Desired::concat(parts, v).unwrap();
        assert_eq!(joined.len(), 3);
        for i in 0..3 {
            assert_eq!(joined.flow_mod(i), whole.flow_mod(i));
            assert_eq!(joined.flow(i).unwrap(), whole.flow(i).unwrap());
        }
        assert_eq!(joined.flow_mod(3), None);
        let other = Desired::encode(Vec::new(), Version::Of13).unwrap();
        assert!(Desired::concat(vec![other], v).is_err());
    }

    /// `flows` as a switch dumps them: `OFPMP_FLOW` replies of about 16 KiB.
    fn dump_frames(flows: &[Flow], v: Version) -> Vec<Frame> {
        use crate::message::{FlowStats, MultipartReply, MultipartReplyBody};
        let chunks: Vec<&[Flow]> = flows.chunks(100).collect();
        chunks
            .iter()
            .enumerate()
            .map(|(k, chunk)| {
                let stats = chunk
                    .iter()
                    .map(|f| {
                        let fm = f.to_flow_mod(Command::Add, v).unwrap();
                        FlowStats {
                            table_id: fm.table_id,
                            priority: fm.priority,
                            cookie: fm.cookie,
                            idle_timeout: fm.idle_timeout,
                            match_: fm.match_,
                            instructions: fm.instructions,
                            ..FlowStats::default()
                        }
                    })
                    .collect();
                let m = Message::MultipartReply(MultipartReply {
                    flags: u16::from(k + 1 < chunks.len()),
                    body: MultipartReplyBody::Flow(stats),
                });
                Frame::new(m.encode(v, 7).unwrap().into()).unwrap()
            })
            .collect()
    }

    #[test]
    fn parts_fed_on_two_threads_plan_as_one_by_one() {
        let v = Version::Of15;
        let line = |i: usize| {
            format!(
                "table={},priority={},tcp,reg14={i:#x},tp_dst={},actions=load:{i:#x}->NXM_NX_REG15[],resubmit(,9)",
                i % 7,
                100 + i % 3,
                i % 1000
            )
        };
        let held: Vec<Flow> = (0..3000)
            .map(|i| Flow::parse(&line(i), v).unwrap())
            .collect();
        let frames = dump_frames(&held, v);
        assert!(frames.iter().map(|f| f.bytes().len()).sum::<usize>() > PARALLEL_FEED_BYTES);
        // Changes spread over both halves: other actions, other timeouts, gone, new.
        let mut want = held.clone();
        for f in want.iter_mut().step_by(97) {
            f.actions = Flow::parse("actions=output:7", v).unwrap().actions;
        }
        for f in want.iter_mut().skip(5).step_by(89) {
            f.idle_timeout = 30;
        }
        let mut want: Vec<Flow> = want
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % 101 != 3)
            .map(|(_, f)| f)
            .collect();
        want.push(Flow::parse("table=9,priority=1,actions=drop", v).unwrap());
        let desired = Desired::encode(want.clone(), v).unwrap();
        let texts =
            |flows: &[Flow]| -> Vec<String> { flows.iter().map(|f| f.to_dump_text(v)).collect() };
        let mut one = Planner::new(&desired).unwrap();
        for f in &frames {
            one.feed(f).unwrap();
        }
        let one = one.finish().unwrap();
        let mut two = Planner::new(&desired).unwrap();
        two.feed_parts(&frames).unwrap();
        let two = two.finish().unwrap();
        for (a, b) in [
            (&one.adds, &two.adds),
            (&one.modifies, &two.modifies),
            (&one.replaces, &two.replaces),
            (&one.deletes, &two.deletes),
        ] {
            assert_eq!(texts(a), texts(b));
        }
        // A dump in another order (the guessed next flow is never right) plans the same.
        let mut reversed = held.clone();
        reversed.reverse();
        let mut three = Planner::new(&desired).unwrap();
        three.feed_parts(&dump_frames(&reversed, v)).unwrap();
        let three = three.finish().unwrap();
        let sorted = |flows: &[Flow]| {
            let mut t = texts(flows);
            t.sort();
            t
        };
        for (a, b) in [
            (&one.adds, &three.adds),
            (&one.modifies, &three.modifies),
            (&one.replaces, &three.replaces),
            (&one.deletes, &three.deletes),
        ] {
            assert_eq!(sorted(a), sorted(b));
        }
        let typed = diff(&want, &held, v);
        assert_eq!(one.len(), typed.len());
        assert_eq!(
            (
                one.adds.len(),
                one.modifies.len(),
                one.replaces.len(),
                one.deletes.len()
            ),
            (1, 31, 33, 30)
        );
    }
}
