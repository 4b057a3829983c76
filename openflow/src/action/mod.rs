//! Actions and instructions: OpenFlow 1.3-1.5 and the Nicira extensions Open vSwitch
//! and OVN use, with their wire codec and the ovs-ofctl text syntax.
//!
//! # Model
//!
//! [`Action`] has one typed variant per action Open vSwitch 3.1 knows. The items that are
//! instructions on the wire (`meter` under OpenFlow 1.3, `goto_table`, `write_metadata`,
//! `clear_actions`, `write_actions(...)`) are variants too, because ovs-ofctl's `actions=`
//! text is one flat list: [`actions_to_instructions`] and [`instructions_to_actions`]
//! convert between that list and [`Instruction`]s, with Open vSwitch's ordering rules.
//!
//! Where Open vSwitch remembers which of several wire forms an action came in (`load` as
//! `NXAST_REG_LOAD` vs `set_field`, `resubmit` vs `resubmit_table`, `controller` vs
//! `controller2`, `learn` vs `learn2`, ...) so that it re-encodes it the same way, the model
//! keeps that too (a `form` field), so decode → encode is byte-identical.
//!
//! Actions this crate does not know (another vendor's, an unknown Nicira subtype, one a
//! version does not define) are kept as [`Action::Unknown`] with their bytes and re-encoded
//! unchanged; nothing turns into `drop`.
//!
//! # Versions and canonical forms
//!
//! A version cannot express every action as such: under OpenFlow 1.3 a masked `set_field`
//! becomes `NXAST_REG_LOAD`s, under 1.5 `load` becomes a masked `set_field`, `mod_dl_src` is
//! `set_field` from 1.2 on, `strip_vlan` is `pop_vlan`. Like ovs-ofctl, [`format_actions`]
//! prints what a switch would decode for the given version: [`canonical_actions`] is that
//! transformation and equals decode(encode(actions)).
//!
//! # Match context
//!
//! A few OpenFlow 1.0 style actions depend on the flow's match when encoded (as Open vSwitch
//! does in its `ofpacts_check` step): `mod_tp_src`/`mod_tp_dst` become `set_field` of
//! `tcp_src`, `udp_src` or `sctp_src` only when the IP protocol is known, and
//! `mod_vlan_vid`/`mod_vlan_pcp` push a VLAN header only if the match has none.
//! [`apply_match_context`] records those facts in the actions; without it, transport ports
//! are encoded as the (deprecated) `OFPAT_SET_TP_*` actions and a VLAN header is assumed
//! absent.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::Result;
use crate::field::Field;
use crate::version::Version;
use crate::wire::{Reader, Writer};

mod canon;
mod decode;
mod encode;
mod inst;
mod port;
mod text;
mod values;

pub use crate::field::subfield::Subfield;
pub(crate) use inst::{Grouped, encode_apply, flow_mod_instructions, group_for_flow_mod};
pub use inst::{actions_into_instructions, actions_to_instructions, instructions_to_actions};
pub use port::OfpPort;
pub(crate) use text::format_instructions_lazy;
pub use text::{format_actions, format_actions_reference, format_instructions, parse_actions};
pub(crate) use text::{parse_actions_into, quick_apply};

/// How deeply actions may nest (`clone(clone(...))`, `ct(exec(...))`, `write_actions`)
/// when decoding or parsing. Open vSwitch parses up to 100 levels; deeper input is an error
/// here rather than a risk to the stack.
pub const MAX_NESTING: usize = 32;

/// The Nicira vendor (experimenter) id.
pub const NX_VENDOR_ID: u32 = 0x0000_2320;
/// The Open Networking Foundation vendor (experimenter) id.
pub const ONF_VENDOR_ID: u32 = 0x4f4e_4600;

