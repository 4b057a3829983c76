//! OpenFlow messages: the header, stream framing, and the codec of every message OVN and
//! the ovs tools exchange with a switch, for OpenFlow 1.3, 1.4 and 1.5 plus the Nicira
//! and ONF extensions.
//!
//! One [`Message`] value encodes differently per version: [`Message::encode`] picks the
//! version's type number and layout (OpenFlow 1.3 bundles become the ONF experimenter
//! messages, OpenFlow 1.5 flow-removed messages carry OXS statistics, ...). A value the
//! chosen version cannot express (a message that does not exist there, a field it has no
//! room for) is an [`Error::Encode`], never a silent loss. Messages over 65,535 bytes are an
//! [`Error::Encode`] too.
//!
//! [`Message::decode`] takes exactly one whole message (see [`frame_len`] to cut a byte
//! stream into messages) and never panics: every length at every layer is checked against
//! its container. Message types this module does not know, in the standard space or as
//! experimenter messages, decode to [`Message::Unknown`] and [`Message::Experimenter`],
//! which re-encode byte for byte.

mod basic;
mod bundle;
mod errors;
mod flow;
mod group;
mod meter;
mod multipart;
mod nicira;
mod port;
mod table;

pub use basic::{AsyncConfig, AsyncMasks, AsyncProp, FeaturesReply, Hello, HelloElement};
pub use basic::{Role, RoleStatus, SwitchConfig};
pub use bundle::{BundleAdd, BundleControl, BundleInner};
pub use errors::ErrorMsg;
pub(crate) use flow::FixedPart;
pub use flow::{FlowMod, FlowRemoved, PacketIn, PacketOut};
pub use group::{BUCKET_ALL, Bucket, GroupDesc, GroupFeatures, GroupMod, GroupStats};
pub use meter::{MeterBand, MeterBandStats, MeterConfig, MeterFeatures, MeterMod, MeterStats};
pub use multipart::{
    AggregateStats, Desc, FlowModView, FlowStats, FlowStatsRequest, FlowStatsView, FlowStatsViews,
    FlowView, MultipartReply, MultipartReplyBody, MultipartRequest, MultipartRequestBody,
    TableStats, flow_stats_views,
};
pub use nicira::{
    ContinuationProp, CtFlush, CtTuple, FlowMonitorRequest, FlowUpdate, PacketIn2, TlvMap,
    TlvTableMod, TlvTableReply,
};
pub use port::{Port, PortMod, PortStats, PortStatus};
pub use table::{OxmId, TableFeatureProp, TableFeatures, TableMod, TableModProp, WireId};

use crate::error::{Error, Result};
use crate::matching::Match;
use crate::version::Version;
use crate::wire::{Reader, Writer};

/// The length of the OpenFlow header.
pub const HEADER_LEN: usize = 8;

/// The Nicira experimenter id (`NX_VENDOR_ID`).
pub const NX_VENDOR_ID: u32 = 0x0000_2320;
/// The Open Networking Foundation experimenter id (`ONF_VENDOR_ID`).
pub const ONF_VENDOR_ID: u32 = 0x4f4e_4600;

/// `OFPP_ANY`: no port (wildcard in requests).
pub const OFPP_ANY: u32 = 0xffff_ffff;
/// `OFPP_CONTROLLER`: the controller port.
pub const OFPP_CONTROLLER: u32 = 0xffff_fffd;
/// `OFPG_ANY`: no group (wildcard in requests).
pub const OFPG_ANY: u32 = 0xffff_ffff;
/// `OFPG_ALL`: all groups (group stats and group desc requests).
pub const OFPG_ALL: u32 = 0xffff_fffc;
/// `OFP_NO_BUFFER`: the packet is not buffered on the switch.
pub const NO_BUFFER: u32 = 0xffff_ffff;
/// `OFPM_ALL`: all meters (meter stats and config requests).
pub const OFPM_ALL: u32 = 0xffff_ffff;
/// `OFPTT_ALL`: all tables.
pub const OFPTT_ALL: u8 = 0xff;

/// Standard message type numbers (`OFPT_*`), the same in OpenFlow 1.3 to 1.5 where a message
/// exists.
pub mod ofpt {
    /// `OFPT_HELLO`.
    pub const HELLO: u8 = 0;
    /// `OFPT_ERROR`.
    pub const ERROR: u8 = 1;
    /// `OFPT_ECHO_REQUEST`.
    pub const ECHO_REQUEST: u8 = 2;
    /// `OFPT_ECHO_REPLY`.
    pub const ECHO_REPLY: u8 = 3;
    /// `OFPT_EXPERIMENTER`.
    pub const EXPERIMENTER: u8 = 4;
    /// `OFPT_FEATURES_REQUEST`.
    pub const FEATURES_REQUEST: u8 = 5;
    /// `OFPT_FEATURES_REPLY`.
    pub const FEATURES_REPLY: u8 = 6;
    /// `OFPT_GET_CONFIG_REQUEST`.
    pub const GET_CONFIG_REQUEST: u8 = 7;
    /// `OFPT_GET_CONFIG_REPLY`.
    pub const GET_CONFIG_REPLY: u8 = 8;
    /// `OFPT_SET_CONFIG`.
    pub const SET_CONFIG: u8 = 9;
    /// `OFPT_PACKET_IN`.
    pub const PACKET_IN: u8 = 10;
    /// `OFPT_FLOW_REMOVED`.
    pub const FLOW_REMOVED: u8 = 11;
    /// `OFPT_PORT_STATUS`.
    pub const PORT_STATUS: u8 = 12;
    /// `OFPT_PACKET_OUT`.
    pub const PACKET_OUT: u8 = 13;
    /// `OFPT_FLOW_MOD`.
    pub const FLOW_MOD: u8 = 14;
    /// `OFPT_GROUP_MOD`.
    pub const GROUP_MOD: u8 = 15;
    /// `OFPT_PORT_MOD`.
    pub const PORT_MOD: u8 = 16;
    /// `OFPT_TABLE_MOD`.
    pub const TABLE_MOD: u8 = 17;
    /// `OFPT_MULTIPART_REQUEST`.
    pub const MULTIPART_REQUEST: u8 = 18;
    /// `OFPT_MULTIPART_REPLY`.
    pub const MULTIPART_REPLY: u8 = 19;
    /// `OFPT_BARRIER_REQUEST`.
    pub const BARRIER_REQUEST: u8 = 20;
    /// `OFPT_BARRIER_REPLY`.
    pub const BARRIER_REPLY: u8 = 21;
    /// `OFPT_ROLE_REQUEST`.
    pub const ROLE_REQUEST: u8 = 24;
    /// `OFPT_ROLE_REPLY`.
    pub const ROLE_REPLY: u8 = 25;
    /// `OFPT_GET_ASYNC_REQUEST`.
    pub const GET_ASYNC_REQUEST: u8 = 26;
    /// `OFPT_GET_ASYNC_REPLY`.
    pub const GET_ASYNC_REPLY: u8 = 27;
    /// `OFPT_SET_ASYNC`.
    pub const SET_ASYNC: u8 = 28;
    /// `OFPT_METER_MOD`.
    pub const METER_MOD: u8 = 29;
    /// `OFPT_ROLE_STATUS` (OpenFlow 1.4+).
    pub const ROLE_STATUS: u8 = 30;
    /// `OFPT_BUNDLE_CONTROL` (OpenFlow 1.4+).
    pub const BUNDLE_CONTROL: u8 = 33;
    /// `OFPT_BUNDLE_ADD_MESSAGE` (OpenFlow 1.4+).
    pub const BUNDLE_ADD_MESSAGE: u8 = 34;
}

