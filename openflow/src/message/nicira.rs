//! Nicira extension messages (packet-in2 and resume with continuations, TLV table, ...) and
//! the flow monitor (ONF experimenter form in OpenFlow 1.3, standard in 1.4+).

use super::{Property, next_prop, put_prop, read_match, unsupported, write_props};
use crate::action::{
    Action, Instruction, decode_actions, decode_instructions, encode_actions, encode_instructions,
};
use crate::error::{Error, Result};
use crate::matching::Match;
use crate::version::Version;
use crate::wire::{Reader, Writer};

mod pint {
    pub const PACKET: u16 = 0;
    pub const FULL_LEN: u16 = 1;
    pub const BUFFER_ID: u16 = 2;
    pub const TABLE_ID: u16 = 3;
    pub const COOKIE: u16 = 4;
    pub const REASON: u16 = 5;
    pub const METADATA: u16 = 6;
    pub const USERDATA: u16 = 7;
    pub const CONTINUATION: u16 = 8;
}

mod cpt {
    pub const BRIDGE: u16 = 0x8000;
    pub const STACK: u16 = 0x8001;
    pub const MIRRORS: u16 = 0x8002;
    pub const CONNTRACKED: u16 = 0x8003;
    pub const TABLE_ID: u16 = 0x8004;
    pub const COOKIE: u16 = 0x8005;
    pub const ACTIONS: u16 = 0x8006;
    pub const ACTION_SET: u16 = 0x8007;
    pub const ODP_PORT: u16 = 0x8008;
}

/// `NXT_PACKET_IN2` (and `NXT_RESUME`, which carries the same properties): a packet-in as a
/// property list. Absent properties are `None`. Encoding writes the properties in Open
/// vSwitch's order (packet, full length, buffer id, table id, cookie, reason, metadata,
/// continuation, userdata, then `properties`); decoding accepts any order (a repeated
/// property: the last one wins).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PacketIn2 {
    /// `NXPINT_PACKET`: the packet (possibly truncated).
    pub packet: Vec<u8>,
    /// `NXPINT_FULL_LEN`: the full length, if the packet was truncated.
    pub full_len: Option<u32>,
    /// `NXPINT_BUFFER_ID`.
    pub buffer_id: Option<u32>,
    /// `NXPINT_TABLE_ID`.
    pub table_id: Option<u8>,
    /// `NXPINT_COOKIE`.
    pub cookie: Option<u64>,
    /// `NXPINT_REASON` (`OFPR_*`).
    pub reason: Option<u8>,
    /// `NXPINT_METADATA`: the pipeline fields, as a bare OXM/NXM field list.
    pub metadata: Option<Match>,
    /// `NXPINT_USERDATA`: the `controller(userdata=...)` bytes.
    pub userdata: Option<Vec<u8>>,
    /// `NXPINT_CONTINUATION`: the switch's private state to resume the pipeline with
    /// `NXT_RESUME`, property by property in wire order.
    pub continuation: Option<Vec<ContinuationProp>>,
    /// Other properties, kept as is.
    pub properties: Vec<Property>,
}

/// One property of a packet-in2 continuation (`NXCPT_*`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ContinuationProp {
    /// `NXCPT_BRIDGE`: the bridge's UUID.
    Bridge([u8; 16]),
    /// `NXCPT_STACK`: one value of the action stack.
    Stack(Vec<u8>),
    /// `NXCPT_MIRRORS`: mirrors already output to.
    Mirrors(u32),
    /// `NXCPT_CONNTRACKED`.
    Conntracked,
    /// `NXCPT_TABLE_ID`: the table of the actions that follow.
    TableId(u8),
    /// `NXCPT_COOKIE`: the cookie of the actions that follow.
    Cookie(u64),
    /// `NXCPT_ACTIONS`: actions left to execute.
    Actions(Vec<Action>),
    /// `NXCPT_ACTION_SET`: the action set.
    ActionSet(Vec<Action>),
    /// `NXCPT_ODP_PORT`: the datapath input port.
    OdpPort(u32),
    /// Another property, kept as is.
    Other(Property),
}