/// One action, or one instruction written in an action list as ovs-ofctl does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// `output:PORT`, `LOCAL`, `CONTROLLER:max_len`, ... (`OFPAT_OUTPUT`). `max_len` matters
    /// only for the controller port.
    Output {
        /// The port.
        port: OfpPort,
        /// Bytes of the packet to send to the controller.
        max_len: u16,
    },
    /// `output:reg0[0..15]` (`NXAST_OUTPUT_REG`/`NXAST_OUTPUT_REG2`).
    OutputReg {
        /// Where the port number is read from.
        src: Subfield,
        /// Bytes to send if the port is the controller.
        max_len: u16,
        /// Whether it came in (and goes out) as `NXAST_OUTPUT_REG2`; that form is also used
        /// whenever `src` has no 32-bit NXM header.
        reg2: bool,
    },
    /// `output(port=P,max_len=N)` (`NXAST_OUTPUT_TRUNC`).
    OutputTrunc {
        /// The port.
        port: OfpPort,
        /// Bytes to truncate the packet to (at least 14).
        max_len: u32,
    },
    /// `enqueue:PORT:QUEUE` (sent as `set_queue`, `output`, `pop_queue` after OpenFlow 1.0).
    Enqueue {
        /// The port.
        port: OfpPort,
        /// The queue.
        queue: u32,
    },
    /// `group:ID`.
    Group(u32),
    /// `controller(...)` (`NXAST_CONTROLLER`/`NXAST_CONTROLLER2`).
    Controller(Box<Controller>),
    /// `bundle(...)` and `bundle_load(...)`.
    Bundle(Box<Bundle>),
    /// `set_field:V[/M]->F` and `load:V->F[a..b]` (`OFPAT_SET_FIELD`, `NXAST_REG_LOAD`,
    /// `NXAST_REG_LOAD2`).
    SetField(SetField),
    /// `set_vlan_vid:V` / `mod_vlan_vid:V`.
    SetVlanVid {
        /// The VLAN id (12 bits).
        vid: u16,
        /// `mod_vlan_vid`: push a VLAN header if there is none.
        push_if_needed: bool,
        /// Whether the flow's match guarantees a VLAN header (see [`apply_match_context`]).
        flow_has_vlan: bool,
    },
    /// `set_vlan_pcp:P` / `mod_vlan_pcp:P`.
    SetVlanPcp {
        /// The priority (3 bits).
        pcp: u8,
        /// `mod_vlan_pcp`: push a VLAN header if there is none.
        push_if_needed: bool,
        /// Whether the flow's match guarantees a VLAN header (see [`apply_match_context`]).
        flow_has_vlan: bool,
    },
    /// `strip_vlan` (`pop: false`) or `pop_vlan` (`pop: true`); OpenFlow 1.1+ encodes both
    /// as `OFPAT_POP_VLAN`.
    StripVlan {
        /// Whether it is written (and decoded) as `pop_vlan`.
        pop: bool,
    },
    /// `push_vlan:ETHERTYPE`.
    PushVlan(u16),
    /// `mod_dl_src:MAC`.
    SetEthSrc([u8; 6]),
    /// `mod_dl_dst:MAC`.
    SetEthDst([u8; 6]),
    /// `mod_nw_src:IP`.
    SetIpv4Src(Ipv4Addr),
    /// `mod_nw_dst:IP`.
    SetIpv4Dst(Ipv4Addr),
    /// `mod_nw_tos:TOS` (the DSCP bits in TOS position, a multiple of 4).
    SetIpDscp(u8),
    /// `mod_nw_ecn:ECN`.
    SetIpEcn(u8),
    /// `mod_nw_ttl:TTL` (`OFPAT_SET_NW_TTL`).
    SetIpTtl(u8),
    /// `mod_tp_src:PORT`.
    SetL4SrcPort {
        /// The port.
        port: u16,
        /// The flow's IP protocol, if its match fixes one (see [`apply_match_context`]).
        ip_proto: Option<u8>,
    },
    /// `mod_tp_dst:PORT`.
    SetL4DstPort {
        /// The port.
        port: u16,
        /// The flow's IP protocol, if its match fixes one (see [`apply_match_context`]).
        ip_proto: Option<u8>,
    },
    /// `move:SRC->DST` (`NXAST_REG_MOVE`, OpenFlow 1.5 `OFPAT_COPY_FIELD`, ONF copy-field).
    Move(Box<Move>),
    /// `push:SUBFIELD` (`NXAST_STACK_PUSH`).
    StackPush(Subfield),
    /// `pop:SUBFIELD` (`NXAST_STACK_POP`).
    StackPop(Subfield),
    /// `dec_ttl` or `dec_ttl(id,...)`.
    DecTtl {
        /// Controller ids to notify when the TTL expires (`dec_ttl` alone is `[0]`).
        controller_ids: Vec<u16>,
        /// Whether it is `NXAST_DEC_TTL_CNT_IDS` (written `dec_ttl(...)`).
        cnt_ids: bool,
    },
    /// `set_mpls_label(L)`.
    SetMplsLabel(u32),
    /// `set_mpls_tc(TC)`.
    SetMplsTc(u8),
    /// `set_mpls_ttl(TTL)`.
    SetMplsTtl(u8),
    /// `dec_mpls_ttl`.
    DecMplsTtl,
    /// `push_mpls:ETHERTYPE`.
    PushMpls(u16),
    /// `pop_mpls:ETHERTYPE`.
    PopMpls(u16),
    /// `dec_nsh_ttl`.
    DecNshTtl,
    /// `delete_field:FIELD`.
    DeleteField(Field),
    /// `set_tunnel:ID` / `set_tunnel64:ID` (`set_field` of `tun_id` from OpenFlow 1.2 on).
    SetTunnel {
        /// The tunnel id.
        id: u64,
        /// `set_tunnel64` (`NXAST_SET_TUNNEL64`).
        tun64: bool,
    },
    /// `set_queue:Q`.
    SetQueue(u32),
    /// `pop_queue`.
    PopQueue,
    /// `fin_timeout(idle_timeout=I,hard_timeout=H)`.
    FinTimeout {
        /// New idle timeout (0: unchanged).
        idle: u16,
        /// New hard timeout (0: unchanged).
        hard: u16,
    },
    /// `resubmit:PORT`, `resubmit(PORT,TABLE[,ct])`.
    Resubmit(Resubmit),
    /// `learn(...)` (`NXAST_LEARN`/`NXAST_LEARN2`).
    Learn(Box<Learn>),
    /// `conjunction(ID,CLAUSE/N)`; `clause` is 0-based here and 1-based in text.
    Conjunction {
        /// The conjunction id.
        id: u32,
        /// The clause index, 0-based.
        clause: u8,
        /// The number of clauses (2..=64).
        n_clauses: u8,
    },
    /// `multipath(...)`.
    Multipath(Box<Multipath>),
    /// `note:HEX`; the bytes as on the wire (padded with zeros by the encoding).
    Note(Vec<u8>),
    /// `exit`.
    Exit,
    /// `sample(...)`.
    Sample(Box<Sample>),
    /// `ct(...)`.
    Ct(Ct),
    /// `ct_clear`.
    CtClear,
    /// `nat(...)`, valid only inside `ct`.
    Nat(Nat),
    /// `clone(...)`.
    Clone(Vec<Action>),
    /// `check_pkt_larger(LEN)->DST`.
    CheckPktLarger {
        /// The length to compare with.
        pkt_len: u16,
        /// The 1-bit result destination.
        dst: Subfield,
    },
    /// `meter:ID`: an instruction under OpenFlow 1.3/1.4, an action under 1.5.
    Meter(u32),
    /// `clear_actions` (instruction).
    ClearActions,
    /// `write_actions(...)` (instruction).
    WriteActions(Vec<Action>),
    /// `write_metadata:V[/M]` (instruction).
    WriteMetadata {
        /// The value.
        value: u64,
        /// The mask.
        mask: u64,
    },
    /// `goto_table:T` (instruction).
    GotoTable(u8),
    /// `debug_recirc` (Open vSwitch testing only).
    DebugRecirc,
    /// `debug_slow` (Open vSwitch testing only).
    DebugSlow,
    /// An action this crate does not decode: its whole wire bytes (type, length, body),
    /// re-encoded unchanged. Written `raw_action(HEX)` in text (not ovs-ofctl syntax).
    Unknown(Vec<u8>),
    /// An instruction this crate does not decode (an experimenter instruction, OpenFlow
    /// 1.5's stat trigger, ...): its whole wire bytes. Written `raw_instruction(HEX)`.
    UnknownInstruction(Vec<u8>),
}

