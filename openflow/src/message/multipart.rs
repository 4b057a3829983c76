//! Multipart (statistics) requests and replies.

use super::flow::Oxs;
use super::nicira::{FlowMonitorRequest, FlowUpdate};
use super::{
    GroupDesc, GroupFeatures, GroupStats, MeterConfig, MeterFeatures, MeterStats, OFPG_ALL,
    OFPP_ANY, ONF_VENDOR_ID, Port, PortStats, TableFeatures, get_str, put_str, read_match,
    unsupported,
};
use crate::action::{Instruction, decode_instructions, encode_instructions};
use crate::error::Result;
use crate::matching::Match;
use crate::version::Version;
use crate::wire::{Reader, Writer};

/// Multipart types (`OFPMP_*`).
pub(crate) mod mp {
    pub const DESC: u16 = 0;
    pub const FLOW: u16 = 1;
    pub const AGGREGATE: u16 = 2;
    pub const TABLE: u16 = 3;
    pub const PORT_STATS: u16 = 4;
    pub const GROUP: u16 = 6;
    pub const GROUP_DESC: u16 = 7;
    pub const GROUP_FEATURES: u16 = 8;
    pub const METER: u16 = 9;
    pub const METER_CONFIG: u16 = 10;
    pub const METER_FEATURES: u16 = 11;
    pub const TABLE_FEATURES: u16 = 12;
    pub const PORT_DESC: u16 = 13;
    pub const FLOW_MONITOR: u16 = 16;
    pub const EXPERIMENTER: u16 = 0xffff;
    /// `ONFMP_FLOW_MONITOR`, the OpenFlow 1.3 experimenter form.
    pub const ONF_FLOW_MONITOR: u32 = 1870;
}

/// `OFPMPF_REQ_MORE` / `OFPMPF_REPLY_MORE`: more parts follow.
pub const MORE: u16 = 1;

/// `OFPT_MULTIPART_REQUEST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartRequest {
    /// `OFPMPF_REQ_*` flags ([`MultipartRequest::MORE`]: more requests follow).
    pub flags: u16,
    /// The request.
    pub body: MultipartRequestBody,
}

/// `OFPT_MULTIPART_REPLY`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartReply {
    /// `OFPMPF_REPLY_*` flags ([`MultipartReply::MORE`]: more replies follow).
    pub flags: u16,
    /// The reply.
    pub body: MultipartReplyBody,
}

/// The body of a multipart request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultipartRequestBody {
    /// `OFPMP_DESC`.
    Desc,
    /// `OFPMP_FLOW`.
    Flow(FlowStatsRequest),
    /// `OFPMP_AGGREGATE`.
    Aggregate(FlowStatsRequest),
    /// `OFPMP_TABLE`.
    Table,
    /// `OFPMP_PORT_STATS` for one port or `OFPP_ANY`.
    PortStats(u32),
    /// `OFPMP_PORT_DESC`: one port or `OFPP_ANY` (OpenFlow 1.5; earlier versions can only
    /// ask for all ports, `OFPP_ANY`).
    PortDesc(u32),
    /// `OFPMP_GROUP` for one group or `OFPG_ALL`.
    GroupStats(u32),
    /// `OFPMP_GROUP_DESC`: one group or `OFPG_ALL` (OpenFlow 1.5; earlier versions can only
    /// ask for all groups, `OFPG_ALL`).
    GroupDesc(u32),
    /// `OFPMP_GROUP_FEATURES`.
    GroupFeatures,
    /// `OFPMP_METER` for one meter or `OFPM_ALL`.
    MeterStats(u32),
    /// `OFPMP_METER_CONFIG` for one meter or `OFPM_ALL`.
    MeterConfig(u32),
    /// `OFPMP_METER_FEATURES`.
    MeterFeatures,
    /// `OFPMP_TABLE_FEATURES`: empty to query, or the tables' new features.
    TableFeatures(Vec<TableFeatures>),
    /// Flow monitor requests (`ONFMP_FLOW_MONITOR` in OpenFlow 1.3, `OFPMP_FLOW_MONITOR` in
    /// 1.4+).
    FlowMonitor(Vec<FlowMonitorRequest>),
    /// `OFPMP_EXPERIMENTER` this module does not decode.
    Experimenter {
        /// The experimenter id.
        experimenter: u32,
        /// The experimenter's multipart type.
        exp_type: u32,
        /// The rest of the body.
        data: Vec<u8>,
    },
    /// A multipart type this module does not decode.
    Unknown {
        /// The multipart type.
        type_: u16,
        /// The body after the multipart header.
        body: Vec<u8>,
    },
}