fn put_be64_prop(w: &mut Writer, type_: u16, v: u64, what: &str) -> Result<()> {
    put_prop(w, type_, what, |w| {
        w.zeros(4);
        w.u64(v);
        Ok(())
    })
}

fn get_be64_prop(b: &mut Reader<'_>) -> Result<u64> {
    if b.remaining() != 12 {
        return Err(b.error(format_args!(
            "64-bit property body has {} bytes, expected 4 padding bytes and 8 value bytes",
            b.remaining()
        )));
    }
    b.skip(4)?;
    b.u64()
}

fn get_u32_prop(b: &mut Reader<'_>) -> Result<u32> {
    let x = b.u32()?;
    b.finish("the 32-bit property value")?;
    Ok(x)
}

fn get_u8_prop(b: &mut Reader<'_>) -> Result<u8> {
    let x = b.u8()?;
    b.finish("the 8-bit property value")?;
    Ok(x)
}

/// Reads the 4 padding bytes that start a nested property's body.
fn skip_nested_pad(b: &mut Reader<'_>) -> Result<()> {
    if b.remaining() < 4 {
        return Err(b.error("nested property lacks its 4 bytes of alignment padding"));
    }
    b.skip(4)
}

fn decode_continuation(b: &mut Reader<'_>, v: Version) -> Result<Vec<ContinuationProp>> {
    skip_nested_pad(b)?;
    let mut out = Vec::new();
    while !b.is_empty() {
        let mut p = next_prop(b, "NXPINT_CONTINUATION property")?;
        let body = &mut p.body;
        out.push(match p.type_ {
            cpt::BRIDGE => {
                let u = body.array()?;
                body.finish("the bridge UUID")?;
                ContinuationProp::Bridge(u)
            }
            cpt::STACK => ContinuationProp::Stack(body.rest().to_vec()),
            cpt::MIRRORS => ContinuationProp::Mirrors(get_u32_prop(body)?),
            cpt::CONNTRACKED => {
                body.finish("NXCPT_CONNTRACKED")?;
                ContinuationProp::Conntracked
            }
            cpt::TABLE_ID => ContinuationProp::TableId(get_u8_prop(body)?),
            cpt::COOKIE => ContinuationProp::Cookie(get_be64_prop(body)?),
            cpt::ACTIONS | cpt::ACTION_SET => {
                skip_nested_pad(body)?;
                let n = body.remaining();
                let actions = decode_actions(body, n, v)?;
                if p.type_ == cpt::ACTIONS {
                    ContinuationProp::Actions(actions)
                } else {
                    ContinuationProp::ActionSet(actions)
                }
            }
            cpt::ODP_PORT => ContinuationProp::OdpPort(get_u32_prop(body)?),
            _ => ContinuationProp::Other(p.to_property()),
        });
    }
    Ok(out)
}

fn encode_continuation(w: &mut Writer, props: &[ContinuationProp], v: Version) -> Result<()> {
    let what = "NXPINT_CONTINUATION property";
    put_prop(w, pint::CONTINUATION, "NXPINT_CONTINUATION", |w| {
        w.zeros(4);
        for p in props {
            match p {
                ContinuationProp::Bridge(u) => put_prop(w, cpt::BRIDGE, what, |w| {
                    w.bytes(u);
                    Ok(())
                })?,
                ContinuationProp::Stack(s) => put_prop(w, cpt::STACK, what, |w| {
                    w.bytes(s);
                    Ok(())
                })?,
                ContinuationProp::Mirrors(m) => put_prop(w, cpt::MIRRORS, what, |w| {
                    w.u32(*m);
                    Ok(())
                })?,
                ContinuationProp::Conntracked => put_prop(w, cpt::CONNTRACKED, what, |_| Ok(()))?,
                ContinuationProp::TableId(t) => put_prop(w, cpt::TABLE_ID, what, |w| {
                    w.u8(*t);
                    Ok(())
                })?,
                ContinuationProp::Cookie(c) => put_be64_prop(w, cpt::COOKIE, *c, what)?,
                ContinuationProp::Actions(a) | ContinuationProp::ActionSet(a) => {
                    let t = if matches!(p, ContinuationProp::Actions(_)) {
                        cpt::ACTIONS
                    } else {
                        cpt::ACTION_SET
                    };
                    put_prop(w, t, what, |w| {
                        w.zeros(4);
                        encode_actions(a, w, v).map(|_| ())
                    })?
                }
                ContinuationProp::OdpPort(p) => put_prop(w, cpt::ODP_PORT, what, |w| {
                    w.u32(*p);
                    Ok(())
                })?,
                ContinuationProp::Other(p) => p.encode(w, what)?,
            }
        }
        Ok(())
    })
}