/// `controller(...)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Controller {
    /// Bytes of the packet to send (65535: all).
    pub max_len: u16,
    /// The controller connection id to send to.
    pub controller_id: u16,
    /// The packet-in reason (`OFPR_*`, 1 = `action`).
    pub reason: u8,
    /// Opaque data for the packet-in.
    pub userdata: Vec<u8>,
    /// Pause the pipeline (continuation).
    pub pause: bool,
    /// Meter for the packet-ins (0: none).
    pub meter_id: u32,
    /// Whether it is `NXAST_CONTROLLER2` (also used whenever userdata, pause or a meter is
    /// set).
    pub controller2: bool,
}

impl Default for Controller {
    fn default() -> Controller {
        Controller {
            max_len: u16::MAX,
            controller_id: 0,
            reason: REASON_ACTION,
            userdata: Vec::new(),
            pause: false,
            meter_id: 0,
            controller2: false,
        }
    }
}

/// The packet-in reason `action` (`OFPR_ACTION`).
pub const REASON_ACTION: u8 = 1;

/// `bundle(...)` / `bundle_load(...)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bundle {
    /// What to hash (`NX_HASH_FIELDS_*`).
    pub fields: u16,
    /// Hash basis.
    pub basis: u16,
    /// Member selection (`NX_BD_ALG_*`: 0 active_backup, 1 hrw).
    pub algorithm: u16,
    /// `bundle_load`'s destination; `None` for `bundle`.
    pub dst: Option<Subfield>,
    /// The member ports.
    pub members: Vec<OfpPort>,
}