/// The body of a multipart reply.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultipartReplyBody {
    /// `OFPMP_DESC`.
    Desc(Desc),
    /// `OFPMP_FLOW`.
    Flow(Vec<FlowStats>),
    /// `OFPMP_AGGREGATE`.
    Aggregate(AggregateStats),
    /// `OFPMP_TABLE`.
    Table(Vec<TableStats>),
    /// `OFPMP_PORT_STATS`.
    PortStats(Vec<PortStats>),
    /// `OFPMP_PORT_DESC`.
    PortDesc(Vec<Port>),
    /// `OFPMP_GROUP`.
    GroupStats(Vec<GroupStats>),
    /// `OFPMP_GROUP_DESC`.
    GroupDesc(Vec<GroupDesc>),
    /// `OFPMP_GROUP_FEATURES`.
    GroupFeatures(GroupFeatures),
    /// `OFPMP_METER`.
    MeterStats(Vec<MeterStats>),
    /// `OFPMP_METER_CONFIG`.
    MeterConfig(Vec<MeterConfig>),
    /// `OFPMP_METER_FEATURES`.
    MeterFeatures(MeterFeatures),
    /// `OFPMP_TABLE_FEATURES`.
    TableFeatures(Vec<TableFeatures>),
    /// Flow monitor updates (`ONFMP_FLOW_MONITOR` in OpenFlow 1.3, `OFPMP_FLOW_MONITOR` in
    /// 1.4+).
    FlowMonitor(Vec<FlowUpdate>),
    /// `OFPMP_EXPERIMENTER` this module does not decode.
    Experimenter {
        /// The experimenter id.
        experimenter: u32,
        /// The experimenter's multipart type.
        exp_type: u32,
        /// The rest of the body.
        data: Vec<u8>,
    },
    /// A multipart type this module does not decode.
    Unknown {
        /// The multipart type.
        type_: u16,
        /// The body after the multipart header.
        body: Vec<u8>,
    },
}

/// The body of `OFPMP_FLOW` and `OFPMP_AGGREGATE` requests.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FlowStatsRequest {
    /// The table, or `OFPTT_ALL`.
    pub table_id: u8,
    /// Only flows outputting to this port (`OFPP_ANY` for any).
    pub out_port: u32,
    /// Only flows outputting to this group (`OFPG_ANY` for any).
    pub out_group: u32,
    /// The cookie to match.
    pub cookie: u64,
    /// Which cookie bits must match.
    pub cookie_mask: u64,
    /// The flows' match (non-strict: flows at least as specific).
    pub match_: Match,
}

impl Default for FlowStatsRequest {
    fn default() -> FlowStatsRequest {
        FlowStatsRequest {
            table_id: super::OFPTT_ALL,
            out_port: OFPP_ANY,
            out_group: super::OFPG_ANY,
            cookie: 0,
            cookie_mask: 0,
            match_: Match::new(),
        }
    }
}

impl FlowStatsRequest {
    fn decode(r: &mut Reader<'_>, v: Version) -> Result<FlowStatsRequest> {
        let table_id = r.u8()?;
        r.skip(3)?;
        let out_port = r.u32()?;
        let out_group = r.u32()?;
        r.skip(4)?;
        let cookie = r.u64()?;
        let cookie_mask = r.u64()?;
        let match_ = read_match(r, v)?;
        r.finish("the flow stats request")?;
        Ok(FlowStatsRequest {
            table_id,
            out_port,
            out_group,
            cookie,
            cookie_mask,
            match_,
        })
    }

    fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        w.u8(self.table_id);
        w.zeros(3);
        w.u32(self.out_port);
        w.u32(self.out_group);
        w.zeros(4);
        w.u64(self.cookie);
        w.u64(self.cookie_mask);
        self.match_.encode(w, v)
    }
}

/// The `OFPMP_DESC` reply: the switch's description strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Desc {
    /// Manufacturer (at most 256 bytes).
    pub mfr_desc: String,
    /// Hardware (at most 256 bytes).
    pub hw_desc: String,
    /// Software (at most 256 bytes).
    pub sw_desc: String,
    /// Serial number (at most 32 bytes).
    pub serial_num: String,
    /// Datapath (at most 256 bytes).
    pub dp_desc: String,
}

/// One flow's statistics (`OFPMP_FLOW` reply entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FlowStats {
    /// The flow's table.
    pub table_id: u8,
    /// `OFPFSR_*` (OpenFlow 1.5 only; 0 otherwise).
    pub reason: u8,
    /// Seconds the flow has been alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Priority.
    pub priority: u16,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// `OFPFF_*` flags.
    pub flags: u16,
    /// Eviction precedence (OpenFlow 1.4+; 0 otherwise).
    pub importance: u16,
    /// Cookie.
    pub cookie: u64,
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Seconds since the flow last matched (OpenFlow 1.5's OXS idle time, whole seconds;
    /// `None` otherwise).
    pub idle_age: Option<u32>,
    /// The match.
    pub match_: Match,
    /// The instructions.
    pub instructions: Vec<Instruction>,
}