/// Nicira extension message subtypes (`NXT_*`).
pub mod nxt {
    /// `NXT_SET_PACKET_IN_FORMAT`.
    pub const SET_PACKET_IN_FORMAT: u32 = 16;
    /// `NXT_SET_CONTROLLER_ID`.
    pub const SET_CONTROLLER_ID: u32 = 20;
    /// `NXT_FLOW_MONITOR_CANCEL` (OpenFlow 1.0-1.2; 1.3 uses the ONF number).
    pub const FLOW_MONITOR_CANCEL: u32 = 21;
    /// `NXT_FLOW_MONITOR_PAUSED`.
    pub const FLOW_MONITOR_PAUSED: u32 = 22;
    /// `NXT_FLOW_MONITOR_RESUMED`.
    pub const FLOW_MONITOR_RESUMED: u32 = 23;
    /// `NXT_TLV_TABLE_MOD`.
    pub const TLV_TABLE_MOD: u32 = 24;
    /// `NXT_TLV_TABLE_REQUEST`.
    pub const TLV_TABLE_REQUEST: u32 = 25;
    /// `NXT_TLV_TABLE_REPLY`.
    pub const TLV_TABLE_REPLY: u32 = 26;
    /// `NXT_SET_ASYNC_CONFIG2`.
    pub const SET_ASYNC_CONFIG2: u32 = 27;
    /// `NXT_RESUME`.
    pub const RESUME: u32 = 28;
    /// `NXT_CT_FLUSH_ZONE`.
    pub const CT_FLUSH_ZONE: u32 = 29;
    /// `NXT_CT_FLUSH`.
    pub const CT_FLUSH: u32 = 32;
    /// `NXT_PACKET_IN2`.
    pub const PACKET_IN2: u32 = 30;
}

/// ONF extension message subtypes (`ONFT_*`), used with OpenFlow 1.3.
pub mod onft {
    /// `ONFT_FLOW_MONITOR_CANCEL`.
    pub const FLOW_MONITOR_CANCEL: u32 = 1870;
    /// `ONFT_FLOW_MONITOR_PAUSED`.
    pub const FLOW_MONITOR_PAUSED: u32 = 1871;
    /// `ONFT_FLOW_MONITOR_RESUMED`.
    pub const FLOW_MONITOR_RESUMED: u32 = 1872;
    /// `ONFT_ROLE_STATUS`.
    pub const ROLE_STATUS: u32 = 1911;
    /// `ONFT_BUNDLE_CONTROL`.
    pub const BUNDLE_CONTROL: u32 = 2300;
    /// `ONFT_BUNDLE_ADD_MESSAGE`.
    pub const BUNDLE_ADD_MESSAGE: u32 = 2301;
}

/// The OpenFlow header that starts every message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// The version byte (`0x04` for OpenFlow 1.3, ...).
    pub version: u8,
    /// The message type (`OFPT_*`).
    pub type_: u8,
    /// The length of the whole message, header included.
    pub length: u16,
    /// The transaction id.
    pub xid: u32,
}

impl Header {
    /// Reads a header from the first 8 bytes of `buf` (the rest is not looked at).
    pub fn decode(buf: &[u8]) -> Result<Header> {
        Header::read(&mut Reader::new(buf, "OpenFlow header"))
    }

    fn read(r: &mut Reader<'_>) -> Result<Header> {
        if r.remaining() >= HEADER_LEN {
            // All 8 bytes at once.
            let [version, type_, l0, l1, x0, x1, x2, x3] = r.array::<8>()?;
            return Ok(Header {
                version,
                type_,
                length: u16::from_be_bytes([l0, l1]),
                xid: u32::from_be_bytes([x0, x1, x2, x3]),
            });
        }
        // A field at a time, for the error naming the first one cut short.
        Ok(Header {
            version: r.u8()?,
            type_: r.u8()?,
            length: r.u16()?,
            xid: r.u32()?,
        })
    }

    /// Appends the header's 8 bytes.
    pub fn encode(&self, w: &mut Writer) {
        w.u8(self.version);
        w.u8(self.type_);
        w.u16(self.length);
        w.u32(self.xid);
    }
}

/// Stream framing: the length of the message at the start of `buf`.
///
/// `Ok(None)` while fewer than 8 bytes (a whole header) are available; `Ok(Some(n))` once the
/// header is there, `n` being the whole message's length (which may exceed `buf.len()`:
/// read more). A header claiming fewer than 8 bytes is an error: the stream cannot be
/// resynchronized.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let h = Header::decode(buf)?;
    if (h.length as usize) < HEADER_LEN {
        return Err(Error::decode(
            "OpenFlow header",
            2,
            format_args!("message length {} is shorter than the header", h.length),
        ));
    }
    Ok(Some(h.length as usize))
}

/// A property (TLV) kept as its type and body, as in OpenFlow 1.4+ property lists: a
/// 4-byte header (type, length), the body, then padding to 8 bytes.
///
/// For experimenter properties (type `0xffff`, or `0xfffe` in table features), the body
/// starts with the experimenter id and the experimenter type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Property {
    /// The property type.
    pub type_: u16,
    /// The body, without the 4-byte header and without padding.
    pub body: Vec<u8>,
}