/// `multipath(...)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Multipath {
    /// What to hash (`NX_HASH_FIELDS_*`).
    pub fields: u16,
    /// Hash basis.
    pub basis: u16,
    /// Link selection (`NX_MP_ALG_*`).
    pub algorithm: u16,
    /// Number of links minus one.
    pub max_link: u16,
    /// Algorithm argument.
    pub arg: u32,
    /// Where the link number is stored.
    pub dst: Subfield,
}

/// Which wire form a [`SetField`] came in as, and goes out as when the version allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SetFieldForm {
    /// `OFPAT_SET_FIELD` (text `set_field`).
    #[default]
    SetField,
    /// `NXAST_REG_LOAD` (text `load`).
    RegLoad,
    /// `NXAST_REG_LOAD2`.
    RegLoad2,
}

/// A field write: `set_field` or `load`.
///
/// `value` and `mask` are the field's bytes, right-aligned; bits of `value` outside `mask`
/// are zero. A mask of all ones over the field's bytes is an unmasked write.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SetField {
    /// The field written.
    pub field: Field,
    /// The value.
    pub value: u128,
    /// Which bits are written.
    pub mask: u128,
    /// The wire form.
    pub form: SetFieldForm,
}

impl SetField {
    /// An unmasked `set_field` of `value` into `field`.
    pub fn new(field: Field, value: u128) -> SetField {
        SetField {
            field,
            value: value & bytes_mask(field),
            mask: bytes_mask(field),
            form: SetFieldForm::SetField,
        }
    }

    /// Whether every bit of the field is written.
    #[inline]
    pub fn is_exact(&self) -> bool {
        self.mask == bytes_mask(self.field)
    }
}

/// Whether a `ct` with these nested actions needs the `commit` flag: anything but a `nat`
/// without arguments does (Open vSwitch refuses the action otherwise).
pub(crate) fn ct_needs_commit(actions: &[Action]) -> bool {
    actions
        .iter()
        .any(|n| !matches!(n, Action::Nat(nat) if nat.flags == 0 && nat.range == NatRange::None))
}