impl PacketIn2 {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<PacketIn2> {
        let mut p = PacketIn2::default();
        while !r.is_empty() {
            let mut prop = next_prop(r, "NXT_PACKET_IN2 property")?;
            let b = &mut prop.body;
            match prop.type_ {
                pint::PACKET => p.packet = b.rest().to_vec(),
                pint::FULL_LEN => p.full_len = Some(get_u32_prop(b)?),
                pint::BUFFER_ID => p.buffer_id = Some(get_u32_prop(b)?),
                pint::TABLE_ID => p.table_id = Some(get_u8_prop(b)?),
                pint::COOKIE => p.cookie = Some(get_be64_prop(b)?),
                pint::REASON => p.reason = Some(get_u8_prop(b)?),
                pint::METADATA => {
                    let n = b.remaining();
                    p.metadata = Some(Match::decode_fields(b, n)?);
                }
                pint::USERDATA => p.userdata = Some(b.rest().to_vec()),
                pint::CONTINUATION => p.continuation = Some(decode_continuation(b, v)?),
                _ => p.properties.push(prop.to_property()),
            }
        }
        Ok(p)
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        let what = "NXT_PACKET_IN2 property";
        put_prop(w, pint::PACKET, what, |w| {
            w.bytes(&self.packet);
            Ok(())
        })?;
        let u32s = [
            (pint::FULL_LEN, self.full_len),
            (pint::BUFFER_ID, self.buffer_id),
        ];
        for (t, x) in u32s {
            if let Some(x) = x {
                put_prop(w, t, what, |w| {
                    w.u32(x);
                    Ok(())
                })?;
            }
        }
        if let Some(t) = self.table_id {
            put_prop(w, pint::TABLE_ID, what, |w| {
                w.u8(t);
                Ok(())
            })?;
        }
        if let Some(c) = self.cookie {
            put_be64_prop(w, pint::COOKIE, c, what)?;
        }
        if let Some(r) = self.reason {
            put_prop(w, pint::REASON, what, |w| {
                w.u8(r);
                Ok(())
            })?;
        }
        if let Some(m) = &self.metadata {
            put_prop(w, pint::METADATA, what, |w| {
                m.encode_fields(w, v).map(|_| ())
            })?;
        }
        if let Some(c) = &self.continuation {
            encode_continuation(w, c, v)?;
        }
        if let Some(u) = &self.userdata {
            put_prop(w, pint::USERDATA, what, |w| {
                w.bytes(u);
                Ok(())
            })?;
        }
        write_props(w, &self.properties, what)
    }
}

/// One TLV mapping (`nx_tlv_map`): a Geneve option and the `tun_metadata<index>` field it
/// maps to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TlvMap {
    /// The option class.
    pub option_class: u16,
    /// The option type.
    pub option_type: u8,
    /// The option length (a multiple of 4).
    pub option_len: u8,
    /// The `tun_metadata` index.
    pub index: u16,
}

fn decode_tlv_maps(r: &mut Reader<'_>) -> Result<Vec<TlvMap>> {
    if !r.remaining().is_multiple_of(8) {
        return Err(r.error(format_args!(
            "{} bytes of TLV mappings are not a multiple of 8",
            r.remaining()
        )));
    }
    let mut out = Vec::new();
    while !r.is_empty() {
        let m = TlvMap {
            option_class: r.u16()?,
            option_type: r.u8()?,
            option_len: r.u8()?,
            index: r.u16()?,
        };
        r.skip(2)?;
        out.push(m);
    }
    Ok(out)
}