impl Property {
    pub(crate) fn encode(&self, w: &mut Writer, what: &str) -> Result<()> {
        put_prop(w, self.type_, what, |w| {
            w.bytes(&self.body);
            Ok(())
        })
    }
}

/// Writes one property: header, `body`, padding to 8 bytes.
pub(crate) fn put_prop(
    w: &mut Writer,
    type_: u16,
    what: &str,
    body: impl FnOnce(&mut Writer) -> Result<()>,
) -> Result<()> {
    let start = w.len();
    w.u16(type_);
    w.u16(0);
    body(w)?;
    w.patch_len(start + 2, start, what)?;
    w.pad_from(start, 8);
    Ok(())
}

/// One property read from a property list.
pub(crate) struct RawProp<'a> {
    pub type_: u16,
    /// The body (after the 4-byte header, before padding), as a reader of its own.
    pub body: Reader<'a>,
}

impl RawProp<'_> {
    pub(crate) fn to_property(&self) -> Property {
        Property {
            type_: self.type_,
            body: self.body.rest().to_vec(),
        }
    }
}

/// Reads the next property of a list padded to 8 bytes: the length must cover the header
/// and, rounded up to 8, fit in what is left.
pub(crate) fn next_prop<'a>(r: &mut Reader<'a>, context: &'static str) -> Result<RawProp<'a>> {
    if r.remaining() < 4 {
        return Err(r.error(format_args!(
            "{} trailing bytes are too short for a property header",
            r.remaining()
        )));
    }
    let type_ = r.peek_u16(0)?;
    let len = r.peek_u16(2)? as usize;
    if len < 4 {
        return Err(r.error(format_args!(
            "property type {type_:#x} has length {len}, shorter than its 4-byte header"
        )));
    }
    let padded = len.next_multiple_of(8);
    if padded > r.remaining() {
        return Err(r.error(format_args!(
            "property type {type_:#x} of length {len} (padded to {padded}) overruns its \
             container ({} bytes left)",
            r.remaining()
        )));
    }
    r.skip(4)?;
    let body = r.sub(len - 4, context)?;
    r.skip(padded - len)?;
    Ok(RawProp { type_, body })
}

/// Reads a whole list of properties as [`Property`] values.
pub(crate) fn read_props(r: &mut Reader<'_>, context: &'static str) -> Result<Vec<Property>> {
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(next_prop(r, context)?.to_property());
    }
    Ok(out)
}

pub(crate) fn write_props(w: &mut Writer, props: &[Property], what: &str) -> Result<()> {
    props.iter().try_for_each(|p| p.encode(w, what))
}

/// Reads an `ofp_match` after checking its length against the container (the match codec
/// then reads it).
pub(crate) fn read_match(r: &mut Reader<'_>, version: Version) -> Result<Match> {
    let mut m = Match::new();
    read_match_into(r, version, &mut m)?;
    Ok(m)
}

/// [`read_match`] into `m`, reusing its memory.
pub(crate) fn read_match_into(r: &mut Reader<'_>, _version: Version, m: &mut Match) -> Result<()> {
    let r0 = r.clone().with_context("ofp_match");
    if r.remaining() < 4 {
        return Err(r0.error(format_args!(
            "needs a 4-byte match header, {} bytes left",
            r.remaining()
        )));
    }
    let type_ = r.peek_u16(0)?;
    let len = r.peek_u16(2)? as usize;
    if type_ != 1 {
        return Err(r0.error(format_args!("match type {type_} is not OFPMT_OXM (1)")));
    }
    if len < 4 {
        return Err(r0.error(format_args!(
            "match length {len} is shorter than its 4-byte header"
        )));
    }
    if len.next_multiple_of(8) > r.remaining() {
        return Err(r0.error(format_args!(
            "match length {len} (padded to {}) overruns its container ({} bytes left)",
            len.next_multiple_of(8),
            r.remaining()
        )));
    }
    // The checks `Match::decode_into` would make again are made: its fields are next.
    m.decode_checked_into(r, len)
}

/// Writes a fixed-size, NUL-padded string field.
pub(crate) fn put_str(w: &mut Writer, s: &str, size: usize, what: &str) -> Result<()> {
    if s.len() > size || s.as_bytes().contains(&0) {
        return Err(Error::encode(
            what,
            format_args!("{s:?} does not fit a {size}-byte NUL-padded field"),
        ));
    }
    w.bytes(s.as_bytes());
    w.zeros(size - s.len());
    Ok(())
}

/// Reads a fixed-size, NUL-padded string field (up to the first NUL; invalid UTF-8 is
/// replaced).
pub(crate) fn get_str(r: &mut Reader<'_>, size: usize) -> Result<String> {
    let b = r.bytes(size)?;
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    Ok(String::from_utf8_lossy(b.get(..end).unwrap_or_default()).into_owned())
}

/// An encode error for a value version `v` cannot express.
pub(crate) fn unsupported(what: &str, v: Version, why: impl std::fmt::Display) -> Error {
    Error::encode(what, format_args!("{why} in {}", v.name()))
}