/// All ones over `field`'s bytes (what Open vSwitch calls an exact mask).
pub(crate) fn bytes_mask(field: Field) -> u128 {
    field.bytes_mask()
}

/// Which wire form a [`Move`] came in as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum MoveForm {
    /// `NXAST_REG_MOVE` (OpenFlow 1.3/1.4's default).
    #[default]
    RegMove,
    /// Copy-field: OpenFlow 1.5's `OFPAT_COPY_FIELD`, or the ONF extension under 1.3.
    CopyField,
}

/// `move:SRC->DST`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Move {
    /// Source bits.
    pub src: Subfield,
    /// Destination bits (as many as the source).
    pub dst: Subfield,
    /// The wire form.
    pub form: MoveForm,
}

/// `resubmit`. Open vSwitch's encoding: `in_port` [`OfpPort::IN_PORT`] means "the packet's
/// input port" and `table` 255 means "the current table".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Resubmit {
    /// The input port to look up with.
    pub in_port: OfpPort,
    /// The table (255: the current one).
    pub table: u8,
    /// Look up with the conntrack original-direction tuple (`NXAST_RESUBMIT_TABLE_CT`).
    pub ct: bool,
    /// Whether it came in as the table-less `NXAST_RESUBMIT` (kept for re-encoding).
    pub legacy: bool,
}

/// `learn(...)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Learn {
    /// Idle timeout of learned flows (0: none).
    pub idle_timeout: u16,
    /// Hard timeout of learned flows (0: none).
    pub hard_timeout: u16,
    /// Priority of learned flows.
    pub priority: u16,
    /// Cookie of learned flows.
    pub cookie: u64,
    /// `NX_LEARN_F_*` flags: 1 send_flow_rem, 2 delete_learned, 4 write result (set
    /// exactly when `result_dst` is).
    pub flags: u16,
    /// Table of learned flows (not 255).
    pub table_id: u8,
    /// Idle timeout after a FIN (0: none).
    pub fin_idle_timeout: u16,
    /// Hard timeout after a FIN (0: none).
    pub fin_hard_timeout: u16,
    /// Maximum number of learned flows (0: unlimited; NXAST_LEARN2 only).
    pub limit: u32,
    /// Where to write whether learning succeeded (1 bit; NXAST_LEARN2 only).
    pub result_dst: Option<Subfield>,
    /// The flow_mod specs.
    pub specs: Vec<LearnSpec>,
    /// Whether it is `NXAST_LEARN2` (also used whenever `limit` or `result_dst` is set).
    pub learn2: bool,
}

impl Default for Learn {
    fn default() -> Learn {
        Learn {
            idle_timeout: 0,
            hard_timeout: 0,
            priority: 0x8000,
            cookie: 0,
            flags: 0,
            table_id: 1,
            fin_idle_timeout: 0,
            fin_hard_timeout: 0,
            limit: 0,
            result_dst: None,
            specs: Vec::new(),
            learn2: false,
        }
    }
}

/// `learn` flag: learned flows send flow-removed messages.
pub const LEARN_SEND_FLOW_REM: u16 = 1;
/// `learn` flag: deleting the learning flow deletes the learned flows.
pub const LEARN_DELETE_LEARNED: u16 = 2;
/// `learn` flag: write the result to `result_dst`.
pub const LEARN_WRITE_RESULT: u16 = 4;

/// One spec of a `learn` action.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LearnSpec {
    /// Match `dst` against the bits of `src` in the packet (`dst=src`, or `dst` alone when
    /// both are the same).
    MatchField {
        /// The learned flow's match bits.
        dst: Subfield,
        /// The packet's bits (same width).
        src: Subfield,
    },
    /// Match `dst` against a constant (`dst=value`). `value` holds the
    /// `ceil(n_bits/8)` bytes of the constant, right-aligned.
    MatchValue {
        /// The learned flow's match bits.
        dst: Subfield,
        /// The constant.
        value: u128,
    },
    /// `load:src->dst` in the learned flow.
    LoadField {
        /// The learned flow's destination.
        dst: Subfield,
        /// The packet's bits.
        src: Subfield,
    },
    /// `load:value->dst` in the learned flow.
    LoadValue {
        /// The learned flow's destination.
        dst: Subfield,
        /// The constant, as in [`LearnSpec::MatchValue`].
        value: u128,
    },
    /// `output:src` in the learned flow.
    Output {
        /// The packet's bits holding the port.
        src: Subfield,
    },
}