fn encode_tlv_maps(w: &mut Writer, maps: &[TlvMap]) {
    for m in maps {
        w.u16(m.option_class);
        w.u8(m.option_type);
        w.u8(m.option_len);
        w.u16(m.index);
        w.zeros(2);
    }
}

/// `NXT_TLV_TABLE_MOD`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TlvTableMod {
    /// `NXTTMC_*`: 0 add, 1 delete, 2 clear.
    pub command: u16,
    /// The mappings.
    pub mappings: Vec<TlvMap>,
}

impl TlvTableMod {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<TlvTableMod> {
        let command = r.u16()?;
        r.skip(6)?;
        Ok(TlvTableMod {
            command,
            mappings: decode_tlv_maps(r)?,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        w.u16(self.command);
        w.zeros(6);
        encode_tlv_maps(w, &self.mappings);
        Ok(())
    }
}

/// `NXT_TLV_TABLE_REPLY`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TlvTableReply {
    /// Maximum total of option sizes supported.
    pub max_option_space: u32,
    /// Maximum number of match fields supported.
    pub max_fields: u16,
    /// The mappings.
    pub mappings: Vec<TlvMap>,
}

impl TlvTableReply {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<TlvTableReply> {
        let max_option_space = r.u32()?;
        let max_fields = r.u16()?;
        r.skip(10)?;
        Ok(TlvTableReply {
            max_option_space,
            max_fields,
            mappings: decode_tlv_maps(r)?,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        w.u32(self.max_option_space);
        w.u16(self.max_fields);
        w.zeros(10);
        encode_tlv_maps(w, &self.mappings);
        Ok(())
    }
}

/// One flow monitor request. OpenFlow 1.3 uses the ONF experimenter form (no `out_group`
/// or `command`: they must be `OFPG_ANY` and 0; `flags` are `ONFFMF_*`), 1.4+ the standard
/// one (`flags` are `OFPFMF_*`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FlowMonitorRequest {
    /// The controller-assigned monitor id.
    pub id: u32,
    /// Flags (`ONFFMF_*` in 1.3, `OFPFMF_*` in 1.4+).
    pub flags: u16,
    /// Only flows outputting to this port (`OFPP_ANY` for any).
    pub out_port: u32,
    /// Only flows outputting to this group (OpenFlow 1.4+).
    pub out_group: u32,
    /// One table, or `OFPTT_ALL`.
    pub table_id: u8,
    /// `OFPFMC_*` (OpenFlow 1.4+): 0 add, 1 modify, 2 delete.
    pub command: u8,
    /// The flows' match.
    pub match_: Match,
}

impl Default for FlowMonitorRequest {
    fn default() -> FlowMonitorRequest {
        FlowMonitorRequest {
            id: 0,
            flags: 0,
            out_port: super::OFPP_ANY,
            out_group: super::OFPG_ANY,
            table_id: super::OFPTT_ALL,
            command: 0,
            match_: Match::new(),
        }
    }
}

impl FlowMonitorRequest {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<FlowMonitorRequest> {
        let mut m = FlowMonitorRequest::default();
        if v >= Version::Of14 {
            m.id = r.u32()?;
            m.out_port = r.u32()?;
            m.out_group = r.u32()?;
            m.flags = r.u16()?;
            m.table_id = r.u8()?;
            m.command = r.u8()?;
            m.match_ = read_match(r, v)?;
        } else {
            m.id = r.u32()?;
            m.flags = r.u16()?;
            let match_len = r.u16()? as usize;
            m.out_port = r.u32()?;
            m.table_id = r.u8()?;
            r.skip(3)?;
            let declared = r.peek_u16(2)? as usize;
            if declared != match_len {
                return Err(r.error(format_args!(
                    "match_len {match_len} differs from the match's length {declared}"
                )));
            }
            m.match_ = read_match(r, v)?;
        }
        Ok(m)
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        if v >= Version::Of14 {
            w.u32(self.id);
            w.u32(self.out_port);
            w.u32(self.out_group);
            w.u16(self.flags);
            w.u8(self.table_id);
            w.u8(self.command);
            self.match_.encode(w, v)
        } else {
            if self.out_group != super::OFPG_ANY || self.command != 0 {
                return Err(unsupported(
                    "flow monitor request",
                    v,
                    "out_group and command do not exist",
                ));
            }
            w.u32(self.id);
            w.u16(self.flags);
            let len_at = w.len();
            w.u16(0);
            w.u32(self.out_port);
            w.u8(self.table_id);
            w.zeros(3);
            let m = w.len();
            self.match_.encode(w, v)?;
            let ml = w
                .as_slice()
                .get(m + 2..m + 4)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(u16::from_be_bytes)
                .unwrap_or(0);
            w.patch_u16(len_at, ml);
            Ok(())
        }
    }
}

/// One flow monitor update (a flow monitor reply entry).
///
/// Event numbers differ by version: OpenFlow 1.3 (ONF) 0 added, 1 deleted, 2 modified,
/// 3 abbreviated; 1.4+ 0 initial, 1 added, 2 removed, 3 modified, 4 abbreviated, 5 paused,
/// 6 resumed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlowUpdate {
    /// A flow was added, removed or modified (or is there initially).
    Full {
        /// The event number (not the abbreviated, paused or resumed ones).
        event: u16,
        /// The flow's table.
        table_id: u8,
        /// `OFPRR_*` for removals (at most 255 in OpenFlow 1.4+).
        reason: u16,
        /// Idle timeout.
        idle_timeout: u16,
        /// Hard timeout.
        hard_timeout: u16,
        /// Priority.
        priority: u16,
        /// Cookie.
        cookie: u64,
        /// The flow's match.
        match_: Match,
        /// The flow's instructions (if the monitor asked for them).
        instructions: Vec<Instruction>,
    },
    /// The change was this controller's own flow mod with this xid.
    Abbrev {
        /// The flow mod's xid.
        xid: u32,
    },
    /// Monitoring paused (OpenFlow 1.4+; 1.3 uses the `ONFT_FLOW_MONITOR_PAUSED` message).
    Paused,
    /// Monitoring resumed (OpenFlow 1.4+).
    Resumed,
}

impl FlowUpdate {
    fn abbrev_event(v: Version) -> u16 {
        if v >= Version::Of14 { 4 } else { 3 }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<FlowUpdate> {
        let left = r.remaining();
        let len = r.peek_u16(0)? as usize;
        let event = r.peek_u16(2)?;
        if len < 8 || len > left || !len.is_multiple_of(8) {
            return Err(r.error(format_args!(
                "flow update length {len} is shorter than 8, not a multiple of 8 or overruns \
                 its container ({left} bytes)"
            )));
        }
        let mut e = r.sub(len, "flow update")?;
        e.skip(4)?;
        let v14 = v >= Version::Of14;
        if event == FlowUpdate::abbrev_event(v) {
            let xid = e.u32()?;
            e.finish("the abbreviated flow update")?;
            return Ok(FlowUpdate::Abbrev { xid });
        }
        if v14 && (event == 5 || event == 6) {
            e.skip(4)?;
            e.finish("the paused/resumed flow update")?;
            return Ok(if event == 5 {
                FlowUpdate::Paused
            } else {
                FlowUpdate::Resumed
            });
        }
        if event > if v14 { 3 } else { 2 } {
            return Err(e.error(format_args!("unknown flow update event {event}")));
        }
        let (table_id, reason, idle_timeout, hard_timeout, priority, match_len);
        if v14 {
            table_id = e.u8()?;
            reason = u16::from(e.u8()?);
            idle_timeout = e.u16()?;
            hard_timeout = e.u16()?;
            priority = e.u16()?;
            e.skip(4)?;
            match_len = None;
        } else {
            reason = e.u16()?;
            priority = e.u16()?;
            idle_timeout = e.u16()?;
            hard_timeout = e.u16()?;
            match_len = Some(e.u16()? as usize);
            table_id = e.u8()?;
            e.skip(1)?;
        }
        let cookie = e.u64()?;
        if let Some(ml) = match_len {
            let declared = e.peek_u16(2)? as usize;
            if declared != ml {
                return Err(e.error(format_args!(
                    "match_len {ml} differs from the match's length {declared}"
                )));
            }
        }
        let match_ = read_match(&mut e, v)?;
        let n = e.remaining();
        let instructions = decode_instructions(&mut e, n, v)?;
        Ok(FlowUpdate::Full {
            event,
            table_id,
            reason,
            idle_timeout,
            hard_timeout,
            priority,
            cookie,
            match_,
            instructions,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        let start = w.len();
        let v14 = v >= Version::Of14;
        w.u16(0);
        match self {
            FlowUpdate::Abbrev { xid } => {
                w.u16(FlowUpdate::abbrev_event(v));
                w.u32(*xid);
            }
            FlowUpdate::Paused | FlowUpdate::Resumed => {
                if !v14 {
                    return Err(unsupported(
                        "flow update",
                        v,
                        "paused/resumed updates do not exist (use the ONFT messages)",
                    ));
                }
                w.u16(if matches!(self, FlowUpdate::Paused) {
                    5
                } else {
                    6
                });
                w.zeros(4);
            }
            FlowUpdate::Full {
                event,
                table_id,
                reason,
                idle_timeout,
                hard_timeout,
                priority,
                cookie,
                match_,
                instructions,
            } => {
                if *event > if v14 { 3 } else { 2 } {
                    return Err(Error::encode(
                        "flow update",
                        format_args!("event {event} is not a full update in {}", v.name()),
                    ));
                }
                w.u16(*event);
                let match_len_at;
                if v14 {
                    let reason = u8::try_from(*reason)
                        .map_err(|_| unsupported("flow update", v, "a reason above 255"))?;
                    w.u8(*table_id);
                    w.u8(reason);
                    w.u16(*idle_timeout);
                    w.u16(*hard_timeout);
                    w.u16(*priority);
                    w.zeros(4);
                    match_len_at = None;
                } else {
                    w.u16(*reason);
                    w.u16(*priority);
                    w.u16(*idle_timeout);
                    w.u16(*hard_timeout);
                    match_len_at = Some(w.len());
                    w.u16(0);
                    w.u8(*table_id);
                    w.zeros(1);
                }
                w.u64(*cookie);
                let m = w.len();
                match_.encode(w, v)?;
                if let Some(at) = match_len_at {
                    let ml = w
                        .as_slice()
                        .get(m + 2..m + 4)
                        .and_then(|b| <[u8; 2]>::try_from(b).ok())
                        .map(u16::from_be_bytes)
                        .unwrap_or(0);
                    w.patch_u16(at, ml);
                }
                encode_instructions(instructions, w, v)?;
            }
        }
        w.patch_len(start, start, "flow update")
    }
}

/// One connection tuple of an `NXT_CT_FLUSH` (`NXT_CT_TUPLE_*` properties; absent ones are
/// wildcards). Addresses are IPv6 or IPv4-mapped IPv6.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CtTuple {
    /// `NXT_CT_TUPLE_SRC`.
    pub src: Option<[u8; 16]>,
    /// `NXT_CT_TUPLE_DST`.
    pub dst: Option<[u8; 16]>,
    /// `NXT_CT_TUPLE_SRC_PORT`.
    pub src_port: Option<u16>,
    /// `NXT_CT_TUPLE_DST_PORT`.
    pub dst_port: Option<u16>,
    /// `NXT_CT_TUPLE_ICMP_ID`.
    pub icmp_id: Option<u16>,
    /// `NXT_CT_TUPLE_ICMP_TYPE`.
    pub icmp_type: Option<u8>,
    /// `NXT_CT_TUPLE_ICMP_CODE`.
    pub icmp_code: Option<u8>,
}

/// `NXT_CT_FLUSH`: flush the connections matching an IP protocol, tuples and a zone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CtFlush {
    /// The IP protocol (0: any).
    pub ip_proto: u8,
    /// `NXT_CT_ORIG_TUPLE`.
    pub orig: Option<CtTuple>,
    /// `NXT_CT_REPLY_TUPLE`.
    pub reply: Option<CtTuple>,
    /// `NXT_CT_ZONE_ID`.
    pub zone: Option<u16>,
}

fn get_u16_prop(b: &mut Reader<'_>) -> Result<u16> {
    // OpenFlow pads 16-bit property values to 32 bits.
    let x = b.u16()?;
    if !(b.is_empty() || b.remaining() == 2) {
        return Err(b.error("16-bit property has a body of the wrong size"));
    }
    Ok(x)
}

fn put_u16_prop(w: &mut Writer, t: u16, x: u16, what: &str) -> Result<()> {
    put_prop(w, t, what, |w| {
        w.u16(x);
        w.zeros(2);
        Ok(())
    })
}

impl CtTuple {
    fn decode(b: &mut Reader<'_>) -> Result<CtTuple> {
        skip_nested_pad(b)?;
        let mut t = CtTuple::default();
        while !b.is_empty() {
            let mut p = next_prop(b, "NXT_CT_FLUSH tuple property")?;
            let body = &mut p.body;
            match p.type_ {
                0 | 1 => {
                    let a = body.array()?;
                    body.finish("the address")?;
                    if p.type_ == 0 {
                        t.src = Some(a);
                    } else {
                        t.dst = Some(a);
                    }
                }
                2 => t.src_port = Some(get_u16_prop(body)?),
                3 => t.dst_port = Some(get_u16_prop(body)?),
                4 => t.icmp_id = Some(get_u16_prop(body)?),
                5 => t.icmp_type = Some(get_u8_prop(body)?),
                6 => t.icmp_code = Some(get_u8_prop(body)?),
                other => {
                    return Err(body.error(format_args!("unknown CT tuple property {other}")));
                }
            }
        }
        Ok(t)
    }