impl FlowStats {
    fn decode(r: &mut Reader<'_>, v: Version) -> Result<FlowStats> {
        let left = r.remaining();
        let len = r.peek_u16(0)? as usize;
        let fixed = if v >= Version::Of15 { 24 } else { 48 };
        if len < fixed || len > left {
            return Err(r.error(format_args!(
                "flow stats length {len} is shorter than {fixed} bytes or overruns its \
                 container ({left} bytes)"
            )));
        }
        let mut e = r.sub(len, "flow stats entry")?;
        e.skip(2)?;
        let mut s = FlowStats::default();
        if v >= Version::Of15 {
            e.skip(2)?;
            s.table_id = e.u8()?;
            s.reason = e.u8()?;
            s.priority = e.u16()?;
            s.idle_timeout = e.u16()?;
            s.hard_timeout = e.u16()?;
            s.flags = e.u16()?;
            s.importance = e.u16()?;
            s.cookie = e.u64()?;
            s.match_ = read_match(&mut e, v)?;
            let oxs = Oxs::decode(&mut e)?;
            (s.duration_sec, s.duration_nsec) = oxs.duration.unwrap_or_default();
            s.idle_age = oxs.idle_time.map(|(sec, _)| sec);
            s.packet_count = oxs.packet_count.unwrap_or_default();
            s.byte_count = oxs.byte_count.unwrap_or_default();
        } else {
            s.table_id = e.u8()?;
            e.skip(1)?;
            s.duration_sec = e.u32()?;
            s.duration_nsec = e.u32()?;
            s.priority = e.u16()?;
            s.idle_timeout = e.u16()?;
            s.hard_timeout = e.u16()?;
            s.flags = e.u16()?;
            let importance = e.u16()?;
            if v >= Version::Of14 {
                s.importance = importance;
            }
            e.skip(2)?;
            s.cookie = e.u64()?;
            s.packet_count = e.u64()?;
            s.byte_count = e.u64()?;
            s.match_ = read_match(&mut e, v)?;
        }
        let n = e.remaining();
        s.instructions = decode_instructions(&mut e, n, v)?;
        Ok(s)
    }

    fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        let start = w.len();
        w.u16(0);
        if v >= Version::Of15 {
            w.zeros(2);
            w.u8(self.table_id);
            w.u8(self.reason);
            w.u16(self.priority);
            w.u16(self.idle_timeout);
            w.u16(self.hard_timeout);
            w.u16(self.flags);
            w.u16(self.importance);
            w.u64(self.cookie);
            self.match_.encode(w, v)?;
            Oxs {
                duration: Some((self.duration_sec, self.duration_nsec)),
                idle_time: self.idle_age.map(|s| (s, 0)),
                packet_count: Some(self.packet_count),
                byte_count: Some(self.byte_count),
                ..Oxs::default()
            }
            .encode(w)?;
        } else {
            if self.reason != 0 || self.idle_age.is_some() {
                return Err(unsupported(
                    "flow stats",
                    v,
                    "the flow stats reason and idle age do not exist",
                ));
            }
            if v < Version::Of14 && self.importance != 0 {
                return Err(unsupported(
                    "flow stats",
                    v,
                    "flow importance does not exist",
                ));
            }
            w.u8(self.table_id);
            w.zeros(1);
            w.u32(self.duration_sec);
            w.u32(self.duration_nsec);
            w.u16(self.priority);
            w.u16(self.idle_timeout);
            w.u16(self.hard_timeout);
            w.u16(self.flags);
            w.u16(self.importance);
            w.zeros(2);
            w.u64(self.cookie);
            w.u64(self.packet_count);
            w.u64(self.byte_count);
            self.match_.encode(w, v)?;
        }
        encode_instructions(&self.instructions, w, v)?;
        w.patch_len(start, start, "flow stats")
    }
}

/// A flow as a flow_mod or a flow stats entry encodes it, read in place: the fields that
/// identify and configure it, and its match and instructions as bytes. Two views with equal
/// fields are the same flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowView<'a> {
    /// The table.
    pub table_id: u8,
    /// Priority.
    pub priority: u16,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// `OFPFF_*` flags.
    pub flags: u16,
    /// Eviction precedence (OpenFlow 1.4+; 0 otherwise).
    pub importance: u16,
    /// Cookie.
    pub cookie: u64,
    /// The `ofp_match`: header, OXM entries and padding to 8 bytes.
    pub match_bytes: &'a [u8],
    /// The instructions.
    pub instructions: &'a [u8],
}

