//! Flow table messages: flow mod, flow removed, packet in and packet out; and OpenFlow 1.5's
//! OXS statistics.

use super::{OFPP_CONTROLLER, read_match, read_match_into, unsupported};
use crate::action::{
    Action, Instruction, decode_actions, decode_instructions_into, encode_actions,
    encode_instructions,
};
use crate::error::{Error, Result};
use crate::matching::Match;
use crate::version::Version;
use crate::wire::{Reader, Writer};

/// `OFPT_FLOW_MOD`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FlowMod {
    /// The flow's cookie (for add), or the cookie to match (modify, delete).
    pub cookie: u64,
    /// Which cookie bits must match (modify, delete); zero for add.
    pub cookie_mask: u64,
    /// The table, or `OFPTT_ALL` (255) for deletes in all tables.
    pub table_id: u8,
    /// `OFPFC_*`: 0 add, 1 modify, 2 modify strict, 3 delete, 4 delete strict.
    pub command: u8,
    /// Idle timeout in seconds (0: none).
    pub idle_timeout: u16,
    /// Hard timeout in seconds (0: none).
    pub hard_timeout: u16,
    /// Priority.
    pub priority: u16,
    /// Buffered packet to apply the flow to, or `NO_BUFFER`.
    pub buffer_id: u32,
    /// Deletes: only flows outputting to this port (`OFPP_ANY` for any).
    pub out_port: u32,
    /// Deletes: only flows outputting to this group (`OFPG_ANY` for any).
    pub out_group: u32,
    /// `OFPFF_*` flags.
    pub flags: u16,
    /// Eviction precedence (OpenFlow 1.4+; must be 0 for OpenFlow 1.3).
    pub importance: u16,
    /// The match.
    pub match_: Match,
    /// The instructions.
    pub instructions: Vec<Instruction>,
}

impl FlowMod {
    /// `OFPFC_ADD`.
    pub const ADD: u8 = 0;
    /// `OFPFC_MODIFY`.
    pub const MODIFY: u8 = 1;
    /// `OFPFC_MODIFY_STRICT`.
    pub const MODIFY_STRICT: u8 = 2;
    /// `OFPFC_DELETE`.
    pub const DELETE: u8 = 3;
    /// `OFPFC_DELETE_STRICT`.
    pub const DELETE_STRICT: u8 = 4;

    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<FlowMod> {
        let mut fm = FlowMod::default();
        fm.decode_into(r, v)?;
        Ok(fm)
    }

    /// [`FlowMod::decode`] into `self`, reusing the memory of its match and instructions.
    pub(crate) fn decode_into(&mut self, r: &mut Reader<'_>, v: Version) -> Result<()> {
        // The 40 fixed bytes in one read when they are all there (a field at a time
        // otherwise, for the error naming the first one cut short).
        let fixed = if r.remaining() >= 40 {
            FixedPart::from_bytes(&r.array::<40>()?)
        } else {
            FixedPart::read(r)?
        };
        let importance = if v >= Version::Of14 {
            fixed.importance
        } else {
            0
        };
        read_match_into(r, v, &mut self.match_)?;
        let n = r.remaining();
        decode_instructions_into(r, n, v, &mut self.instructions)?;
        self.set_fixed(FixedPart {
            importance,
            ..fixed
        });
        Ok(())
    }

    /// Sets its fixed fields to `f`'s.
    pub(crate) fn set_fixed(&mut self, f: FixedPart) {
        let FixedPart {
            cookie,
            cookie_mask,
            table_id,
            command,
            idle_timeout,
            hard_timeout,
            priority,
            buffer_id,
            out_port,
            out_group,
            flags,
            importance,
        } = f;
        self.cookie = cookie;
        self.cookie_mask = cookie_mask;
        self.table_id = table_id;
        self.command = command;
        self.idle_timeout = idle_timeout;
        self.hard_timeout = hard_timeout;
        self.priority = priority;
        self.buffer_id = buffer_id;
        self.out_port = out_port;
        self.out_group = out_group;
        self.flags = flags;
        self.importance = importance;
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        self.fixed().encode_with(
            &self.match_,
            |w| encode_instructions(&self.instructions, w, v).map(drop),
            w,
            v,
        )
    }