/// `sample(...)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sample {
    /// Packets sampled out of 65535.
    pub probability: u16,
    /// IPFIX collector set.
    pub collector_set_id: u32,
    /// Observation domain.
    pub obs_domain_id: u32,
    /// Observation point.
    pub obs_point_id: u32,
    /// Sampling port ([`OfpPort::NONE`]: none).
    pub sampling_port: OfpPort,
    /// 0 default, 1 ingress, 2 egress.
    pub direction: u8,
    /// Wire form: 1 `NXAST_SAMPLE`, 2 `NXAST_SAMPLE2`, 3 `NXAST_SAMPLE3` (the encoder uses
    /// a later one when the fields need it).
    pub form: u8,
}

/// `ct(...)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ct {
    /// `NX_CT_F_*`: 1 commit, 2 force.
    pub flags: u16,
    /// The zone.
    pub zone: CtZone,
    /// Table to recirculate to (255: none).
    pub recirc_table: u8,
    /// ALG port (21 ftp, 69 tftp, 0 none).
    pub alg: u16,
    /// Nested actions: a leading [`Action::Nat`] is written `nat(...)`, the rest `exec(...)`.
    pub actions: Vec<Action>,
}

impl Default for Ct {
    fn default() -> Ct {
        Ct {
            flags: 0,
            zone: CtZone::Imm(0),
            recirc_table: 255,
            alg: 0,
            actions: Vec::new(),
        }
    }
}

/// `ct` flag `commit`.
pub const CT_COMMIT: u16 = 1;
/// `ct` flag `force`.
pub const CT_FORCE: u16 = 2;

/// The conntrack zone of a `ct` action.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CtZone {
    /// An immediate zone.
    Imm(u16),
    /// 16 bits read from a field.
    Field(Subfield),
}

/// `nat(...)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Nat {
    /// `NX_NAT_F_*`: 1 src, 2 dst, 4 persistent, 8 hash, 16 random.
    pub flags: u16,
    /// The address and port range.
    pub range: NatRange,
}

/// `nat` flag `src`.
pub const NAT_SRC: u16 = 1;
/// `nat` flag `dst`.
pub const NAT_DST: u16 = 2;
/// `nat` flag `persistent`.
pub const NAT_PERSISTENT: u16 = 4;
/// `nat` flag `hash`.
pub const NAT_HASH: u16 = 8;
/// `nat` flag `random`.
pub const NAT_RANDOM: u16 = 16;

/// A NAT range. Zero maxima (and zero/unspecified addresses) mean "absent", as in Open
/// vSwitch: only nonzero values are put on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum NatRange {
    /// No range.
    #[default]
    None,
    /// IPv4 addresses.
    Ipv4 {
        /// First address.
        min: Ipv4Addr,
        /// Last address (unspecified: absent).
        max: Ipv4Addr,
        /// First port (0: none).
        proto_min: u16,
        /// Last port (0: absent).
        proto_max: u16,
    },
    /// IPv6 addresses.
    Ipv6 {
        /// First address.
        min: Ipv6Addr,
        /// Last address (unspecified: absent).
        max: Ipv6Addr,
        /// First port (0: none).
        proto_min: u16,
        /// Last port (0: absent).
        proto_max: u16,
    },
}

/// One instruction (OpenFlow 1.1+).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Instruction {
    /// `OFPIT_APPLY_ACTIONS`.
    ApplyActions(Vec<Action>),
    /// `OFPIT_WRITE_ACTIONS`.
    WriteActions(Vec<Action>),
    /// `OFPIT_CLEAR_ACTIONS`.
    ClearActions,
    /// `OFPIT_WRITE_METADATA`.
    WriteMetadata {
        /// The value.
        value: u64,
        /// The mask.
        mask: u64,
    },
    /// `OFPIT_GOTO_TABLE`.
    GotoTable(u8),
    /// `OFPIT_METER` (OpenFlow 1.3/1.4).
    Meter(u32),
    /// An instruction kept as its wire bytes (type, length and body): experimenter
    /// instructions, OpenFlow 1.5's stat trigger, types unknown to the version.
    Unknown(Vec<u8>),
}