/// One entry of an `OFPMP_FLOW` reply read in place (see [`FlowView`]). Comparing it with a
/// flow_mod's view ([`FlowModView`]) tells whether a switch holds a flow without decoding
/// it; [`FlowStatsView::decode`] gives the whole entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowStatsView<'a> {
    /// The flow.
    pub flow: FlowView<'a>,
    entry: &'a [u8],
    version: Version,
}

impl<'a> FlowStatsView<'a> {
    /// Reads the entry at the start of `buf` (an `OFPMP_FLOW` reply body from there on);
    /// returns it and its length.
    pub fn read(buf: &'a [u8], version: Version) -> Result<(FlowStatsView<'a>, usize)> {
        let r = Reader::new(buf, "flow stats entry");
        let len = r.peek_u16(0)? as usize;
        let fixed = if version >= Version::Of15 { 24 } else { 48 };
        if len < fixed + 4 || len > buf.len() {
            return Err(r.error(format_args!(
                "flow stats length {len} is shorter than {} bytes or overruns its container \
                 ({} bytes)",
                fixed + 4,
                buf.len()
            )));
        }
        let entry = &buf[..len];
        let be16 = |at: usize| u16::from_be_bytes([entry[at], entry[at + 1]]);
        let be64 = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&entry[at..at + 8]);
            u64::from_be_bytes(b)
        };
        // Lengths of the padded ofp_match (and, in 1.5, ofp_stats) at `at`.
        let padded = |at: usize, what: &str| -> Result<usize> {
            let n = entry
                .get(at + 2..at + 4)
                .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
                .ok_or_else(|| r.error_at(at, format_args!("no room for the {what} header")))?;
            if n < 4 || at + n.next_multiple_of(8) > len {
                return Err(r.error_at(
                    at,
                    format_args!(
                        "{what} length {n} is shorter than its header or (padded to 8) \
                         overruns the entry ({len} bytes)"
                    ),
                ));
            }
            Ok(n.next_multiple_of(8))
        };
        let mut view = FlowView::default();
        let match_at = fixed;
        let match_len = padded(match_at, "match")?;
        let mut instructions_at = match_at + match_len;
        if version >= Version::Of15 {
            view.table_id = entry[4];
            view.priority = be16(6);
            view.idle_timeout = be16(8);
            view.hard_timeout = be16(10);
            view.flags = be16(12);
            view.importance = be16(14);
            view.cookie = be64(16);
            instructions_at += padded(instructions_at, "ofp_stats")?;
        } else {
            view.table_id = entry[2];
            view.priority = be16(12);
            view.idle_timeout = be16(14);
            view.hard_timeout = be16(16);
            view.flags = be16(18);
            if version >= Version::Of14 {
                view.importance = be16(20);
            }
            view.cookie = be64(24);
        }
        view.match_bytes = &entry[match_at..match_at + match_len];
        view.instructions = &entry[instructions_at..];
        Ok((
            FlowStatsView {
                flow: view,
                entry,
                version,
            },
            len,
        ))
    }

    /// The whole entry, decoded.
    pub fn decode(&self) -> Result<FlowStats> {
        FlowStats::decode(
            &mut Reader::new(self.entry, "flow stats entry"),
            self.version,
        )
    }

    /// The entry's bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.entry
    }
}

/// The entries of an `OFPMP_FLOW` reply's body, read in place (see [`FlowStatsView`]); an
/// error ends the iteration.
pub fn flow_stats_views(body: &[u8], version: Version) -> FlowStatsViews<'_> {
    FlowStatsViews {
        rest: body,
        version,
    }
}

/// The iterator [`flow_stats_views`] returns.
#[derive(Clone, Debug)]
pub struct FlowStatsViews<'a> {
    rest: &'a [u8],
    version: Version,
}