/// An OpenFlow message; see the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// `OFPT_HELLO`.
    Hello(Hello),
    /// `OFPT_ERROR`.
    Error(ErrorMsg),
    /// `OFPT_ECHO_REQUEST` with its payload.
    EchoRequest(Vec<u8>),
    /// `OFPT_ECHO_REPLY` with its payload.
    EchoReply(Vec<u8>),
    /// `OFPT_FEATURES_REQUEST`.
    FeaturesRequest,
    /// `OFPT_FEATURES_REPLY`.
    FeaturesReply(FeaturesReply),
    /// `OFPT_GET_CONFIG_REQUEST`.
    GetConfigRequest,
    /// `OFPT_GET_CONFIG_REPLY`.
    GetConfigReply(SwitchConfig),
    /// `OFPT_SET_CONFIG`.
    SetConfig(SwitchConfig),
    /// `OFPT_PACKET_IN`.
    PacketIn(PacketIn),
    /// `OFPT_FLOW_REMOVED`.
    FlowRemoved(FlowRemoved),
    /// `OFPT_PORT_STATUS`.
    PortStatus(PortStatus),
    /// `OFPT_PACKET_OUT`.
    PacketOut(PacketOut),
    /// `OFPT_FLOW_MOD`.
    FlowMod(FlowMod),
    /// `OFPT_GROUP_MOD`.
    GroupMod(GroupMod),
    /// `OFPT_PORT_MOD`.
    PortMod(PortMod),
    /// `OFPT_TABLE_MOD`.
    TableMod(TableMod),
    /// `OFPT_MULTIPART_REQUEST`.
    MultipartRequest(MultipartRequest),
    /// `OFPT_MULTIPART_REPLY`.
    MultipartReply(MultipartReply),
    /// `OFPT_BARRIER_REQUEST`.
    BarrierRequest,
    /// `OFPT_BARRIER_REPLY`.
    BarrierReply,
    /// `OFPT_ROLE_REQUEST`.
    RoleRequest(Role),
    /// `OFPT_ROLE_REPLY`.
    RoleReply(Role),
    /// `OFPT_GET_ASYNC_REQUEST`.
    GetAsyncRequest,
    /// `OFPT_GET_ASYNC_REPLY`.
    GetAsyncReply(AsyncConfig),
    /// `OFPT_SET_ASYNC`.
    SetAsync(AsyncConfig),
    /// `OFPT_METER_MOD`.
    MeterMod(MeterMod),
    /// `OFPT_ROLE_STATUS` (OpenFlow 1.4+), `ONFT_ROLE_STATUS` in OpenFlow 1.3.
    RoleStatus(RoleStatus),
    /// `OFPT_BUNDLE_CONTROL` (OpenFlow 1.4+), `ONFT_BUNDLE_CONTROL` in OpenFlow 1.3.
    BundleControl(BundleControl),
    /// `OFPT_BUNDLE_ADD_MESSAGE` (OpenFlow 1.4+), `ONFT_BUNDLE_ADD_MESSAGE` in OpenFlow 1.3.
    BundleAdd(BundleAdd),
    /// `NXT_PACKET_IN2`.
    PacketIn2(PacketIn2),
    /// `NXT_RESUME`: the same properties as a packet-in2 (the continuation echoed back).
    Resume(PacketIn2),
    /// `NXT_SET_PACKET_IN_FORMAT` (`NXPIF_*`: 0 standard, 1 NXT_PACKET_IN, 2 packet-in2).
    SetPacketInFormat(u32),
    /// `NXT_SET_CONTROLLER_ID`.
    SetControllerId(u16),
    /// `NXT_SET_ASYNC_CONFIG2`: async config properties.
    SetAsyncConfig2(Vec<AsyncProp>),
    /// `NXT_TLV_TABLE_MOD`.
    TlvTableMod(TlvTableMod),
    /// `NXT_TLV_TABLE_REQUEST`.
    TlvTableRequest,
    /// `NXT_TLV_TABLE_REPLY`.
    TlvTableReply(TlvTableReply),
    /// `NXT_CT_FLUSH_ZONE`: flush the connection tracking zone.
    CtFlushZone(u16),
    /// `NXT_CT_FLUSH`: flush matching connections.
    CtFlush(CtFlush),
    /// Flow monitor cancel (`ONFT_FLOW_MONITOR_CANCEL` in OpenFlow 1.3): the monitor id.
    FlowMonitorCancel(u32),
    /// Flow monitor paused (`ONFT_FLOW_MONITOR_PAUSED` in OpenFlow 1.3).
    FlowMonitorPaused,
    /// Flow monitor resumed (`ONFT_FLOW_MONITOR_RESUMED` in OpenFlow 1.3).
    FlowMonitorResumed,
    /// An experimenter message this module does not decode, kept as its body after the
    /// experimenter id and type.
    Experimenter {
        /// The experimenter id.
        experimenter: u32,
        /// The experimenter's message type.
        exp_type: u32,
        /// The rest of the message.
        data: Vec<u8>,
    },
    /// A message type this module does not decode (in the message's version), kept as its
    /// body after the header.
    Unknown {
        /// The header's type byte.
        type_: u8,
        /// The body.
        body: Vec<u8>,
    },
}

/// How a message is identified on the wire.
#[derive(Clone, Copy)]
enum WireType {
    Std(u8),
    Exp(u32, u32),
}