    /// Its 40 fixed bytes' fields.
    fn fixed(&self) -> FixedPart {
        FixedPart {
            cookie: self.cookie,
            cookie_mask: self.cookie_mask,
            table_id: self.table_id,
            command: self.command,
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            priority: self.priority,
            buffer_id: self.buffer_id,
            out_port: self.out_port,
            out_group: self.out_group,
            flags: self.flags,
            importance: self.importance,
        }
    }
}

impl FixedPart {
    /// The body of a flow_mod with these fixed fields, `match_` and the instructions
    /// `instructions` writes ([`FlowMod::encode`], and encoders that keep the parts
    /// elsewhere, such as [`crate::flow::FlowModEncoder`]).
    pub(crate) fn encode_with(
        &self,
        match_: &Match,
        instructions: impl FnOnce(&mut Writer) -> Result<()>,
        w: &mut Writer,
        v: Version,
    ) -> Result<()> {
        if v < Version::Of14 && self.importance != 0 {
            return Err(unsupported(
                "OFPT_FLOW_MOD",
                v,
                "flow importance does not exist",
            ));
        }
        // The 40 fixed bytes, gathered and written at once.
        let mut b = [0u8; 40];
        b[0..8].copy_from_slice(&self.cookie.to_be_bytes());
        b[8..16].copy_from_slice(&self.cookie_mask.to_be_bytes());
        b[16] = self.table_id;
        b[17] = self.command;
        b[18..20].copy_from_slice(&self.idle_timeout.to_be_bytes());
        b[20..22].copy_from_slice(&self.hard_timeout.to_be_bytes());
        b[22..24].copy_from_slice(&self.priority.to_be_bytes());
        b[24..28].copy_from_slice(&self.buffer_id.to_be_bytes());
        b[28..32].copy_from_slice(&self.out_port.to_be_bytes());
        b[32..36].copy_from_slice(&self.out_group.to_be_bytes());
        b[36..38].copy_from_slice(&self.flags.to_be_bytes());
        b[38..40].copy_from_slice(&self.importance.to_be_bytes());
        w.bytes(&b);
        match_.encode(w, v)?;
        instructions(w)
    }
}

/// The 40 bytes of a flow_mod before its match, as [`FlowMod`]'s fields.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedPart {
    pub(crate) cookie: u64,
    pub(crate) cookie_mask: u64,
    pub(crate) table_id: u8,
    pub(crate) command: u8,
    pub(crate) idle_timeout: u16,
    pub(crate) hard_timeout: u16,
    pub(crate) priority: u16,
    pub(crate) buffer_id: u32,
    pub(crate) out_port: u32,
    pub(crate) out_group: u32,
    pub(crate) flags: u16,
    pub(crate) importance: u16,
}

impl FixedPart {
    /// The fields out of their 40 bytes.
    fn from_bytes(b: &[u8; 40]) -> FixedPart {
        let u16_at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| (u64::from(u32_at(i)) << 32) | u64::from(u32_at(i + 4));
        FixedPart {
            cookie: u64_at(0),
            cookie_mask: u64_at(8),
            table_id: b[16],
            command: b[17],
            idle_timeout: u16_at(18),
            hard_timeout: u16_at(20),
            priority: u16_at(22),
            buffer_id: u32_at(24),
            out_port: u32_at(28),
            out_group: u32_at(32),
            flags: u16_at(36),
            importance: u16_at(38),
        }
    }