impl<'a> Iterator for FlowStatsViews<'a> {
    type Item = Result<FlowStatsView<'a>>;
    fn next(&mut self) -> Option<Result<FlowStatsView<'a>>> {
        if self.rest.is_empty() {
            return None;
        }
        match FlowStatsView::read(self.rest, self.version) {
            Ok((view, len)) => {
                self.rest = &self.rest[len..];
                Some(Ok(view))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// A flow_mod (OpenFlow 1.3+) read in place: its command and the flow (see [`FlowView`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowModView<'a> {
    /// `OFPFC_*` command.
    pub command: u8,
    /// The flow.
    pub flow: FlowView<'a>,
}

impl<'a> FlowModView<'a> {
    /// Reads the flow_mod message `msg` (header included).
    pub fn read(msg: &'a [u8]) -> Result<FlowModView<'a>> {
        let r = Reader::new(msg, "flow_mod");
        const FIXED: usize = 48;
        let version = msg.first().copied().unwrap_or(0);
        if msg.len() < FIXED + 4 || version < Version::Of13.wire() || msg.get(1) != Some(&14) {
            return Err(r.error(format_args!(
                "not an OpenFlow 1.3+ flow_mod of at least {} bytes",
                FIXED + 4
            )));
        }
        let be16 = |at: usize| u16::from_be_bytes([msg[at], msg[at + 1]]);
        let n = be16(FIXED + 2) as usize;
        let match_len = n.next_multiple_of(8);
        if n < 4 || FIXED + match_len > msg.len() {
            return Err(r.error_at(
                FIXED,
                format_args!(
                    "match length {n} overruns the flow_mod ({} bytes)",
                    msg.len()
                ),
            ));
        }
        let mut cookie = [0u8; 8];
        cookie.copy_from_slice(&msg[8..16]);
        Ok(FlowModView {
            command: msg[25],
            flow: FlowView {
                table_id: msg[24],
                idle_timeout: be16(26),
                hard_timeout: be16(28),
                priority: be16(30),
                flags: be16(44),
                importance: if version >= Version::Of14.wire() {
                    be16(46)
                } else {
                    0
                },
                cookie: u64::from_be_bytes(cookie),
                match_bytes: &msg[FIXED..FIXED + match_len],
                instructions: &msg[FIXED + match_len..],
            },
        })
    }
}

/// The `OFPMP_AGGREGATE` reply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AggregateStats {
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Flows.
    pub flow_count: u32,
}

/// One table's statistics (`OFPMP_TABLE` reply entry).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TableStats {
    /// The table.
    pub table_id: u8,
    /// Active flows.
    pub active_count: u32,
    /// Packets looked up.
    pub lookup_count: u64,
    /// Packets that matched.
    pub matched_count: u64,
}

fn read_list<T>(
    r: &mut Reader<'_>,
    mut f: impl FnMut(&mut Reader<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let before = r.remaining();
        out.push(f(r)?);
        if r.remaining() >= before {
            return Err(r.error("multipart entry of length zero"));
        }
    }
    Ok(out)
}

impl MultipartRequest {
    /// A request with no flags.
    pub fn new(body: MultipartRequestBody) -> MultipartRequest {
        MultipartRequest { flags: 0, body }
    }

    /// `OFPMPF_REQ_MORE`.
    pub const MORE: u16 = MORE;