impl Message {
    /// The message's name as ovs-ofctl prints it (`OFPT_FLOW_MOD`, `NXT_PACKET_IN2`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Message::Hello(_) => "OFPT_HELLO",
            Message::Error(_) => "OFPT_ERROR",
            Message::EchoRequest(_) => "OFPT_ECHO_REQUEST",
            Message::EchoReply(_) => "OFPT_ECHO_REPLY",
            Message::FeaturesRequest => "OFPT_FEATURES_REQUEST",
            Message::FeaturesReply(_) => "OFPT_FEATURES_REPLY",
            Message::GetConfigRequest => "OFPT_GET_CONFIG_REQUEST",
            Message::GetConfigReply(_) => "OFPT_GET_CONFIG_REPLY",
            Message::SetConfig(_) => "OFPT_SET_CONFIG",
            Message::PacketIn(_) => "OFPT_PACKET_IN",
            Message::FlowRemoved(_) => "OFPT_FLOW_REMOVED",
            Message::PortStatus(_) => "OFPT_PORT_STATUS",
            Message::PacketOut(_) => "OFPT_PACKET_OUT",
            Message::FlowMod(_) => "OFPT_FLOW_MOD",
            Message::GroupMod(_) => "OFPT_GROUP_MOD",
            Message::PortMod(_) => "OFPT_PORT_MOD",
            Message::TableMod(_) => "OFPT_TABLE_MOD",
            Message::MultipartRequest(_) => "OFPST_REQUEST",
            Message::MultipartReply(_) => "OFPST_REPLY",
            Message::BarrierRequest => "OFPT_BARRIER_REQUEST",
            Message::BarrierReply => "OFPT_BARRIER_REPLY",
            Message::RoleRequest(_) => "OFPT_ROLE_REQUEST",
            Message::RoleReply(_) => "OFPT_ROLE_REPLY",
            Message::GetAsyncRequest => "OFPT_GET_ASYNC_REQUEST",
            Message::GetAsyncReply(_) => "OFPT_GET_ASYNC_REPLY",
            Message::SetAsync(_) => "OFPT_SET_ASYNC",
            Message::MeterMod(_) => "OFPT_METER_MOD",
            Message::RoleStatus(_) => "OFPT_ROLE_STATUS",
            Message::BundleControl(_) => "OFPT_BUNDLE_CONTROL",
            Message::BundleAdd(_) => "OFPT_BUNDLE_ADD_MESSAGE",
            Message::PacketIn2(_) => "NXT_PACKET_IN2",
            Message::Resume(_) => "NXT_RESUME",
            Message::SetPacketInFormat(_) => "NXT_SET_PACKET_IN_FORMAT",
            Message::SetControllerId(_) => "NXT_SET_CONTROLLER_ID",
            Message::SetAsyncConfig2(_) => "NXT_SET_ASYNC_CONFIG2",
            Message::TlvTableMod(_) => "NXT_TLV_TABLE_MOD",
            Message::TlvTableRequest => "NXT_TLV_TABLE_REQUEST",
            Message::TlvTableReply(_) => "NXT_TLV_TABLE_REPLY",
            Message::CtFlushZone(_) => "NXT_CT_FLUSH_ZONE",
            Message::CtFlush(_) => "NXT_CT_FLUSH",
            Message::FlowMonitorCancel(_) => "ONFT_FLOW_MONITOR_CANCEL",
            Message::FlowMonitorPaused => "ONFT_FLOW_MONITOR_PAUSED",
            Message::FlowMonitorResumed => "ONFT_FLOW_MONITOR_RESUMED",
            Message::Experimenter { .. } => "OFPT_EXPERIMENTER",
            Message::Unknown { .. } => "unknown message",
        }
    }

    /// Decodes one whole message: `buf` must hold exactly the message (its header's length
    /// equals `buf.len()`). Returns the version, the xid and the message.
    pub fn decode(buf: &[u8]) -> Result<(Version, u32, Message)> {
        let mut r = Reader::new(buf, "OpenFlow header");
        let h = Header::read(&mut r)?;
        if h.length as usize != buf.len() {
            return Err(Error::decode(
                "OpenFlow header",
                2,
                format_args!(
                    "header length {} differs from the message's {} bytes",
                    h.length,
                    buf.len()
                ),
            ));
        }
        let version = Version::from_wire(h.version).ok_or_else(|| {
            Error::decode(
                "OpenFlow header",
                0,
                format_args!("unsupported OpenFlow version {:#04x}", h.version),
            )
        })?;
        let msg = decode_body(version, h.type_, h.xid, r, true)?;
        Ok((version, h.xid, msg))
    }

    /// [`Message::decode`] for a flow_mod, into `fm`, replacing it and reusing its memory
    /// (the match's entries, the instructions and their action lists): decoding message
    /// after message into the same `FlowMod` allocates next to nothing. Returns the version
    /// and xid, or `Ok(None)` (leaving `fm` alone) when `buf` is not an `OFPT_FLOW_MOD` with
    /// a valid header: [`Message::decode`] decodes (or rejects) it then. On error `fm`
    /// holds an unspecified, partly decoded flow_mod.
    pub fn decode_flow_mod_into(buf: &[u8], fm: &mut FlowMod) -> Result<Option<(Version, u32)>> {
        let mut r = Reader::new(buf, "OpenFlow header");
        let h = Header::read(&mut r)?;
        let Some(version) = Version::from_wire(h.version) else {
            return Ok(None);
        };
        if h.length as usize != buf.len() || h.type_ != ofpt::FLOW_MOD {
            return Ok(None);
        }
        let mut r = r.with_context("OFPT_FLOW_MOD");
        fm.decode_into(&mut r, version)?;
        Ok(Some((version, h.xid)))
    }

    /// Decodes a hello of any version (for negotiation, before a version is agreed): returns
    /// the header's version byte, the xid and the hello.
    pub fn decode_hello(buf: &[u8]) -> Result<(u8, u32, Hello)> {
        let mut r = Reader::new(buf, "OpenFlow header");
        let h = Header::read(&mut r)?;
        if h.length as usize != buf.len() {
            return Err(r.error_at(
                2,
                format_args!(
                    "header length {} differs from the message's {} bytes",
                    h.length,
                    buf.len()
                ),
            ));
        }
        if h.type_ != ofpt::HELLO {
            return Err(r.error_at(1, format_args!("type {} is not OFPT_HELLO", h.type_)));
        }
        Ok((h.version, h.xid, Hello::decode(&mut r)?))
    }

    /// Encodes the message for `version` with transaction id `xid`.
    pub fn encode(&self, version: Version, xid: u32) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(64);
        self.encode_into(version, xid, &mut w)?;
        Ok(w.into_vec())
    }

    /// Appends the encoded message to `w` (to batch messages in one buffer). On error, `w` is
    /// left as it was.
    pub fn encode_into(&self, version: Version, xid: u32, w: &mut Writer) -> Result<()> {
        all_or_nothing(w, |w, start| self.encode_raw(version, xid, w, start))
    }

    fn wire_type(&self, v: Version) -> Result<WireType> {
        use WireType::{Exp, Std};
        let v14 = v >= Version::Of14;
        Ok(match self {
            Message::Hello(_) => Std(ofpt::HELLO),
            Message::Error(_) => Std(ofpt::ERROR),
            Message::EchoRequest(_) => Std(ofpt::ECHO_REQUEST),
            Message::EchoReply(_) => Std(ofpt::ECHO_REPLY),
            Message::FeaturesRequest => Std(ofpt::FEATURES_REQUEST),
            Message::FeaturesReply(_) => Std(ofpt::FEATURES_REPLY),
            Message::GetConfigRequest => Std(ofpt::GET_CONFIG_REQUEST),
            Message::GetConfigReply(_) => Std(ofpt::GET_CONFIG_REPLY),
            Message::SetConfig(_) => Std(ofpt::SET_CONFIG),
            Message::PacketIn(_) => Std(ofpt::PACKET_IN),
            Message::FlowRemoved(_) => Std(ofpt::FLOW_REMOVED),
            Message::PortStatus(_) => Std(ofpt::PORT_STATUS),
            Message::PacketOut(_) => Std(ofpt::PACKET_OUT),
            Message::FlowMod(_) => Std(ofpt::FLOW_MOD),
            Message::GroupMod(_) => Std(ofpt::GROUP_MOD),
            Message::PortMod(_) => Std(ofpt::PORT_MOD),
            Message::TableMod(_) => Std(ofpt::TABLE_MOD),
            Message::MultipartRequest(_) => Std(ofpt::MULTIPART_REQUEST),
            Message::MultipartReply(_) => Std(ofpt::MULTIPART_REPLY),
            Message::BarrierRequest => Std(ofpt::BARRIER_REQUEST),
            Message::BarrierReply => Std(ofpt::BARRIER_REPLY),
            Message::RoleRequest(_) => Std(ofpt::ROLE_REQUEST),
            Message::RoleReply(_) => Std(ofpt::ROLE_REPLY),
            Message::GetAsyncRequest => Std(ofpt::GET_ASYNC_REQUEST),
            Message::GetAsyncReply(_) => Std(ofpt::GET_ASYNC_REPLY),
            Message::SetAsync(_) => Std(ofpt::SET_ASYNC),
            Message::MeterMod(_) => Std(ofpt::METER_MOD),
            Message::RoleStatus(_) if v14 => Std(ofpt::ROLE_STATUS),
            Message::RoleStatus(_) => Exp(ONF_VENDOR_ID, onft::ROLE_STATUS),
            Message::BundleControl(_) if v14 => Std(ofpt::BUNDLE_CONTROL),
            Message::BundleControl(_) => Exp(ONF_VENDOR_ID, onft::BUNDLE_CONTROL),
            Message::BundleAdd(_) if v14 => Std(ofpt::BUNDLE_ADD_MESSAGE),
            Message::BundleAdd(_) => Exp(ONF_VENDOR_ID, onft::BUNDLE_ADD_MESSAGE),
            Message::PacketIn2(_) => Exp(NX_VENDOR_ID, nxt::PACKET_IN2),
            Message::Resume(_) => Exp(NX_VENDOR_ID, nxt::RESUME),
            Message::SetPacketInFormat(_) => Exp(NX_VENDOR_ID, nxt::SET_PACKET_IN_FORMAT),
            Message::SetControllerId(_) => Exp(NX_VENDOR_ID, nxt::SET_CONTROLLER_ID),
            Message::SetAsyncConfig2(_) if v14 => {
                return Err(unsupported(
                    self.name(),
                    v,
                    "NXT_SET_ASYNC_CONFIG2 does not exist (use OFPT_SET_ASYNC)",
                ));
            }
            Message::SetAsyncConfig2(_) => Exp(NX_VENDOR_ID, nxt::SET_ASYNC_CONFIG2),
            Message::TlvTableMod(_) => Exp(NX_VENDOR_ID, nxt::TLV_TABLE_MOD),
            Message::TlvTableRequest => Exp(NX_VENDOR_ID, nxt::TLV_TABLE_REQUEST),
            Message::TlvTableReply(_) => Exp(NX_VENDOR_ID, nxt::TLV_TABLE_REPLY),
            Message::CtFlushZone(_) => Exp(NX_VENDOR_ID, nxt::CT_FLUSH_ZONE),
            Message::CtFlush(_) => Exp(NX_VENDOR_ID, nxt::CT_FLUSH),
            Message::FlowMonitorCancel(_)
            | Message::FlowMonitorPaused
            | Message::FlowMonitorResumed
                if v14 =>
            {
                return Err(unsupported(
                    self.name(),
                    v,
                    "the ONF flow monitor messages do not exist (OpenFlow 1.4 monitors \
                     through OFPMP_FLOW_MONITOR)",
                ));
            }
            Message::FlowMonitorCancel(_) => Exp(ONF_VENDOR_ID, onft::FLOW_MONITOR_CANCEL),
            Message::FlowMonitorPaused => Exp(ONF_VENDOR_ID, onft::FLOW_MONITOR_PAUSED),
            Message::FlowMonitorResumed => Exp(ONF_VENDOR_ID, onft::FLOW_MONITOR_RESUMED),
            Message::Experimenter {
                experimenter,
                exp_type,
                ..
            } => Exp(*experimenter, *exp_type),
            Message::Unknown { type_, .. } => Std(*type_),
        })
    }

    fn encode_raw(&self, v: Version, xid: u32, w: &mut Writer, start: usize) -> Result<()> {
        let wt = self.wire_type(v)?;
        w.u8(v.wire());
        match wt {
            WireType::Std(t) => {
                w.u8(t);
                w.u16(0);
                w.u32(xid);
            }
            WireType::Exp(e, t) => {
                w.u8(ofpt::EXPERIMENTER);
                w.u16(0);
                w.u32(xid);
                w.u32(e);
                w.u32(t);
            }
        }
        let name = self.name();
        match self {
            Message::Hello(h) => h.encode(w)?,
            Message::Error(e) => e.encode(w, v)?,
            Message::EchoRequest(d) | Message::EchoReply(d) => w.bytes(d),
            Message::FeaturesRequest
            | Message::GetConfigRequest
            | Message::BarrierRequest
            | Message::BarrierReply
            | Message::GetAsyncRequest
            | Message::TlvTableRequest
            | Message::FlowMonitorPaused
            | Message::FlowMonitorResumed => {}
            Message::FeaturesReply(f) => f.encode(w),
            Message::GetConfigReply(c) | Message::SetConfig(c) => c.encode(w),
            Message::PacketIn(p) => p.encode(w, v)?,
            Message::FlowRemoved(f) => f.encode(w, v)?,
            Message::PortStatus(p) => p.encode(w, v)?,
            Message::PacketOut(p) => p.encode(w, v)?,
            Message::FlowMod(f) => f.encode(w, v)?,
            Message::GroupMod(g) => g.encode(w, v)?,
            Message::PortMod(p) => p.encode(w, v)?,
            Message::TableMod(t) => t.encode(w, v)?,
            Message::MultipartRequest(m) => m.encode(w, v)?,
            Message::MultipartReply(m) => m.encode(w, v)?,
            Message::RoleRequest(r) | Message::RoleReply(r) => r.encode(w),
            Message::GetAsyncReply(a) | Message::SetAsync(a) => a.encode(w, v)?,
            Message::MeterMod(m) => m.encode(w)?,
            Message::RoleStatus(r) => r.encode(w)?,
            Message::BundleControl(b) => b.encode(w)?,
            Message::BundleAdd(b) => b.encode(w, v, xid)?,
            Message::PacketIn2(p) | Message::Resume(p) => p.encode(w, v)?,
            Message::SetPacketInFormat(f) => w.u32(*f),
            Message::SetControllerId(id) => {
                w.zeros(6);
                w.u16(*id);
            }
            Message::SetAsyncConfig2(props) => basic::encode_async_props(w, props)?,
            Message::TlvTableMod(t) => t.encode(w)?,
            Message::TlvTableReply(t) => t.encode(w)?,
            Message::CtFlushZone(z) => {
                w.zeros(6);
                w.u16(*z);
            }
            Message::CtFlush(f) => f.encode(w)?,
            Message::FlowMonitorCancel(id) => w.u32(*id),
            Message::Experimenter { data, .. } => w.bytes(data),
            Message::Unknown { body, .. } => w.bytes(body),
        }
        w.patch_len(start + 2, start, name)
    }
}