/// Decodes an action list filling exactly `len` bytes.
pub fn decode_actions(r: &mut Reader<'_>, len: usize, version: Version) -> Result<Vec<Action>> {
    let mut sub = r.sub(len, "action list")?;
    decode::actions(&mut sub, version, 0)
}

/// Encodes an action list; returns its length in bytes. Fails, naming the action, for
/// actions `version` cannot express (e.g. an instruction such as `goto_table`, or `meter`
/// before OpenFlow 1.5).
pub fn encode_actions(actions: &[Action], w: &mut Writer, version: Version) -> Result<usize> {
    let start = w.len();
    encode::actions(actions, w, version, 0)?;
    Ok(w.len() - start)
}

/// Decodes an instruction list filling exactly `len` bytes.
pub fn decode_instructions(
    r: &mut Reader<'_>,
    len: usize,
    version: Version,
) -> Result<Vec<Instruction>> {
    let mut out = Vec::new();
    decode_instructions_into(r, len, version, &mut out)?;
    Ok(out)
}

/// [`decode_instructions`] into `out`, replacing its contents and reusing the memory of its
/// action lists. On error `out` holds an unspecified part of the instructions.
pub fn decode_instructions_into(
    r: &mut Reader<'_>,
    len: usize,
    version: Version,
    out: &mut Vec<Instruction>,
) -> Result<()> {
    let mut sub = r.sub(len, "instruction list")?;
    inst::decode_into(&mut sub, version, out)
}

/// Encodes an instruction list; returns its length in bytes.
pub fn encode_instructions(
    instructions: &[Instruction],
    w: &mut Writer,
    version: Version,
) -> Result<usize> {
    let start = w.len();
    inst::encode(instructions, w, version)?;
    Ok(w.len() - start)
}

/// What a switch decodes `actions` into after they were encoded for `version`: the form
/// ovs-ofctl prints (see the module documentation). Equal to decoding the encoding, without
/// the bytes.
pub fn canonical_actions(actions: &[Action], version: Version) -> Vec<Action> {
    let mut out = Vec::with_capacity(actions.len());
    canon::actions(actions, version, &mut out);
    out
}

/// Match facts some actions need when encoded (see the module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatchContext {
    /// The IP protocol the match fixes (`tcp` → 6), if any.
    pub ip_proto: Option<u8>,
    /// Whether the match requires a VLAN header.
    pub has_vlan: bool,
}

/// Records the match facts of `ctx` in the actions that depend on them (recursively),
/// following the actions' own effects on the packet as Open vSwitch's check step does
/// (`push_vlan` adds a header, `strip_vlan` removes it, `push_mpls` hides the IP protocol).
pub fn apply_match_context(actions: &mut [Action], ctx: MatchContext) {
    let mut ctx = ctx;
    for a in actions {
        match a {
            Action::SetL4SrcPort { ip_proto, .. } | Action::SetL4DstPort { ip_proto, .. } => {
                *ip_proto = ctx.ip_proto;
            }
            Action::SetVlanVid { flow_has_vlan, .. } | Action::SetVlanPcp { flow_has_vlan, .. } => {
                *flow_has_vlan = ctx.has_vlan;
                ctx.has_vlan = true;
            }
            Action::PushVlan(_) => ctx.has_vlan = true,
            Action::StripVlan { .. } => ctx.has_vlan = false,
            Action::PushMpls(_) => ctx.ip_proto = None,
            Action::Clone(inner) => apply_match_context(inner, ctx),
            Action::WriteActions(inner) => apply_match_context(inner, ctx),
            Action::Ct(ct) => apply_match_context(&mut ct.actions, ctx),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