    /// Whether more requests of the same transaction follow.
    pub fn more(&self) -> bool {
        self.flags & MORE != 0
    }

    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<MultipartRequest> {
        use MultipartRequestBody as B;
        let type_ = r.u16()?;
        let flags = r.u16()?;
        r.skip(4)?;
        let body = match type_ {
            mp::DESC => empty(r, B::Desc)?,
            mp::FLOW => B::Flow(FlowStatsRequest::decode(r, v)?),
            mp::AGGREGATE => B::Aggregate(FlowStatsRequest::decode(r, v)?),
            mp::TABLE => empty(r, B::Table)?,
            mp::PORT_STATS => B::PortStats(id_pad(r)?),
            mp::PORT_DESC if v >= Version::Of15 => B::PortDesc(id_pad(r)?),
            mp::PORT_DESC => empty(r, B::PortDesc(OFPP_ANY))?,
            mp::GROUP => B::GroupStats(id_pad(r)?),
            mp::GROUP_DESC if v >= Version::Of15 => B::GroupDesc(id_pad(r)?),
            mp::GROUP_DESC => empty(r, B::GroupDesc(OFPG_ALL))?,
            mp::GROUP_FEATURES => empty(r, B::GroupFeatures)?,
            mp::METER => B::MeterStats(id_pad(r)?),
            mp::METER_CONFIG => B::MeterConfig(id_pad(r)?),
            mp::METER_FEATURES => empty(r, B::MeterFeatures)?,
            mp::TABLE_FEATURES => B::TableFeatures(read_list(r, TableFeatures::decode)?),
            mp::FLOW_MONITOR if v >= Version::Of14 => {
                B::FlowMonitor(read_list(r, |r| FlowMonitorRequest::decode(r, v))?)
            }
            mp::EXPERIMENTER => {
                let experimenter = r.u32()?;
                let exp_type = r.u32()?;
                if v == Version::Of13
                    && experimenter == ONF_VENDOR_ID
                    && exp_type == mp::ONF_FLOW_MONITOR
                {
                    B::FlowMonitor(read_list(r, |r| FlowMonitorRequest::decode(r, v))?)
                } else {
                    B::Experimenter {
                        experimenter,
                        exp_type,
                        data: r.bytes(r.remaining())?.to_vec(),
                    }
                }
            }
            _ => B::Unknown {
                type_,
                body: r.bytes(r.remaining())?.to_vec(),
            },
        };
        Ok(MultipartRequest { flags, body })
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        use MultipartRequestBody as B;
        let name = "OFPT_MULTIPART_REQUEST";
        let type_ = match &self.body {
            B::Desc => mp::DESC,
            B::Flow(_) => mp::FLOW,
            B::Aggregate(_) => mp::AGGREGATE,
            B::Table => mp::TABLE,
            B::PortStats(_) => mp::PORT_STATS,
            B::PortDesc(_) => mp::PORT_DESC,
            B::GroupStats(_) => mp::GROUP,
            B::GroupDesc(_) => mp::GROUP_DESC,
            B::GroupFeatures => mp::GROUP_FEATURES,
            B::MeterStats(_) => mp::METER,
            B::MeterConfig(_) => mp::METER_CONFIG,
            B::MeterFeatures => mp::METER_FEATURES,
            B::TableFeatures(_) => mp::TABLE_FEATURES,
            B::FlowMonitor(_) if v >= Version::Of14 => mp::FLOW_MONITOR,
            B::FlowMonitor(_) | B::Experimenter { .. } => mp::EXPERIMENTER,
            B::Unknown { type_, .. } => *type_,
        };
        w.u16(type_);
        w.u16(self.flags);
        w.zeros(4);
        match &self.body {
            B::Desc | B::Table | B::GroupFeatures | B::MeterFeatures => {}
            B::Flow(f) | B::Aggregate(f) => f.encode(w, v)?,
            B::PortStats(p) | B::GroupStats(p) | B::MeterStats(p) | B::MeterConfig(p) => {
                w.u32(*p);
                w.zeros(4);
            }
            B::PortDesc(p) => {
                if v >= Version::Of15 {
                    w.u32(*p);
                    w.zeros(4);
                } else if *p != OFPP_ANY {
                    return Err(unsupported(name, v, "a port desc request for one port"));
                }
            }
            B::GroupDesc(g) => {
                if v >= Version::Of15 {
                    w.u32(*g);
                    w.zeros(4);
                } else if *g != OFPG_ALL {
                    return Err(unsupported(name, v, "a group desc request for one group"));
                }
            }
            B::TableFeatures(t) => {
                for f in t {
                    f.encode(w)?;
                }
            }
            B::FlowMonitor(m) => {
                if v == Version::Of13 {
                    w.u32(ONF_VENDOR_ID);
                    w.u32(mp::ONF_FLOW_MONITOR);
                }
                for x in m {
                    x.encode(w, v)?;
                }
            }
            B::Experimenter {
                experimenter,
                exp_type,
                data,
            } => {
                w.u32(*experimenter);
                w.u32(*exp_type);
                w.bytes(data);
            }
            B::Unknown { body, .. } => w.bytes(body),
        }
        Ok(())
    }
}

fn empty<T>(r: &Reader<'_>, t: T) -> Result<T> {
    r.finish("the multipart header")?;
    Ok(t)
}

fn id_pad(r: &mut Reader<'_>) -> Result<u32> {
    let id = r.u32()?;
    r.skip(4)?;
    r.finish("the multipart request")?;
    Ok(id)
}

impl MultipartReply {
    /// A reply with no flags.
    pub fn new(body: MultipartReplyBody) -> MultipartReply {
        MultipartReply { flags: 0, body }
    }

    /// `OFPMPF_REPLY_MORE`.
    pub const MORE: u16 = MORE;