    /// The fields read one by one (the error is the first field's that is cut short).
    fn read(r: &mut Reader<'_>) -> Result<FixedPart> {
        Ok(FixedPart {
            cookie: r.u64()?,
            cookie_mask: r.u64()?,
            table_id: r.u8()?,
            command: r.u8()?,
            idle_timeout: r.u16()?,
            hard_timeout: r.u16()?,
            priority: r.u16()?,
            buffer_id: r.u32()?,
            out_port: r.u32()?,
            out_group: r.u32()?,
            flags: r.u16()?,
            importance: r.u16()?,
        })
    }
}

/// OpenFlow 1.5 OXS statistics (`ofp_stats`), as far as the messages here use them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Oxs {
    pub duration: Option<(u32, u32)>,
    pub idle_time: Option<(u32, u32)>,
    pub flow_count: Option<u32>,
    pub packet_count: Option<u64>,
    pub byte_count: Option<u64>,
}

const OXS_CLASS_BASIC: u32 = 0x8002;

fn oxs_header(field: u32, len: u32) -> u32 {
    (OXS_CLASS_BASIC << 16) | (field << 9) | len
}

impl Oxs {
    /// Reads an `ofp_stats` (reserved, length, OXS entries, padding to 8). Unknown entries
    /// are skipped.
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Oxs> {
        let r0 = r.clone().with_context("OXS statistics");
        if r.remaining() < 4 {
            return Err(r0.error("needs a 4-byte ofp_stats header"));
        }
        let len = r.peek_u16(2)? as usize;
        if len < 4 || len.next_multiple_of(8) > r.remaining() {
            return Err(r0.error(format_args!(
                "ofp_stats length {len} is shorter than its header or (padded to 8) overruns \
                 its container ({} bytes left)",
                r.remaining()
            )));
        }
        let mut s = r.sub(len, "OXS statistics")?;
        r.skip(len.next_multiple_of(8) - len)?;
        s.skip(4)?;
        let mut out = Oxs::default();
        while !s.is_empty() {
            let h = s.u32()?;
            let class = h >> 16;
            let field = (h >> 9) & 0x7f;
            let elen = (h & 0xff) as usize;
            if class == 0xffff {
                // Experimenter: the length counts the 4-byte experimenter id.
                if elen < 4 {
                    return Err(s.error(format_args!(
                        "experimenter OXS entry length {elen} is shorter than its \
                         experimenter id"
                    )));
                }
                s.skip(elen)?;
                continue;
            }
            let mut b = s.sub(elen, "OXS entry")?;
            match (class, field, elen) {
                (OXS_CLASS_BASIC, 0, 8) => out.duration = Some((b.u32()?, b.u32()?)),
                (OXS_CLASS_BASIC, 1, 8) => out.idle_time = Some((b.u32()?, b.u32()?)),
                (OXS_CLASS_BASIC, 3, 4) => out.flow_count = Some(b.u32()?),
                (OXS_CLASS_BASIC, 4, 8) => out.packet_count = Some(b.u64()?),
                (OXS_CLASS_BASIC, 5, 8) => out.byte_count = Some(b.u64()?),
                (OXS_CLASS_BASIC, 0 | 1 | 3 | 4 | 5, _) => {
                    return Err(b.error(format_args!(
                        "OXS field {field} has length {elen}, which does not fit the field"
                    )));
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Writes an `ofp_stats`, entries in Open vSwitch's order, padded to 8.
    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        let start = w.len();
        w.u16(0);
        w.u16(0);
        if let Some((s, ns)) = self.duration {
            w.u32(oxs_header(0, 8));
            w.u32(s);
            w.u32(ns);
        }
        if let Some((s, ns)) = self.idle_time {
            w.u32(oxs_header(1, 8));
            w.u32(s);
            w.u32(ns);
        }
        if let Some(p) = self.packet_count {
            w.u32(oxs_header(4, 8));
            w.u64(p);
        }
        if let Some(b) = self.byte_count {
            w.u32(oxs_header(5, 8));
            w.u64(b);
        }
        if let Some(f) = self.flow_count {
            w.u32(oxs_header(3, 4));
            w.u32(f);
        }
        w.patch_len(start + 2, start, "OXS statistics")?;
        w.pad_from(start, 8);
        Ok(())
    }
}

/// `OFPT_FLOW_REMOVED`. In OpenFlow 1.5 the duration and counters travel as OXS statistics
/// (missing ones decode as 0).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FlowRemoved {
    /// The flow's cookie.
    pub cookie: u64,
    /// The flow's priority.
    pub priority: u16,
    /// `OFPRR_*`: 0 idle timeout, 1 hard timeout, 2 delete, 3 group delete, 4 meter delete,
    /// 5 eviction.
    pub reason: u8,
    /// The flow's table.
    pub table_id: u8,
    /// Seconds the flow was alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// The flow's idle timeout.
    pub idle_timeout: u16,
    /// The flow's hard timeout.
    pub hard_timeout: u16,
    /// Packets that hit the flow.
    pub packet_count: u64,
    /// Bytes that hit the flow.
    pub byte_count: u64,
    /// The flow's match.
    pub match_: Match,
}

impl FlowRemoved {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<FlowRemoved> {
        if v >= Version::Of15 {
            let table_id = r.u8()?;
            let reason = r.u8()?;
            let priority = r.u16()?;
            let idle_timeout = r.u16()?;
            let hard_timeout = r.u16()?;
            let cookie = r.u64()?;
            let match_ = read_match(r, v)?;
            let oxs = Oxs::decode(r)?;
            r.finish("the flow removed statistics")?;
            let (duration_sec, duration_nsec) = oxs.duration.unwrap_or_default();
            Ok(FlowRemoved {
                cookie,
                priority,
                reason,
                table_id,
                duration_sec,
                duration_nsec,
                idle_timeout,
                hard_timeout,
                packet_count: oxs.packet_count.unwrap_or_default(),
                byte_count: oxs.byte_count.unwrap_or_default(),
                match_,
            })
        } else {
            let f = FlowRemoved {
                cookie: r.u64()?,
                priority: r.u16()?,
                reason: r.u8()?,
                table_id: r.u8()?,
                duration_sec: r.u32()?,
                duration_nsec: r.u32()?,
                idle_timeout: r.u16()?,
                hard_timeout: r.u16()?,
                packet_count: r.u64()?,
                byte_count: r.u64()?,
                match_: read_match(r, v)?,
            };
            r.finish("the flow removed match")?;
            Ok(f)
        }
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        if v >= Version::Of15 {
            w.u8(self.table_id);
            w.u8(self.reason);
            w.u16(self.priority);
            w.u16(self.idle_timeout);
            w.u16(self.hard_timeout);
            w.u64(self.cookie);
            self.match_.encode(w, v)?;
            Oxs {
                duration: Some((self.duration_sec, self.duration_nsec)),
                packet_count: Some(self.packet_count),
                byte_count: Some(self.byte_count),
                ..Oxs::default()
            }
            .encode(w)
        } else {
            w.u64(self.cookie);
            w.u16(self.priority);
            w.u8(self.reason);
            w.u8(self.table_id);
            w.u32(self.duration_sec);
            w.u32(self.duration_nsec);
            w.u16(self.idle_timeout);
            w.u16(self.hard_timeout);
            w.u64(self.packet_count);
            w.u64(self.byte_count);
            self.match_.encode(w, v)
        }
    }
}

/// `OFPT_PACKET_IN` (the same layout in OpenFlow 1.3 to 1.5; the reasons were renamed in
/// 1.4: 0 table miss, 1 apply action, 2 invalid TTL, 3 action set, 4 group, 5 packet out).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PacketIn {
    /// The switch's buffer id, or `NO_BUFFER`.
    pub buffer_id: u32,
    /// The full length of the packet (`data` may be truncated).
    pub total_len: u16,
    /// `OFPR_*`.
    pub reason: u8,
    /// The table the packet was in.
    pub table_id: u8,
    /// The cookie of the flow that sent the packet.
    pub cookie: u64,
    /// The pipeline fields (in_port, metadata, registers, tunnel, ...).
    pub match_: Match,
    /// The packet (or its first bytes).
    pub data: Vec<u8>,
}

impl PacketIn {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<PacketIn> {
        let buffer_id = r.u32()?;
        let total_len = r.u16()?;
        let reason = r.u8()?;
        let table_id = r.u8()?;
        let cookie = r.u64()?;
        let match_ = read_match(r, v)?;
        r.skip(2)?;
        Ok(PacketIn {
            buffer_id,
            total_len,
            reason,
            table_id,
            cookie,
            match_,
            data: r.rest().to_vec(),
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        w.u32(self.buffer_id);
        w.u16(self.total_len);
        w.u8(self.reason);
        w.u8(self.table_id);
        w.u64(self.cookie);
        self.match_.encode(w, v)?;
        w.zeros(2);
        w.bytes(&self.data);
        Ok(())
    }
}

/// `OFPT_PACKET_OUT`.
///
/// OpenFlow 1.3 and 1.4 carry the input port in `in_port` (and `match_` must be empty);
/// OpenFlow 1.5 carries the pipeline fields, the input port among them, in `match_` (and
/// `in_port` must be left at `OFPP_CONTROLLER`, which is what decoding 1.5 gives).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PacketOut {
    /// A buffered packet to send, or `NO_BUFFER` (then `data` is the packet).
    pub buffer_id: u32,
    /// The input port (OpenFlow 1.3/1.4).
    pub in_port: u32,
    /// The pipeline fields (OpenFlow 1.5).
    pub match_: Match,
    /// The actions to apply.
    pub actions: Vec<Action>,
    /// The packet.
    pub data: Vec<u8>,
}

impl Default for PacketOut {
    fn default() -> PacketOut {
        PacketOut {
            buffer_id: super::NO_BUFFER,
            in_port: OFPP_CONTROLLER,
            match_: Match::new(),
            actions: Vec::new(),
            data: Vec::new(),
        }
    }
}

impl PacketOut {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<PacketOut> {
        let buffer_id = r.u32()?;
        let (in_port, actions_len, match_) = if v >= Version::Of15 {
            let actions_len = r.u16()? as usize;
            r.skip(2)?;
            (OFPP_CONTROLLER, actions_len, read_match(r, v)?)
        } else {
            let in_port = r.u32()?;
            let actions_len = r.u16()? as usize;
            r.skip(6)?;
            (in_port, actions_len, Match::new())
        };
        if actions_len > r.remaining() {
            return Err(r.error(format_args!(
                "actions_len {actions_len} overruns the message ({} bytes left)",
                r.remaining()
            )));
        }
        let actions = decode_actions(r, actions_len, v)?;
        Ok(PacketOut {
            buffer_id,
            in_port,
            match_,
            actions,
            data: r.rest().to_vec(),
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        w.u32(self.buffer_id);
        let len_at;
        if v >= Version::Of15 {
            if self.in_port != OFPP_CONTROLLER {
                return Err(unsupported(
                    "OFPT_PACKET_OUT",
                    v,
                    "the in_port field does not exist (put in_port in the match)",
                ));
            }
            len_at = w.len();
            w.u16(0);
            w.zeros(2);
            self.match_.encode(w, v)?;
        } else {
            if self.match_ != Match::new() {
                return Err(unsupported(
                    "OFPT_PACKET_OUT",
                    v,
                    "a packet-out match does not exist",
                ));
            }
            w.u32(self.in_port);
            len_at = w.len();
            w.u16(0);
            w.zeros(6);
        }
        let n = encode_actions(&self.actions, w, v)?;
        let n = u16::try_from(n)
            .map_err(|_| Error::encode("OFPT_PACKET_OUT", "actions exceed 65,535 bytes"))?;
        w.patch_u16(len_at, n);
        w.bytes(&self.data);
        Ok(())
    }
}