/// Runs `encode(w, start)`, which appends to `w` from byte `start`; on error, takes back
/// what it appended, leaving `w` as it was.
fn all_or_nothing(
    w: &mut Writer,
    encode: impl FnOnce(&mut Writer, usize) -> Result<()>,
) -> Result<()> {
    let start = w.len();
    let res = encode(w, start);
    if res.is_err() {
        w.truncate(start);
    }
    res
}

/// Appends the `OFPT_FLOW_MOD` message of `head`'s fields with `match_` and `instructions`
/// (those of `head` are not read): what [`Message::encode_into`] does for
/// `Message::FlowMod`, for encoders that keep the match and instructions elsewhere. On
/// error, `w` is left as it was.
pub(crate) fn encode_flow_mod_with(
    version: Version,
    xid: u32,
    head: &FixedPart,
    match_: &Match,
    instructions: impl FnOnce(&mut Writer) -> Result<()>,
    w: &mut Writer,
) -> Result<()> {
    all_or_nothing(w, |w, start| {
        w.u8(version.wire());
        w.u8(ofpt::FLOW_MOD);
        w.u16(0);
        w.u32(xid);
        head.encode_with(match_, instructions, w, version)?;
        w.patch_len(start + 2, start, "OFPT_FLOW_MOD")
    })
}