    /// Whether more replies of the same transaction follow.
    pub fn more(&self) -> bool {
        self.flags & MORE != 0
    }

    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<MultipartReply> {
        use MultipartReplyBody as B;
        let type_ = r.u16()?;
        let flags = r.u16()?;
        r.skip(4)?;
        let body = match type_ {
            mp::DESC => {
                let d = Desc {
                    mfr_desc: get_str(r, 256)?,
                    hw_desc: get_str(r, 256)?,
                    sw_desc: get_str(r, 256)?,
                    serial_num: get_str(r, 32)?,
                    dp_desc: get_str(r, 256)?,
                };
                r.finish("the switch description")?;
                B::Desc(d)
            }
            mp::FLOW => B::Flow(read_list(r, |r| FlowStats::decode(r, v))?),
            mp::AGGREGATE => {
                let a = if v >= Version::Of15 {
                    let oxs = Oxs::decode(r)?;
                    AggregateStats {
                        packet_count: oxs.packet_count.unwrap_or_default(),
                        byte_count: oxs.byte_count.unwrap_or_default(),
                        flow_count: oxs.flow_count.unwrap_or_default(),
                    }
                } else {
                    let a = AggregateStats {
                        packet_count: r.u64()?,
                        byte_count: r.u64()?,
                        flow_count: r.u32()?,
                    };
                    r.skip(4)?;
                    a
                };
                r.finish("the aggregate stats")?;
                B::Aggregate(a)
            }
            mp::TABLE => B::Table(read_list(r, |r| {
                let table_id = r.u8()?;
                r.skip(3)?;
                Ok(TableStats {
                    table_id,
                    active_count: r.u32()?,
                    lookup_count: r.u64()?,
                    matched_count: r.u64()?,
                })
            })?),
            mp::PORT_STATS => B::PortStats(read_list(r, |r| PortStats::decode(r, v))?),
            mp::PORT_DESC => B::PortDesc(read_list(r, |r| Port::decode(r, v))?),
            mp::GROUP => B::GroupStats(read_list(r, GroupStats::decode)?),
            mp::GROUP_DESC => B::GroupDesc(read_list(r, |r| GroupDesc::decode(r, v))?),
            mp::GROUP_FEATURES => {
                let g = GroupFeatures::decode(r)?;
                r.finish("the group features")?;
                B::GroupFeatures(g)
            }
            mp::METER => B::MeterStats(read_list(r, MeterStats::decode)?),
            mp::METER_CONFIG => B::MeterConfig(read_list(r, MeterConfig::decode)?),
            mp::METER_FEATURES => {
                let m = MeterFeatures::decode(r)?;
                r.finish("the meter features")?;
                B::MeterFeatures(m)
            }
            mp::TABLE_FEATURES => B::TableFeatures(read_list(r, TableFeatures::decode)?),
            mp::FLOW_MONITOR if v >= Version::Of14 => {
                B::FlowMonitor(read_list(r, |r| FlowUpdate::decode(r, v))?)
            }
            mp::EXPERIMENTER => {
                let experimenter = r.u32()?;
                let exp_type = r.u32()?;
                if v == Version::Of13
                    && experimenter == ONF_VENDOR_ID
                    && exp_type == mp::ONF_FLOW_MONITOR
                {
                    B::FlowMonitor(read_list(r, |r| FlowUpdate::decode(r, v))?)
                } else {
                    B::Experimenter {
                        experimenter,
                        exp_type,
                        data: r.bytes(r.remaining())?.to_vec(),
                    }
                }
            }
            _ => B::Unknown {
                type_,
                body: r.bytes(r.remaining())?.to_vec(),
            },
        };
        Ok(MultipartReply { flags, body })
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        use MultipartReplyBody as B;
        let type_ = match &self.body {
            B::Desc(_) => mp::DESC,
            B::Flow(_) => mp::FLOW,
            B::Aggregate(_) => mp::AGGREGATE,
            B::Table(_) => mp::TABLE,
            B::PortStats(_) => mp::PORT_STATS,
            B::PortDesc(_) => mp::PORT_DESC,
            B::GroupStats(_) => mp::GROUP,
            B::GroupDesc(_) => mp::GROUP_DESC,
            B::GroupFeatures(_) => mp::GROUP_FEATURES,
            B::MeterStats(_) => mp::METER,
            B::MeterConfig(_) => mp::METER_CONFIG,
            B::MeterFeatures(_) => mp::METER_FEATURES,
            B::TableFeatures(_) => mp::TABLE_FEATURES,
            B::FlowMonitor(_) if v >= Version::Of14 => mp::FLOW_MONITOR,
            B::FlowMonitor(_) | B::Experimenter { .. } => mp::EXPERIMENTER,
            B::Unknown { type_, .. } => *type_,
        };
        w.u16(type_);
        w.u16(self.flags);
        w.zeros(4);
        match &self.body {
            B::Desc(d) => {
                put_str(w, &d.mfr_desc, 256, "mfr_desc")?;
                put_str(w, &d.hw_desc, 256, "hw_desc")?;
                put_str(w, &d.sw_desc, 256, "sw_desc")?;
                put_str(w, &d.serial_num, 32, "serial_num")?;
                put_str(w, &d.dp_desc, 256, "dp_desc")?;
            }
            B::Flow(f) => f.iter().try_for_each(|s| s.encode(w, v))?,
            B::Aggregate(a) => {
                if v >= Version::Of15 {
                    Oxs {
                        packet_count: Some(a.packet_count),
                        byte_count: Some(a.byte_count),
                        flow_count: Some(a.flow_count),
                        ..Oxs::default()
                    }
                    .encode(w)?;
                } else {
                    w.u64(a.packet_count);
                    w.u64(a.byte_count);
                    w.u32(a.flow_count);
                    w.zeros(4);
                }
            }
            B::Table(t) => {
                for s in t {
                    w.u8(s.table_id);
                    w.zeros(3);
                    w.u32(s.active_count);
                    w.u64(s.lookup_count);
                    w.u64(s.matched_count);
                }
            }
            B::PortStats(p) => p.iter().try_for_each(|s| s.encode(w, v))?,
            B::PortDesc(p) => p.iter().try_for_each(|s| s.encode(w, v))?,
            B::GroupStats(g) => g.iter().try_for_each(|s| s.encode(w))?,
            B::GroupDesc(g) => g.iter().try_for_each(|s| s.encode(w, v))?,
            B::GroupFeatures(g) => g.encode(w),
            B::MeterStats(m) => m.iter().try_for_each(|s| s.encode(w))?,
            B::MeterConfig(m) => m.iter().try_for_each(|s| s.encode(w))?,
            B::MeterFeatures(m) => m.encode(w),
            B::TableFeatures(t) => t.iter().try_for_each(|s| s.encode(w))?,
            B::FlowMonitor(u) => {
                if v == Version::Of13 {
                    w.u32(ONF_VENDOR_ID);
                    w.u32(mp::ONF_FLOW_MONITOR);
                }
                u.iter().try_for_each(|s| s.encode(w, v))?
            }
            B::Experimenter {
                experimenter,
                exp_type,
                data,
            } => {
                w.u32(*experimenter);
                w.u32(*exp_type);
                w.bytes(data);
            }
            B::Unknown { body, .. } => w.bytes(body),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Command, Flow};
    use crate::message::Message;

    fn stats_of(line: &str, v: Version) -> FlowStats {
        let fm = Flow::parse(line, v)
            .unwrap()
            .to_flow_mod(Command::Add, v)
            .unwrap();
        FlowStats {
            table_id: fm.table_id,
            priority: fm.priority,
            idle_timeout: 7,
            hard_timeout: 9,
            flags: 1,
            importance: if v >= Version::Of14 { 3 } else { 0 },
            cookie: 0x1234,
            idle_age: (v >= Version::Of15).then_some(5),
            packet_count: 11,
            match_: fm.match_,
            instructions: fm.instructions,
            ..FlowStats::default()
        }
    }

    #[test]
    fn views_read_flow_stats_and_flow_mods_in_place() {
        let lines = [
            "table=3,priority=7,ip,nw_dst=10.0.0.1,actions=ct(commit,zone=5),resubmit(,4)",
            "priority=0,actions=drop",
            "table=9,tcp,tp_dst=80,reg3=0x5/0xff,actions=load:0x1->NXM_NX_REG0[0],output:2",
        ];
        for v in Version::ALL {
            let stats: Vec<FlowStats> = lines.iter().map(|l| stats_of(l, v)).collect();
            let mut w = Writer::new();
            for s in &stats {
                s.encode(&mut w, v).unwrap();
            }
            let body = w.into_vec();
            let views: Vec<FlowStatsView<'_>> =
                flow_stats_views(&body, v).map(|e| e.unwrap()).collect();
            assert_eq!(views.len(), stats.len());
            for ((view, s), line) in views.iter().zip(&stats).zip(lines) {
                // The entry decodes to what was encoded (as canonical bytes).
                let mut again = Writer::new();
                view.decode().unwrap().encode(&mut again, v).unwrap();
                assert_eq!(again.as_slice(), view.bytes(), "{v} {line}");
                let f = &view.flow;
                assert_eq!(
                    (f.table_id, f.priority, f.idle_timeout, f.hard_timeout),
                    (s.table_id, s.priority, 7, 9)
                );
                assert_eq!((f.flags, f.importance, f.cookie), (1, s.importance, 0x1234));
                // The flow_mod of the same flow has the same match and instruction bytes.
                let fm = Flow::parse(line, v)
                    .unwrap()
                    .to_flow_mod(Command::Add, v)
                    .unwrap();
                let bytes = Message::FlowMod(fm).encode(v, 1).unwrap();
                let m = FlowModView::read(&bytes).unwrap();
                assert_eq!(m.flow.match_bytes, f.match_bytes, "{v} {line}");
                assert_eq!(m.flow.instructions, f.instructions, "{v} {line}");
            }
            // Every truncation is an error, never a panic.
            for cut in 0..body.len() {
                let _ = flow_stats_views(&body[..cut], v).count();
            }
        }
        assert!(FlowModView::read(&[4, 14, 0, 8, 0, 0, 0, 0]).is_err());
    }
}