    fn encode(&self, w: &mut Writer, type_: u16) -> Result<()> {
        let what = "NXT_CT_FLUSH tuple property";
        put_prop(w, type_, "NXT_CT_FLUSH tuple", |w| {
            w.zeros(4);
            for (t, a) in [(0u16, self.src), (1, self.dst)] {
                if let Some(a) = a {
                    put_prop(w, t, what, |w| {
                        w.bytes(&a);
                        Ok(())
                    })?;
                }
            }
            for (t, x) in [(2u16, self.src_port), (3, self.dst_port), (4, self.icmp_id)] {
                if let Some(x) = x {
                    put_u16_prop(w, t, x, what)?;
                }
            }
            for (t, x) in [(5u16, self.icmp_type), (6, self.icmp_code)] {
                if let Some(x) = x {
                    put_prop(w, t, what, |w| {
                        w.u8(x);
                        Ok(())
                    })?;
                }
            }
            Ok(())
        })
    }
}

impl CtFlush {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<CtFlush> {
        let ip_proto = r.u8()?;
        r.skip(7)?;
        let mut f = CtFlush {
            ip_proto,
            ..CtFlush::default()
        };
        while !r.is_empty() {
            let mut p = next_prop(r, "NXT_CT_FLUSH property")?;
            match p.type_ {
                0 => f.orig = Some(CtTuple::decode(&mut p.body)?),
                1 => f.reply = Some(CtTuple::decode(&mut p.body)?),
                2 => f.zone = Some(get_u16_prop(&mut p.body)?),
                other => {
                    return Err(p
                        .body
                        .error(format_args!("unknown NXT_CT_FLUSH property {other}")));
                }
            }
        }
        Ok(f)
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        w.u8(self.ip_proto);
        w.zeros(7);
        if let Some(t) = &self.orig {
            t.encode(w, 0)?;
        }
        if let Some(t) = &self.reply {
            t.encode(w, 1)?;
        }
        if let Some(z) = self.zone {
            put_u16_prop(w, 2, z, "NXT_CT_FLUSH zone")?;
        }
        Ok(())
    }
}