/// Decodes a message body (after the 8-byte header). `allow_bundle` is false for the
/// message inside a bundle add, which may not itself be a bundle message.
pub(crate) fn decode_body(
    v: Version,
    type_: u8,
    xid: u32,
    mut r: Reader<'_>,
    allow_bundle: bool,
) -> Result<Message> {
    let v14 = v >= Version::Of14;
    let r = &mut r;
    let msg = match type_ {
        ofpt::HELLO => Message::Hello(Hello::decode(&mut r.clone().with_context("OFPT_HELLO"))?),
        ofpt::ERROR => Message::Error(ErrorMsg::decode(&mut r.clone().with_context("OFPT_ERROR"))?),
        ofpt::ECHO_REQUEST => Message::EchoRequest(r.rest().to_vec()),
        ofpt::ECHO_REPLY => Message::EchoReply(r.rest().to_vec()),
        ofpt::EXPERIMENTER => return decode_experimenter(v, xid, r, allow_bundle),
        ofpt::FEATURES_REQUEST => empty(r, Message::FeaturesRequest)?,
        ofpt::FEATURES_REPLY => {
            let mut r = r.clone().with_context("OFPT_FEATURES_REPLY");
            Message::FeaturesReply(FeaturesReply::decode(&mut r)?)
        }
        ofpt::GET_CONFIG_REQUEST => empty(r, Message::GetConfigRequest)?,
        ofpt::GET_CONFIG_REPLY => {
            let mut r = r.clone().with_context("OFPT_GET_CONFIG_REPLY");
            Message::GetConfigReply(SwitchConfig::decode(&mut r)?)
        }
        ofpt::SET_CONFIG => {
            let mut r = r.clone().with_context("OFPT_SET_CONFIG");
            Message::SetConfig(SwitchConfig::decode(&mut r)?)
        }
        ofpt::PACKET_IN => {
            let mut r = r.clone().with_context("OFPT_PACKET_IN");
            Message::PacketIn(PacketIn::decode(&mut r, v)?)
        }
        ofpt::FLOW_REMOVED => {
            let mut r = r.clone().with_context("OFPT_FLOW_REMOVED");
            Message::FlowRemoved(FlowRemoved::decode(&mut r, v)?)
        }
        ofpt::PORT_STATUS => {
            let mut r = r.clone().with_context("OFPT_PORT_STATUS");
            Message::PortStatus(PortStatus::decode(&mut r, v)?)
        }
        ofpt::PACKET_OUT => {
            let mut r = r.clone().with_context("OFPT_PACKET_OUT");
            Message::PacketOut(PacketOut::decode(&mut r, v)?)
        }
        ofpt::FLOW_MOD => {
            let mut r = r.clone().with_context("OFPT_FLOW_MOD");
            Message::FlowMod(FlowMod::decode(&mut r, v)?)
        }
        ofpt::GROUP_MOD => {
            let mut r = r.clone().with_context("OFPT_GROUP_MOD");
            Message::GroupMod(GroupMod::decode(&mut r, v)?)
        }
        ofpt::PORT_MOD => {
            let mut r = r.clone().with_context("OFPT_PORT_MOD");
            Message::PortMod(PortMod::decode(&mut r, v)?)
        }
        ofpt::TABLE_MOD => {
            let mut r = r.clone().with_context("OFPT_TABLE_MOD");
            Message::TableMod(TableMod::decode(&mut r, v)?)
        }
        ofpt::MULTIPART_REQUEST => {
            let mut r = r.clone().with_context("OFPT_MULTIPART_REQUEST");
            Message::MultipartRequest(MultipartRequest::decode(&mut r, v)?)
        }
        ofpt::MULTIPART_REPLY => {
            let mut r = r.clone().with_context("OFPT_MULTIPART_REPLY");
            Message::MultipartReply(MultipartReply::decode(&mut r, v)?)
        }
        ofpt::BARRIER_REQUEST => empty(r, Message::BarrierRequest)?,
        ofpt::BARRIER_REPLY => empty(r, Message::BarrierReply)?,
        ofpt::ROLE_REQUEST => {
            let mut r = r.clone().with_context("OFPT_ROLE_REQUEST");
            Message::RoleRequest(Role::decode(&mut r)?)
        }
        ofpt::ROLE_REPLY => {
            let mut r = r.clone().with_context("OFPT_ROLE_REPLY");
            Message::RoleReply(Role::decode(&mut r)?)
        }
        ofpt::GET_ASYNC_REQUEST => empty(r, Message::GetAsyncRequest)?,
        ofpt::GET_ASYNC_REPLY => {
            let mut r = r.clone().with_context("OFPT_GET_ASYNC_REPLY");
            Message::GetAsyncReply(AsyncConfig::decode(&mut r, v)?)
        }
        ofpt::SET_ASYNC => {
            let mut r = r.clone().with_context("OFPT_SET_ASYNC");
            Message::SetAsync(AsyncConfig::decode(&mut r, v)?)
        }
        ofpt::METER_MOD => {
            let mut r = r.clone().with_context("OFPT_METER_MOD");
            Message::MeterMod(MeterMod::decode(&mut r)?)
        }
        ofpt::ROLE_STATUS if v14 => {
            let mut r = r.clone().with_context("OFPT_ROLE_STATUS");
            Message::RoleStatus(RoleStatus::decode(&mut r)?)
        }
        ofpt::BUNDLE_CONTROL if v14 && allow_bundle => {
            let mut r = r.clone().with_context("OFPT_BUNDLE_CONTROL");
            Message::BundleControl(BundleControl::decode(&mut r)?)
        }
        ofpt::BUNDLE_ADD_MESSAGE if v14 && allow_bundle => {
            let mut r = r.clone().with_context("OFPT_BUNDLE_ADD_MESSAGE");
            Message::BundleAdd(BundleAdd::decode(&mut r, v, xid)?)
        }
        ofpt::BUNDLE_CONTROL | ofpt::BUNDLE_ADD_MESSAGE if v14 => {
            return Err(r.error("a bundle message cannot be nested in a bundle add"));
        }
        _ => Message::Unknown {
            type_,
            body: r.rest().to_vec(),
        },
    };
    Ok(msg)
}

fn empty(r: &Reader<'_>, m: Message) -> Result<Message> {
    r.clone().with_context(m.name()).finish("the header")?;
    Ok(m)
}

fn decode_experimenter(
    v: Version,
    xid: u32,
    r: &mut Reader<'_>,
    allow_bundle: bool,
) -> Result<Message> {
    let mut r = r.clone().with_context("OFPT_EXPERIMENTER");
    let experimenter = r.u32()?;
    let exp_type = r.u32()?;
    let v13 = v == Version::Of13;
    let r = &mut r;
    let msg = match (experimenter, exp_type) {
        (NX_VENDOR_ID, nxt::PACKET_IN2) => Message::PacketIn2(PacketIn2::decode(
            &mut r.clone().with_context("NXT_PACKET_IN2"),
            v,
        )?),
        (NX_VENDOR_ID, nxt::RESUME) => Message::Resume(PacketIn2::decode(
            &mut r.clone().with_context("NXT_RESUME"),
            v,
        )?),
        (NX_VENDOR_ID, nxt::SET_PACKET_IN_FORMAT) => {
            let mut r = r.clone().with_context("NXT_SET_PACKET_IN_FORMAT");
            let f = r.u32()?;
            r.finish("the packet-in format")?;
            Message::SetPacketInFormat(f)
        }
        (NX_VENDOR_ID, nxt::SET_CONTROLLER_ID) => {
            let mut r = r.clone().with_context("NXT_SET_CONTROLLER_ID");
            r.skip(6)?;
            let id = r.u16()?;
            r.finish("the controller id")?;
            Message::SetControllerId(id)
        }
        (NX_VENDOR_ID, nxt::SET_ASYNC_CONFIG2) if v13 => {
            let mut r = r.clone().with_context("NXT_SET_ASYNC_CONFIG2");
            Message::SetAsyncConfig2(basic::decode_async_props(&mut r)?)
        }
        (NX_VENDOR_ID, nxt::TLV_TABLE_MOD) => {
            let mut r = r.clone().with_context("NXT_TLV_TABLE_MOD");
            Message::TlvTableMod(TlvTableMod::decode(&mut r)?)
        }
        (NX_VENDOR_ID, nxt::TLV_TABLE_REQUEST) => {
            r.clone()
                .with_context("NXT_TLV_TABLE_REQUEST")
                .finish("the header")?;
            Message::TlvTableRequest
        }
        (NX_VENDOR_ID, nxt::TLV_TABLE_REPLY) => {
            let mut r = r.clone().with_context("NXT_TLV_TABLE_REPLY");
            Message::TlvTableReply(TlvTableReply::decode(&mut r)?)
        }
        (NX_VENDOR_ID, nxt::CT_FLUSH_ZONE) => {
            let mut r = r.clone().with_context("NXT_CT_FLUSH_ZONE");
            r.skip(6)?;
            let z = r.u16()?;
            r.finish("the zone id")?;
            Message::CtFlushZone(z)
        }
        (NX_VENDOR_ID, nxt::CT_FLUSH) => {
            let mut r = r.clone().with_context("NXT_CT_FLUSH");
            Message::CtFlush(CtFlush::decode(&mut r)?)
        }
        (ONF_VENDOR_ID, onft::ROLE_STATUS) if v13 => {
            let mut r = r.clone().with_context("ONFT_ROLE_STATUS");
            Message::RoleStatus(RoleStatus::decode(&mut r)?)
        }
        (ONF_VENDOR_ID, onft::BUNDLE_CONTROL) if v13 && allow_bundle => {
            let mut r = r.clone().with_context("ONFT_BUNDLE_CONTROL");
            Message::BundleControl(BundleControl::decode(&mut r)?)
        }
        (ONF_VENDOR_ID, onft::BUNDLE_ADD_MESSAGE) if v13 && allow_bundle => {
            let mut r = r.clone().with_context("ONFT_BUNDLE_ADD_MESSAGE");
            Message::BundleAdd(BundleAdd::decode(&mut r, v, xid)?)
        }
        (ONF_VENDOR_ID, onft::BUNDLE_CONTROL | onft::BUNDLE_ADD_MESSAGE) if v13 => {
            return Err(r.error("a bundle message cannot be nested in a bundle add"));
        }
        (ONF_VENDOR_ID, onft::FLOW_MONITOR_CANCEL) if v13 => {
            let mut r = r.clone().with_context("ONFT_FLOW_MONITOR_CANCEL");
            let id = r.u32()?;
            r.finish("the monitor id")?;
            Message::FlowMonitorCancel(id)
        }
        (ONF_VENDOR_ID, onft::FLOW_MONITOR_PAUSED) if v13 => {
            r.clone()
                .with_context("ONFT_FLOW_MONITOR_PAUSED")
                .finish("the header")?;
            Message::FlowMonitorPaused
        }
        (ONF_VENDOR_ID, onft::FLOW_MONITOR_RESUMED) if v13 => {
            r.clone()
                .with_context("ONFT_FLOW_MONITOR_RESUMED")
                .finish("the header")?;
            Message::FlowMonitorResumed
        }
        _ => Message::Experimenter {
            experimenter,
            exp_type,
            data: r.rest().to_vec(),
        },
    };
    Ok(msg)
}

#[cfg(test)]
mod tests;
