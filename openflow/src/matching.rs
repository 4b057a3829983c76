//! Flow matches: a canonical set of masked field values, encoded as OXM (`ofp_match` of
//! type `OFPMT_OXM`, OpenFlow 1.2+) or as a bare NXM/OXM field list (Nicira messages and
//! actions), and written in ovs-ofctl's syntax.
//!
//! A [`Match`] follows Open vSwitch's `struct match` (a flow and its wildcards): values are
//! stored per *storage slot*, the way `struct flow` stores them, so that every spelling of
//! the same match is the same value:
//!
//! - `tcp_src`, `udp_src`, `sctp_src`, `icmp_type` and `icmpv6_type` share `tp_src`
//!   (likewise the destinations and codes); `arp_op` shares `nw_proto`; `arp_spa`/`arp_tpa`
//!   share `nw_src`/`nw_dst`; `nd_sll`/`nd_tll` share `arp_sha`/`arp_tha`; `nd_options_type`
//!   shares `tcp_flags`.
//! - `xreg<N>` and `xxreg<N>` are stored as their 32-bit `reg` parts (`xreg2=0x5/0xff` is
//!   `reg5=0x5/0xff`); `in_port_oxm` is stored as `in_port`.
//! - `dl_vlan`, `vlan_vid`, `dl_vlan_pcp` and `vlan_pcp` fold into `vlan_tci`; `ip_dscp`
//!   and `nw_ecn` into the TOS byte; the MPLS fields into the label stack entry.
//! - Values are kept as `value & mask`; a zero mask removes the field.
//!
//! Setting a field with prerequisites also makes the match apply to Ethernet packets only
//! (`packet_type=eth`), as ovs-ofctl does.
//!
//! Text: [`Match::parse`] and [`Match::parse_token`] read ovs-ofctl's syntax;
//! [`Match::format`] prints exactly as Open vSwitch's `match_format`. Wire:
//! [`Match::encode`]/[`Match::decode`] (`ofp_match`), [`Match::encode_fields`]/
//! [`Match::decode_fields`] (bare fields) and [`Match::encode_nxm`] (NXM headers),
//! writing fields in the order Open vSwitch's `nx_put_raw` does, so the bytes are those
//! ovs-ofctl sends.

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::field::value::{
    self, ct_state_name, format_eth, format_flags, format_flags_masked, format_hex,
    format_ipv4_masked, format_ipv6_masked, format_packet_type, format_port, ones, port_from_ofp11,
    port_to_ofp11, tcp_flag_name, tun_flag_name, value_bytes,
};
use crate::field::{Field, OxmHeader, Prereq, Subfield, be_small, be_to_u128, u128_to_be};
use crate::numfmt;
use crate::version::Version;
use crate::wire::{Reader, Writer};

/// The priority ovs-ofctl does not print (`OFP_DEFAULT_PRIORITY`).
pub const DEFAULT_PRIORITY: u16 = 0x8000;

const ETH_TYPE_IP: u128 = 0x0800;
const ETH_TYPE_IPV6: u128 = 0x86dd;
const ETH_TYPE_ARP: u128 = 0x0806;
const ETH_TYPE_RARP: u128 = 0x8035;
const ETH_TYPE_MPLS: u128 = 0x8847;
const ETH_TYPE_MPLS_MCAST: u128 = 0x8848;
const ETH_TYPE_NSH: u128 = 0x894f;

const VLAN_VID_MASK: u128 = 0x0fff;
const VLAN_CFI: u128 = 0x1000;
const VLAN_PCP_MASK: u128 = 0xe000;

const MPLS_LABEL_MASK: u128 = 0xffff_f000;
const MPLS_TC_MASK: u128 = 0x0000_0e00;
const MPLS_BOS_MASK: u128 = 0x0000_0100;
const MPLS_TTL_MASK: u128 = 0x0000_00ff;

const IP_DSCP_MASK: u128 = 0xfc;
const IP_ECN_MASK: u128 = 0x03;

const CS_NEW: u128 = 0x01;
const CS_EST: u128 = 0x02;
const CS_REL: u128 = 0x04;
const CS_RPL: u128 = 0x08;
const CS_INV: u128 = 0x10;
const CS_TRK: u128 = 0x20;
const CS_SNAT: u128 = 0x40;
const CS_DNAT: u128 = 0x80;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Entry {
    slot: Field,
    value: u128,
    mask: u128,
}

/// A flow match. The empty match matches every packet. See the module documentation for
/// what makes it canonical.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Match {
    entries: Vec<Entry>,
    /// Bit `slot as usize` is set when `entries` holds that slot: absent slots are found
    /// without a search, and a present one's index is the number of set bits below it
    /// (entries are sorted by slot).
    present: [u64; PRESENT_WORDS],
}

const PRESENT_WORDS: usize = crate::field::N_FIELDS.div_ceil(64);

/// What [`Match::parse_token`] did not recognise as part of a match: the key is neither a
/// protocol shorthand, a field, nor a subfield. The flow parser uses this to try its own
/// keywords (`priority`, `table`, `cookie`...).
pub const NOT_A_MATCH_FIELD: &str = "not a match field";

/// Whether `field` is stored as itself, whole: its own slot, set, tested and cleared by the
/// plain rules of [`Match::set_masked`] (no folding into another slot, no bit surgery).
const fn is_plain(field: Field) -> bool {
    use Field::*;
    !matches!(
        field,
        InPortOxm
            | ActsetOutput
            | CtState
            | TunFlags
            | TcpFlags
            | Xreg0
            | Xreg1
            | Xreg2
            | Xreg3
            | Xreg4
            | Xreg5
            | Xreg6
            | Xreg7
            | Xxreg0
            | Xxreg1
            | Xxreg2
            | Xxreg3
            | DlVlan
            | VlanVid
            | DlVlanPcp
            | VlanPcp
            | MplsLabel
            | MplsTc
            | MplsBos
            | MplsTtl
            | NwTos
            | IpDscp
            | NwEcn
            | IpFrag
            | ArpOp
            | IcmpType
            | Icmpv6Type
            | IcmpCode
            | Icmpv6Code
            | NdOptionsType
            | Ipv6Label
            | NshSpi
    ) && slot_of(field) as u8 == field as u8
}

/// The slot a field is stored whole in (see [`whole_slot`]), if it is.
const fn whole_slot_of(field: Field) -> Option<Field> {
    use Field::*;
    if is_plain(field) {
        return Some(field);
    }
    match field {
        UdpSrc | SctpSrc => Some(TcpSrc),
        UdpDst | SctpDst => Some(TcpDst),
        ArpSpa => Some(IpSrc),
        ArpTpa => Some(IpDst),
        NdSll => Some(ArpSha),
        NdTll => Some(ArpTha),
        CtState => Some(CtState),
        _ => None,
    }
}

/// [`whole_slot_of`] by field index, as the slot's index plus one (0: none), built at
/// compile time so that the parser and decoder look it up rather than test the field.
static WHOLE_SLOT: [u8; crate::field::N_FIELDS] = {
    let mut t = [0u8; crate::field::N_FIELDS];
    let mut i = 0;
    while i < crate::field::N_FIELDS {
        if let Some(slot) = whole_slot_of(crate::field::ALL[i]) {
            t[i] = slot as u8 + 1;
        }
        i += 1;
    }
    t
};

/// How [`Match::parse_field_unordered`] reads a field's value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum QuickKind {
    /// It does not: the general path does.
    None,
    /// An integer of at most 8 bytes ([`value::int_value_at`]).
    Int,
    /// An integer of 9 to 16 bytes ([`value::parse_value_fast_at`]).
    Wide,
    /// An IPv4 address ([`value::ipv4_value_at`]).
    Ipv4,
    /// `ct_state` flags ([`value::ct_state_value_at`]).
    CtState,
}

/// What [`Match::parse_field_unordered`] needs to know of a field.
#[derive(Clone, Copy)]
struct Quick {
    /// How its value is read.
    kind: QuickKind,
    /// The slot the field is stored whole in; `None` when the usual path does not take
    /// the field (no OpenFlow header, wider than 16 bytes, or not stored whole).
    slot: Option<Field>,
    /// The field's width in bytes.
    bytes: u8,
    /// Whether it can be masked.
    maskable: bool,
    /// Whether it has a prerequisite (setting it makes the match Ethernet only).
    ethernet: bool,
    /// All ones over the field's width (for a field of at most 8 bytes).
    full: u64,
    /// The slot bits it sets: `full`, but for `ct_state`, whose 8 flag bits are kept.
    bits: u64,
}

/// [`Quick`] by field index, built at compile time from the registry and [`whole_slot_of`].
static QUICK: [Quick; crate::field::N_FIELDS] = {
    let mut t = [Quick {
        kind: QuickKind::None,
        slot: None,
        bytes: 0,
        maskable: false,
        ethernet: false,
        full: 0,
        bits: 0,
    }; crate::field::N_FIELDS];
    let mut i = 0;
    while i < crate::field::N_FIELDS {
        let field = crate::field::ALL[i];
        let info = crate::field::const_info(i);
        let slot = match whole_slot_of(field) {
            Some(slot) if !info.headers.is_empty() && info.bytes as usize <= 16 => Some(slot),
            _ => None,
        };
        let narrow = info.bytes <= 8;
        let kind = match info.format {
            _ if slot.is_none() => QuickKind::None,
            crate::field::Format::Decimal | crate::field::Format::Hexadecimal if narrow => {
                QuickKind::Int
            }
            crate::field::Format::Decimal | crate::field::Format::Hexadecimal => QuickKind::Wide,
            crate::field::Format::Ipv4 if info.bytes == 4 => QuickKind::Ipv4,
            crate::field::Format::CtState if info.bytes == 4 => QuickKind::CtState,
            _ => QuickKind::None,
        };
        let full = if narrow {
            u64::MAX >> (64 - 8 * info.bytes as u32)
        } else {
            u64::MAX
        };
        t[i] = Quick {
            kind,
            slot,
            bytes: info.bytes,
            maskable: info.maskable,
            ethernet: !matches!(info.prereq, Prereq::None),
            full,
            bits: if matches!(field, Field::CtState) {
                full & 0xff
            } else {
                full
            },
        };
        i += 1;
    }
    t
};

/// For a field stored whole in one slot, where [`Match::set_masked`] of a value and mask
/// with `full` (the field's value bits) is `put_slot` of the slot with both masked by the
/// returned bits (`ct_state` keeps its 8 flag bits), that slot and bits.
#[inline]
fn whole_slot(field: Field, full: u128) -> Option<(Field, u128)> {
    let k = *WHOLE_SLOT.get(field as usize)?;
    let slot = crate::field::ALL
        .get(usize::from(k).checked_sub(1)?)
        .copied()?;
    Some((
        slot,
        if field == Field::CtState {
            full & 0xff
        } else {
            full
        },
    ))
}

/// The storage slot of `field` (the field `struct flow` keeps it in).
#[inline]
const fn slot_of(field: Field) -> Field {
    use Field::*;
    match field {
        InPortOxm => InPort,
        DlVlan | VlanVid | DlVlanPcp | VlanPcp => VlanTci,
        MplsTc | MplsBos | MplsTtl => MplsLabel,
        IpDscp | NwEcn => NwTos,
        ArpOp => NwProto,
        ArpSpa => IpSrc,
        ArpTpa => IpDst,
        NdSll => ArpSha,
        NdTll => ArpTha,
        UdpSrc | SctpSrc | IcmpType | Icmpv6Type => TcpSrc,
        UdpDst | SctpDst | IcmpCode | Icmpv6Code => TcpDst,
        NdOptionsType => TcpFlags,
        f => f,
    }
}

impl Match {
    /// The match of every packet.
    pub fn new() -> Match {
        Match::default()
    }

    /// Whether this is the match of every packet.
    pub fn is_catchall(&self) -> bool {
        self.entries.is_empty()
    }

    /// Makes this the match of every packet, keeping its memory for the fields matched next.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.present = [0; PRESENT_WORDS];
    }

    /// The stored entries as `(slot, value, mask)`, in registry order. A slot is the field
    /// `struct flow` keeps a value in: `tcp_src` for every L4 source (and ICMP type),
    /// `reg<N>` for the registers (also `xreg`/`xxreg`), `vlan_tci` for the VLAN fields,
    /// `nw_tos` for the whole TOS byte (DSCP and ECN), `mpls_label` for the whole MPLS
    /// label stack entry, `in_port` and `actset_output` as 16-bit OpenFlow 1.0 port numbers.
    pub fn iter(&self) -> impl Iterator<Item = (Field, u128, u128)> + '_ {
        self.entries.iter().map(|e| (e.slot, e.value, e.mask))
    }

    /// Number of stored entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is matched (the catch-all match).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The index `slot` has (or would have) in `entries`, and whether it is present.
    #[inline]
    fn rank(&self, slot: Field) -> (usize, bool) {
        // The entries are sorted by slot: a short list is searched (a few compares), a
        // long one counted in `present`, which has a bit per entry (the index is the
        // number of present slots below this one).
        if self.entries.len() <= 16 {
            // From the end: parsed fields mostly come in about the entries' order, each
            // after most of those already there.
            return match self.entries.iter().rposition(|e| e.slot <= slot) {
                Some(k) if self.entries.get(k).is_some_and(|e| e.slot == slot) => (k, true),
                Some(k) => (k + 1, false),
                None => (0, false),
            };
        }
        let i = slot as usize;
        let (w, bit) = (i / 64, i % 64);
        let mut below = 0;
        for (k, word) in self.present.iter().enumerate() {
            if k < w {
                below += word.count_ones() as usize;
            } else if k == w {
                below += (word & ((1u64 << bit) - 1)).count_ones() as usize;
            }
        }
        (below, self.has(slot))
    }

    /// Whether any slot from `lo` to `hi` (inclusive) is present.
    fn any_in(&self, lo: Field, hi: Field) -> bool {
        let (lo, hi) = (lo as usize, hi as usize);
        self.present.iter().enumerate().any(|(w, word)| {
            let (first, last) = (w * 64, w * 64 + 63);
            if hi < first || lo > last {
                return false;
            }
            let from = lo.max(first) - first;
            let to = hi.min(last) - first;
            let bits = (u64::MAX >> (63 - to)) & (u64::MAX << from);
            word & bits != 0
        })
    }

    /// Whether any slot of `set` (from [`slot_set`]) is present.
    #[inline]
    fn any_of(&self, set: &[u64; PRESENT_WORDS]) -> bool {
        self.present.iter().zip(set).any(|(p, s)| p & s != 0)
    }

    /// Bit `i` set when `reg<i>` is present.
    #[inline]
    fn reg_bits(&self) -> u32 {
        // The registers' slots are consecutive: their bits are read out of `present`.
        const _: () = assert!(Field::Reg15 as usize == Field::Reg0 as usize + 15);
        const AT: usize = Field::Reg0 as usize;
        let word = |k: usize| self.present.get(k).copied().unwrap_or(0);
        let mut bits = word(AT / 64) >> (AT % 64);
        if AT % 64 > 48 {
            bits |= word(AT / 64 + 1) << ((64 - AT % 64) % 64);
        }
        (bits & 0xffff) as u32
    }

    /// Whether `entries` holds `slot`.
    #[inline]
    fn has(&self, slot: Field) -> bool {
        let i = slot as usize;
        self.present
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 != 0)
    }

    /// The value and mask stored in storage slot `slot` (zeros when absent): what
    /// [`Match::get`] returns for a field stored as itself, without its dispatch.
    #[inline]
    pub(crate) fn slot(&self, slot: Field) -> (u128, u128) {
        if !self.has(slot) {
            return (0, 0);
        }
        let (i, _) = self.rank(slot);
        match self.entries.get(i) {
            Some(e) => (e.value, e.mask),
            None => (0, 0),
        }
    }

    fn value_of(&self, slot: Field) -> u128 {
        self.slot(slot).0
    }

    fn mask_of(&self, slot: Field) -> u128 {
        self.slot(slot).1
    }

    /// Stores `slot` with `value & mask` and `mask`, or removes it when `mask` is zero,
    /// keeping the entries sorted and `present` in step.
    fn put_slot(&mut self, slot: Field, value: u128, mask: u128) {
        self.put_slot_inline(slot, value, mask);
    }

    /// [`Match::put_slot`], inlined into the parser's hot paths.
    #[inline(always)]
    fn put_slot_inline(&mut self, slot: Field, value: u128, mask: u128) {
        if mask == 0 && !self.has(slot) {
            return;
        }
        let value = value & mask;
        // Parsed fields mostly come in about the entries' order: a slot past the last
        // entry's is appended without a search.
        let (i, present) = match self.entries.last() {
            Some(e) if e.slot < slot => (self.entries.len(), false),
            _ if self.entries.len() <= 16 => {
                // As `rank` does for a short list, here without a call: the entries
                // after the slot's place are few (fields come in about their order).
                let mut k = self.entries.len();
                while let Some(e) = k.checked_sub(1).and_then(|j| self.entries.get(j)) {
                    if e.slot <= slot {
                        break;
                    }
                    k -= 1;
                }
                match k.checked_sub(1).and_then(|j| self.entries.get(j)) {
                    Some(e) if e.slot == slot => (k - 1, true),
                    _ => (k, false),
                }
            }
            _ => self.rank(slot),
        };
        let (w, bit) = (slot as usize / 64, 1u64 << (slot as usize % 64));
        if present {
            if mask != 0 {
                if let Some(e) = self.entries.get_mut(i) {
                    e.value = value;
                    e.mask = mask;
                }
                return;
            }
            if i < self.entries.len() {
                self.entries.remove(i);
            }
            if let Some(word) = self.present.get_mut(w) {
                *word &= !bit;
            }
        } else {
            self.insert_entry(i, Entry { slot, value, mask });
            if let Some(word) = self.present.get_mut(w) {
                *word |= bit;
            }
        }
    }

    /// Inserts `e` at index `i` of the entries (at the end when `i` is past it).
    #[inline(always)]
    fn insert_entry(&mut self, i: usize, e: Entry) {
        if self.entries.capacity() == 0 {
            // A direct allocation (cheaper than the growth path of `reserve`).
            self.entries = Vec::with_capacity(8);
        }
        // A push, and the entries after `i` (a few: a match has some ten) moved up one
        // place by a loop, cheaper than `Vec::insert`'s call to `memmove` for so few.
        self.entries.push(e);
        if let Some(tail) = self.entries.get_mut(i..) {
            let mut k = tail.len().saturating_sub(1);
            while k > 0 {
                tail[k] = tail[k - 1];
                k -= 1;
            }
            if let Some(first) = tail.first_mut() {
                *first = e;
            }
        }
    }

    /// Updates bits `bits` of a slot: the value's bits become `value & bits`, the mask's
    /// bits `mask & bits`; other bits are kept.
    fn put_bits(&mut self, slot: Field, bits: u128, value: u128, mask: u128) {
        let (v, m) = self.slot(slot);
        self.put_slot(
            slot,
            (v & !bits) | (value & bits),
            (m & !bits) | (mask & bits),
        );
    }

    /// Matches `field` exactly against `value` (right-aligned big-endian bytes of the
    /// field, as in [`crate::field::value`]). Out-of-range bits are dropped as Open
    /// vSwitch drops them (`dl_vlan=5000` is `dl_vlan=904`).
    pub fn set(&mut self, field: Field, value: u128) -> Result<()> {
        self.set_masked(field, value, ones(value_bytes(field)))
    }

    /// Matches the bits of `field` set in `mask` against `value` (Open vSwitch's `mf_set`).
    /// A zero mask stops matching the field; a mask that is not all ones is refused for
    /// fields that cannot be masked. Fields with prerequisites also make the match apply to
    /// Ethernet packets only, as ovs-ofctl does.
    pub fn set_masked(&mut self, field: Field, value: u128, mask: u128) -> Result<()> {
        let n = value_bytes(field);
        let full = ones(n);
        let info = field.info();
        let (value, mask) = (value & full, mask & full);
        if !info.maskable && mask != 0 && mask != full {
            return Err(Error::encode(
                field.name(),
                format_args!("mask {mask:#x} on a field that cannot be masked"),
            ));
        }
        if mask == 0 {
            self.set_wild(field);
        } else {
            self.set_nonzero(field, value, mask, mask == full);
        }
        if info.prereq != Prereq::None {
            self.set_default_packet_type();
        }
        Ok(())
    }

    /// [`Match::set_masked`] for a field stored whole in one slot (see [`whole_slot`]),
    /// with `value` and `mask` within the field's width and a mask that sets some of the
    /// slot's bits and is valid for the field: what `set_masked` does for them, without its
    /// dispatch. Returns false, having done nothing, for anything else.
    #[inline]
    fn set_whole(&mut self, field: Field, value: u128, mask: u128) -> bool {
        let info = field.info();
        let full = ones(value_bytes(field));
        if mask == 0 || (!info.maskable && mask != full) {
            return false;
        }
        let Some((slot, bits)) = whole_slot(field, full).filter(|&(_, bits)| mask & bits != 0)
        else {
            return false;
        };
        self.put_slot_inline(slot, value & bits, mask & bits);
        if info.prereq != Prereq::None {
            self.set_default_packet_type();
        }
        true
    }

    /// Stops matching `field` (Open vSwitch's `mf_set_wild`).
    pub fn set_wild(&mut self, field: Field) {
        use Field::*;
        match field {
            DlVlan | VlanVid => {
                if self.mask_of(VlanTci) & VLAN_PCP_MASK != 0 {
                    self.put_bits(VlanTci, VLAN_VID_MASK, 0, 0);
                } else {
                    self.put_slot(VlanTci, 0, 0);
                }
            }
            DlVlanPcp | VlanPcp => {
                if self.mask_of(VlanTci) & VLAN_VID_MASK != 0 {
                    self.put_bits(VlanTci, VLAN_PCP_MASK, 0, 0);
                } else {
                    self.put_slot(VlanTci, 0, 0);
                }
            }
            MplsLabel => self.put_bits(MplsLabel, MPLS_LABEL_MASK, 0, 0),
            MplsTc => self.put_bits(MplsLabel, MPLS_TC_MASK, 0, 0),
            MplsBos => self.put_bits(MplsLabel, MPLS_BOS_MASK, 0, 0),
            MplsTtl => self.put_bits(MplsLabel, MPLS_TTL_MASK, 0, 0),
            NwTos | IpDscp => self.put_bits(NwTos, IP_DSCP_MASK, 0, 0),
            NwEcn => self.put_bits(NwTos, IP_ECN_MASK, 0, 0),
            _ if (Xreg0..=Xreg7).contains(&field) => {
                let i = field as usize - Xreg0 as usize;
                for k in 0..2 {
                    self.put_slot(reg_slot(2 * i + k), 0, 0);
                }
            }
            _ if (Xxreg0..=Xxreg3).contains(&field) => {
                let i = field as usize - Xxreg0 as usize;
                for k in 0..4 {
                    self.put_slot(reg_slot(4 * i + k), 0, 0);
                }
            }
            f => self.put_slot(slot_of(f), 0, 0),
        }
    }

    fn set_nonzero(&mut self, field: Field, v: u128, m: u128, exact: bool) {
        use Field::*;
        match field {
            InPortOxm => {
                let p = port_from_ofp11(v as u32).unwrap_or(value::OFPP_ANY);
                self.put_slot(InPort, u128::from(p), 0xffff);
            }
            ActsetOutput => {
                let p = port_from_ofp11(v as u32).unwrap_or(value::OFPP_ANY);
                self.put_slot(ActsetOutput, u128::from(p), 0xffff);
            }
            CtState => self.put_slot(CtState, v & 0xff, m & 0xff),
            TunFlags => self.put_slot(TunFlags, v, m & 1),
            // Only the 12 flag bits mean anything (a mask of 0xf000 alone would print as
            // `tcp_flags=0/0`, which reads back as no match).
            TcpFlags => {
                let m = if m & 0x0fff == 0x0fff {
                    0xffff
                } else {
                    m & 0x0fff
                };
                self.put_slot(TcpFlags, v, m)
            }
            _ if (Xreg0..=Xreg7).contains(&field) => {
                let i = field as usize - Xreg0 as usize;
                self.put_slot(reg_slot(2 * i), v >> 32, (m >> 32) & 0xffff_ffff);
                self.put_slot(reg_slot(2 * i + 1), v & 0xffff_ffff, m & 0xffff_ffff);
            }
            _ if (Xxreg0..=Xxreg3).contains(&field) => {
                let i = field as usize - Xxreg0 as usize;
                for k in 0..4 {
                    let sh = 96 - 32 * k as u32;
                    self.put_slot(
                        reg_slot(4 * i + k),
                        (v >> sh) & 0xffff_ffff,
                        (m >> sh) & 0xffff_ffff,
                    );
                }
            }
            DlVlan => {
                if v == 0xffff {
                    self.put_slot(VlanTci, 0, 0xffff);
                } else {
                    let (tv, tm) = self.slot(VlanTci);
                    let tv = (tv & !VLAN_VID_MASK) | VLAN_CFI | (v & VLAN_VID_MASK);
                    self.put_slot(VlanTci, tv, tm | VLAN_VID_MASK | VLAN_CFI);
                }
            }
            VlanVid => {
                let m = m & (VLAN_VID_MASK | VLAN_CFI);
                let (tv, tm) = self.slot(VlanTci);
                let tv = (tv & !(VLAN_VID_MASK | VLAN_CFI)) | (v & m);
                self.put_slot(VlanTci, tv, m | (tm & VLAN_PCP_MASK));
            }
            DlVlanPcp | VlanPcp => {
                let (tv, tm) = self.slot(VlanTci);
                let tv = (tv & !VLAN_PCP_MASK) | ((v & 7) << 13) | VLAN_CFI;
                self.put_slot(VlanTci, tv, tm | VLAN_CFI | VLAN_PCP_MASK);
            }
            MplsLabel => self.put_bits(MplsLabel, MPLS_LABEL_MASK, v << 12, MPLS_LABEL_MASK),
            MplsTc => self.put_bits(MplsLabel, MPLS_TC_MASK, v << 9, MPLS_TC_MASK),
            MplsBos => self.put_bits(MplsLabel, MPLS_BOS_MASK, v << 8, MPLS_BOS_MASK),
            MplsTtl => self.put_bits(MplsLabel, MPLS_TTL_MASK, v, MPLS_TTL_MASK),
            NwTos => self.put_bits(NwTos, IP_DSCP_MASK, v, IP_DSCP_MASK),
            IpDscp => self.put_bits(NwTos, IP_DSCP_MASK, (v << 2) & 0xff, IP_DSCP_MASK),
            NwEcn => self.put_bits(NwTos, IP_ECN_MASK, v, IP_ECN_MASK),
            IpFrag => {
                if exact {
                    self.put_slot(IpFrag, v & 3, 3);
                } else {
                    self.put_slot(IpFrag, v & m & 3, m & 3);
                }
            }
            ArpOp => self.put_slot(NwProto, v & 0xff, 0xff),
            IcmpType | Icmpv6Type => self.put_slot(TcpSrc, v, 0xffff),
            IcmpCode | Icmpv6Code => self.put_slot(TcpDst, v, 0xffff),
            NdOptionsType => self.put_slot(TcpFlags, v, 0xffff),
            Ipv6Label if m & 0xfffff == 0xfffff => self.put_slot(Ipv6Label, v, 0xffff_ffff),
            NshSpi => self.put_slot(NshSpi, v & 0xff_ffff, 0xff_ffff),
            f => self.put_slot(slot_of(f), v, m),
        }
    }

    #[inline]
    fn set_default_packet_type(&mut self) {
        // A present slot has a nonzero mask. Only `dp_hash` and `recirc_id` come before
        // `packet_type`: its index is the number of them present.
        const _: () = assert!(
            Field::DpHash as usize == 0
                && Field::RecircId as usize == 1
                && Field::PacketType as usize == 2
        );
        if self.has(Field::PacketType) {
            return;
        }
        // (Two bits added: `count_ones` is a long sequence without a popcount instruction.)
        let p = self.present[0];
        let i = (p & 1) as usize + (p >> 1 & 1) as usize;
        self.insert_entry(
            i,
            Entry {
                slot: Field::PacketType,
                value: 0,
                mask: 0xffff_ffff,
            },
        );
        self.present[0] |= 1 << (Field::PacketType as usize);
    }

    /// The value and mask of `field` (in the field's own representation), or `None` when
    /// the match does not test it (Open vSwitch's `mf_get`).
    pub fn get(&self, field: Field) -> Option<(u128, u128)> {
        use Field::*;
        let (v, m) = match field {
            InPortOxm | ActsetOutput => {
                let (v, m) = self.slot(slot_of(field));
                (
                    u128::from(port_to_ofp11(v as u16)),
                    if m != 0 { 0xffff_ffff } else { 0 },
                )
            }
            _ if (Xreg0..=Xreg7).contains(&field) => {
                let i = field as usize - Xreg0 as usize;
                let (hv, hm) = self.slot(reg_slot(2 * i));
                let (lv, lm) = self.slot(reg_slot(2 * i + 1));
                (hv << 32 | lv, hm << 32 | lm)
            }
            _ if (Xxreg0..=Xxreg3).contains(&field) => {
                let (mut v, mut m) = (0, 0);
                let i = field as usize - Xxreg0 as usize;
                for k in 0..4 {
                    let (rv, rm) = self.slot(reg_slot(4 * i + k));
                    v = v << 32 | rv;
                    m = m << 32 | rm;
                }
                (v, m)
            }
            DlVlan => {
                let (v, m) = self.slot(VlanTci);
                (v & VLAN_VID_MASK, m & VLAN_VID_MASK)
            }
            VlanVid => {
                let (v, m) = self.slot(VlanTci);
                (v & 0x1fff, m & 0x1fff)
            }
            DlVlanPcp | VlanPcp => {
                let (v, m) = self.slot(VlanTci);
                (v >> 13 & 7, m >> 13 & 7)
            }
            MplsLabel => {
                let (v, m) = self.slot(MplsLabel);
                (v >> 12, m >> 12)
            }
            MplsTc => {
                let (v, m) = self.slot(MplsLabel);
                (v >> 9 & 7, m >> 9 & 7)
            }
            MplsBos => {
                let (v, m) = self.slot(MplsLabel);
                (v >> 8 & 1, m >> 8 & 1)
            }
            MplsTtl => {
                let (v, m) = self.slot(MplsLabel);
                (v & 0xff, m & 0xff)
            }
            NwTos => {
                let (v, m) = self.slot(NwTos);
                (v & IP_DSCP_MASK, m & IP_DSCP_MASK)
            }
            IpDscp => {
                let (v, m) = self.slot(NwTos);
                ((v & IP_DSCP_MASK) >> 2, (m & IP_DSCP_MASK) >> 2)
            }
            NwEcn => {
                let (v, m) = self.slot(NwTos);
                (v & IP_ECN_MASK, m & IP_ECN_MASK)
            }
            IcmpType | Icmpv6Type | IcmpCode | Icmpv6Code | NdOptionsType => {
                let (v, m) = self.slot(slot_of(field));
                (v & 0xff, m & 0xff)
            }
            f => self.slot(slot_of(f)),
        };
        (m != 0).then_some((v, m))
    }

    // -----------------------------------------------------------------------------------
    // Prerequisites.

    fn dl_type(&self) -> u128 {
        let (pt, ptm) = self.slot(Field::PacketType);
        if ptm == 0xffff_ffff && pt >> 16 == 1 {
            return pt & 0xffff;
        }
        self.value_of(Field::EthType)
    }

    fn is_arp(&self) -> bool {
        matches!(self.dl_type(), ETH_TYPE_ARP | ETH_TYPE_RARP)
    }

    fn nw_proto(&self) -> u128 {
        self.value_of(Field::NwProto)
    }

    fn is_icmpv4(&self) -> bool {
        self.dl_type() == ETH_TYPE_IP && self.nw_proto() == 1
    }

    fn is_icmpv6(&self) -> bool {
        self.dl_type() == ETH_TYPE_IPV6 && self.nw_proto() == 58
    }

    /// Checks that every tested field has its prerequisites (`tp_dst` needs `tcp`, `udp` or
    /// `sctp`; `nw_dst` needs `ip` or `arp`; `ct_nw_src` a valid tracked connection, e.g.
    /// `ct_state=+est`...), i.e. that the match can be sent as OpenFlow without losing
    /// anything. Returns the first offending field (as the storage slot's usual field)
    /// and what it needs.
    pub fn check_prereqs(&self) -> std::result::Result<(), (Field, &'static str)> {
        // Only the present slots that have a prerequisite are checked, found in `present`
        // in slot order (the entries' order, so the first offender is the same): most
        // slots have none, and a match without any such slot is done here.
        let mut todo = [0u64; PRESENT_WORDS];
        for ((t, p), c) in todo.iter_mut().zip(&self.present).zip(&PREREQ_CHECKED) {
            *t = p & c;
        }
        if todo.iter().all(|&t| t == 0) {
            return Ok(());
        }
        if self.usual_prereqs_met(&todo) {
            return Ok(());
        }
        let ct = todo.iter().zip(&CT_CHECKED).any(|(t, c)| t & c != 0);
        let facts = self.prereq_facts(ct);
        for (w, &word) in todo.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let i = w * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                let (Some(&slot), Some(&needs)) = (crate::field::ALL.get(i), NEEDS.get(i)) else {
                    continue;
                };
                if let Err(what) = facts.check(slot, needs) {
                    return Err((self.display_field(slot), what));
                }
            }
        }
        Ok(())
    }

    /// Whether the slots of `todo` (present slots with a prerequisite) all meet their
    /// prerequisites in the usual case, told from a few values only: an Ethernet packet
    /// type, `eth_type` IPv4 or IPv6, and L2 to L4 slots whose prerequisites those and
    /// `nw_proto` (and `nw_frag`) meet. False means "not known here" (the slots are then
    /// checked one by one), never that a slot fails.
    #[inline]
    fn usual_prereqs_met(&self, todo: &[u64; PRESENT_WORDS]) -> bool {
        use Field::*;
        if todo.iter().zip(&USUAL_CHECKED).any(|(t, u)| t & !u != 0) {
            return false;
        }
        // `packet_type` is absent or Ethernet (0), so the Ethernet type is `eth_type`'s
        // value: among the last entries, with `nw_proto` and `nw_frag`, found from the end.
        if self.packet_type_value() != 0 {
            return false;
        }
        let (mut dl, mut proto, mut frag) = (0, 0, 0);
        for e in self.entries.iter().rev() {
            match e.slot {
                EthType => {
                    dl = e.value;
                    break;
                }
                NwProto => proto = e.value,
                IpFrag => frag = e.value,
                s if s < EthType => break,
                _ => {}
            }
        }
        let has = |set: &[u64; PRESENT_WORDS]| todo.iter().zip(set).any(|(t, s)| t & s != 0);
        let ipv4 = match dl {
            ETH_TYPE_IP => true,
            ETH_TYPE_IPV6 => false,
            _ => return false,
        };
        // (`frag & 2`: `nw_frag=later`, which has no L4 header.)
        let transport = matches!(proto, 6 | 17 | 132) && frag & 2 == 0;
        !(ipv4 && has(&USUAL_IPV6)
            || !ipv4 && has(&USUAL_IPV4)
            || !transport && has(&USUAL_L4)
            || (proto != 6 || frag & 2 != 0) && has(&USUAL_TCP_FLAGS))
    }

    /// The value of `packet_type` (0 when absent), found without a search: only `dp_hash`
    /// and `recirc_id` come before it.
    #[inline]
    fn packet_type_value(&self) -> u128 {
        const _: () = assert!(
            Field::DpHash as usize == 0
                && Field::RecircId as usize == 1
                && Field::PacketType as usize == 2
        );
        if !self.has(Field::PacketType) {
            return 0;
        }
        let p = self.present[0];
        let i = (p & 1) as usize + (p >> 1 & 1) as usize;
        self.entries.get(i).map_or(0, |e| e.value)
    }

    /// The protocol facts the prerequisites depend on (the connection tracking ones only
    /// when `ct`; else they read as zeros). The L3 and L4 ones are those of `eth_type`'s
    /// slot and the slots after it, among the last entries: the entries are read from the
    /// end down to it, each one's value and mask stored at its slot's index in [`FACT`] (0,
    /// a sink, for the other slots) without a branch per entry. Absent slots are zeros.
    fn prereq_facts(&self, ct: bool) -> PrereqFacts {
        const _: () = assert!(
            (Field::PacketType as u8) < Field::EthType as u8
                && (Field::CtState as u8) < Field::EthType as u8
                && (Field::CtNwProto as u8) < Field::EthType as u8
                && (Field::EthType as u8) < Field::NwProto as u8
                && (Field::EthType as u8) < Field::IpFrag as u8
                && (Field::EthType as u8) < Field::TcpSrc as u8
                && (Field::EthType as u8) < Field::TcpDst as u8
                && (Field::EthType as u8) < Field::TcpFlags as u8
        );
        // Every fact slot is at most 32 bits wide: gathered in 64.
        let mut v = [0u64; FACTS];
        let mut m = [0u64; FACTS];
        for e in self.entries.iter().rev() {
            if e.slot < Field::EthType {
                break;
            }
            let k = usize::from(FACT.get(e.slot as usize).copied().unwrap_or(0));
            if let (Some(v), Some(m)) = (v.get_mut(k), m.get_mut(k)) {
                *v = e.value as u64;
                *m = e.mask as u64;
            }
        }
        // `packet_type` is among the first three entries (only `dp_hash` and `recirc_id`
        // come before it).
        if self.has(Field::PacketType) {
            let p = self.present[0];
            let i = (p & 1) as usize + (p >> 1 & 1) as usize;
            if let Some(e) = self.entries.get(i) {
                v[Fact::PacketType as usize] = e.value as u64;
                m[Fact::PacketType as usize] = e.mask as u64;
            }
        }
        if ct {
            for (slot, k) in [
                (Field::CtState, Fact::CtState),
                (Field::CtNwProto, Fact::CtNwProto),
            ] {
                let (sv, sm) = self.slot(slot);
                v[k as usize] = sv as u64;
                m[k as usize] = sm as u64;
            }
        }
        let at = |k: Fact| (v[k as usize], m[k as usize]);
        let (pt, ptm) = at(Fact::PacketType);
        let (cs, csm) = at(Fact::CtState);
        let (proto, tp_src, tp_dst) = (at(Fact::NwProto).0, at(Fact::TcpSrc), at(Fact::TcpDst));
        let eth_type = at(Fact::EthType).0;
        // `dl_type`, `is_ct_valid`, `is_nd`.
        let dl = if ptm == 0xffff_ffff && pt >> 16 == 1 {
            pt & 0xffff
        } else {
            eth_type
        };
        let cs_bit = |b: u128| b as u64;
        let icmpv6 = dl == ETH_TYPE_IPV6 as u64 && proto == 58;
        PrereqFacts {
            pt,
            eth_type,
            dl,
            proto,
            ip: dl == ETH_TYPE_IP as u64 || dl == ETH_TYPE_IPV6 as u64,
            arp: dl == ETH_TYPE_ARP as u64 || dl == ETH_TYPE_RARP as u64,
            icmp: (dl == ETH_TYPE_IP as u64 && proto == 1) || icmpv6,
            ct_valid: cs & cs_bit(CS_NEW | CS_EST | CS_REL | CS_RPL | CS_SNAT | CS_DNAT) != 0
                || (cs & cs_bit(CS_TRK) != 0
                    && csm & cs_bit(CS_INV) != 0
                    && cs & cs_bit(CS_INV) == 0),
            ct_proto: at(Fact::CtNwProto).0,
            nd: icmpv6 && tp_dst.0 == 0 && matches!(tp_src.0, 135 | 136),
            later: at(Fact::IpFrag).0 & 2 != 0,
            tp_src,
            tp_dst,
            tcp_flags: at(Fact::TcpFlags),
        }
    }

    /// The field a slot is usually written as, given this match's protocols.
    fn display_field(&self, slot: Field) -> Field {
        use Field::*;
        match slot {
            TcpSrc if self.is_icmpv4() => IcmpType,
            TcpDst if self.is_icmpv4() => IcmpCode,
            TcpSrc if self.is_icmpv6() => Icmpv6Type,
            TcpDst if self.is_icmpv6() => Icmpv6Code,
            TcpSrc if self.nw_proto() == 17 => UdpSrc,
            TcpDst if self.nw_proto() == 17 => UdpDst,
            TcpSrc if self.nw_proto() == 132 => SctpSrc,
            TcpDst if self.nw_proto() == 132 => SctpDst,
            IpSrc if self.is_arp() => ArpSpa,
            IpDst if self.is_arp() => ArpTpa,
            NwProto if self.is_arp() => ArpOp,
            ArpSha if self.is_icmpv6() => NdSll,
            ArpTha if self.is_icmpv6() => NdTll,
            s => s,
        }
    }

    // -----------------------------------------------------------------------------------
    // Text.

    /// Parses the match part of a flow in ovs-ofctl syntax (`ip,nw_dst=10.0.0.1,tcp,
    /// tp_dst=80`): protocol shorthands, `field=value` for every field by name or alias,
    /// `subfield=value` (`reg0[0..3]=5`), a field without value (wildcarded). Fails on
    /// anything else (including `priority`, `actions`...), and when a field lacks its
    /// prerequisites.
    pub fn parse(s: &str) -> Result<Match> {
        let mut m = Match::new();
        let mut cols: Vec<(Field, usize, usize, usize)> = Vec::new();
        for item in crate::text::KeyValues::new(s, 0) {
            let (key, kpos) = (item.key, item.key_offset);
            let val = item.delim.map(|_| item.value);
            let column = kpos + 1;
            m.parse_token(key, val, column)?;
            if let Some(f) = Field::from_name(key).or_else(|| {
                key.contains('[')
                    .then(|| Subfield::parse(key).ok().map(|sf| sf.field))
                    .flatten()
            }) {
                let len = val.map_or(key.len(), |v| key.len() + 1 + v.len());
                cols.push((slot_of(f), column, kpos, len));
            }
        }
        if let Err((field, needs)) = m.check_prereqs() {
            let slot = slot_of(field);
            let (column, token) = cols
                .iter()
                .rev()
                .find(|c| c.0 == slot || (reg_index(slot).is_some() && reg_index(c.0).is_some()))
                .map_or((1, s), |c| (c.1, &s[c.2..c.2 + c.3]));
            return Err(Error::parse(
                token,
                column,
                format_args!("field {} requires {needs}", field.name()),
            ));
        }
        Ok(m)
    }

    /// Applies one `key[=value]` token of a flow's match (as ovs-ofctl's flow parser): a
    /// protocol shorthand (`ip`, `tcp6`, `arp`...), `eth`, `field=value`, `field` (wildcard)
    /// or `subfield=value`. When `key` is none of these, fails with an [`Error::Parse`]
    /// whose reason is [`NOT_A_MATCH_FIELD`], so a flow parser can try its own keywords.
    /// Prerequisites are not checked here; see [`Match::check_prereqs`].
    #[inline(always)]
    pub fn parse_token(&mut self, key: &str, value: Option<&str>, column: usize) -> Result<()> {
        if let Some(k) = protocol(key) {
            self.set_protocol(k);
            return Ok(());
        }
        // The usual case: a field with an OpenFlow header stored whole, set with a value
        // spelled the usual way. (A key is never both a protocol and a field.)
        if let Some(v) = value
            && let Some(field) = Field::from_name(key)
            && !field.info().headers.is_empty()
            && let Some((v, m)) = value::parse_value_fast(field, v)
            && self.set_whole(field, v, m)
        {
            return Ok(());
        }
        self.parse_token_general(key, value, column)
    }

    /// Applies protocol shorthand `k` (name `k` of [`PROTOCOL_NAMES`]; nothing for
    /// another `k`), as [`Match::parse_token`] does for its name.
    #[inline(always)]
    fn set_protocol(&mut self, k: usize) {
        self.set_protocol_unordered(k);
        self.restore_order();
    }

    /// [`Match::set_protocol`] in the unordered state (see [`Match::put_unordered`]).
    #[inline(always)]
    pub(crate) fn set_protocol_unordered(&mut self, k: usize) {
        let Some(&(_, dl_type, proto)) = PROTOCOLS.get(k) else {
            return;
        };
        self.put_unordered(Field::EthType, u128::from(dl_type), 0xffff);
        if proto != 0 {
            self.put_unordered(Field::NwProto, u128::from(proto), 0xff);
        }
        self.set_default_packet_type_unordered();
    }

    /// A fast parser's [`Match::put_slot`] of `slot` with a nonzero `mask` (the value
    /// kept is `value & mask`), leaving the entries *unordered*: a new slot is pushed at
    /// the end, a present one (told by `present`, which stays exact) updated where it is.
    /// Parsed fields come in any order, and putting each in its place would move the
    /// entries after it every time; [`Match::restore_order`] sorts them once instead, and
    /// must be called before any other use of the match (every other method assumes the
    /// order).
    #[inline(always)]
    fn put_unordered(&mut self, slot: Field, value: u128, mask: u128) {
        let value = value & mask;
        let i = slot as usize;
        let bit = 1u64 << (i % 64);
        let Some(word) = self.present.get_mut(i / 64) else {
            return;
        };
        if *word & bit != 0 {
            if let Some(e) = self.entries.iter_mut().rev().find(|e| e.slot == slot) {
                e.value = value;
                e.mask = mask;
            }
            return;
        }
        *word |= bit;
        // (The flow parser makes room first: see `Match::make_room`.)
        self.entries.push(Entry { slot, value, mask });
    }

    /// Gives a match without memory room for the entries of a usual one, by a direct
    /// allocation (cheaper than the growth path of a first push): the flow parser does
    /// this once before its [`Match::put_unordered`]s, rather than each of them testing.
    #[inline]
    pub(crate) fn make_room(&mut self) {
        if self.entries.capacity() == 0 {
            self.entries = Vec::with_capacity(8);
        }
    }

    /// [`Match::set_default_packet_type`] in the unordered state.
    #[inline(always)]
    fn set_default_packet_type_unordered(&mut self) {
        if !self.has(Field::PacketType) {
            self.put_unordered(Field::PacketType, 0, 0xffff_ffff);
        }
    }

    /// Sorts the entries by slot after [`Match::put_unordered`]: an insertion sort, which
    /// moves each entry once past those it belongs before (few: fields mostly come in
    /// about their order) and only compares when they are in order already.
    #[inline]
    pub(crate) fn restore_order(&mut self) {
        let e = &mut self.entries[..];
        for k in 1..e.len() {
            // Swapped down past each entry it belongs before (measured cheaper than saving
            // it aside, moving those up one place and storing it below them).
            let mut j = k;
            while j > 0 && e[j - 1].slot > e[j].slot {
                e.swap(j - 1, j);
                j -= 1;
            }
        }
    }

    /// [`Match::parse_field_unordered`] with the entries in order again after it (what the
    /// tests compare with [`Match::parse_token`]).
    #[cfg(test)]
    fn parse_field_at(&mut self, field: Field, b: &[u8], start: usize) -> Option<usize> {
        let end = self.parse_field_unordered(field, b, start);
        self.restore_order();
        end
    }

    /// The usual case of [`Match::parse_token`] (`field=value` for a field stored whole,
    /// with a value spelled the usual way) in one pass over a key-value list: `field`'s
    /// value starts at `b[start]` (after its key's `=` or `:`) and runs to the next
    /// separator (see [`crate::text`]). Returns the index of the value's end, having done
    /// what `parse_token` does for it but in the unordered state (see
    /// [`Match::put_unordered`]); `None`, having done nothing, when the general path must
    /// find the value's end and decide (any other field, value or mask).
    #[inline(always)]
    pub(crate) fn parse_field_unordered(
        &mut self,
        field: Field,
        b: &[u8],
        start: usize,
    ) -> Option<usize> {
        // What `parse_token`'s fast path (`parse_value_fast` and `set_whole`) does, with
        // the facts of the field read from one table entry, and, for the usual fields (at
        // most 8 bytes wide), in 64-bit arithmetic.
        let q = *QUICK.get(field as usize)?;
        let slot = q.slot?;
        let s = b.get(start..)?;
        let (v, m, len) = match q.kind {
            QuickKind::Int => value::int_value_at(s, usize::from(q.bytes))?,
            QuickKind::Ipv4 => {
                let (v, m, len) = value::ipv4_value_at(s)?;
                (u64::from(v), u64::from(m), len)
            }
            QuickKind::CtState => {
                let (v, m, len) = value::ct_state_value_at(s)?;
                (u64::from(v), u64::from(m), len)
            }
            QuickKind::Wide => return self.parse_wide_field_unordered(field, q, slot, b, start),
            QuickKind::None => return None,
        };
        let (v, m) = (v & q.full, m & q.full);
        // (`bits` is within `full`: a mask with some of them is not zero.)
        if m & q.bits == 0 || (!q.maskable && m != q.full) {
            return None;
        }
        self.put_unordered(slot, u128::from(v & q.bits), u128::from(m & q.bits));
        if q.ethernet {
            self.set_default_packet_type_unordered();
        }
        Some(start + len)
    }

    /// [`Match::parse_field_unordered`] of a field wider than 8 bytes, in 128-bit arithmetic.
    #[inline(never)]
    fn parse_wide_field_unordered(
        &mut self,
        field: Field,
        q: Quick,
        slot: Field,
        b: &[u8],
        start: usize,
    ) -> Option<usize> {
        let (v, m, end) = value::parse_value_fast_at(field, b, start)?;
        let full = ones(usize::from(q.bytes));
        if m == 0 || (!q.maskable && m != full) {
            return None;
        }
        // (A wide field keeps all its bits.)
        self.put_unordered(slot, v, m);
        if q.ethernet {
            self.set_default_packet_type_unordered();
        }
        Some(end)
    }

    /// [`Match::parse_token`] for everything but its usual cases.
    #[inline(never)]
    fn parse_token_general(&mut self, key: &str, value: Option<&str>, column: usize) -> Result<()> {
        if key == "eth" {
            self.put_slot(Field::PacketType, 0, 0xffff_ffff);
            return Ok(());
        }
        let token = |v: &str| {
            if v.is_empty() {
                key.to_string()
            } else {
                format!("{key}={v}")
            }
        };
        let vcol = column + key.len() + 1;
        if let Some(field) = Field::from_name(key) {
            if field.info().headers.is_empty() && !matches!(field, Field::DlVlan | Field::DlVlanPcp)
            {
                return Err(Error::parse(
                    token(value.unwrap_or("")),
                    column,
                    format_args!("field {key} cannot be matched in OpenFlow"),
                ));
            }
            let s = match value {
                None | Some("") => "0/0",
                Some(v) => v,
            };
            let (v, m) = value::parse_value_at(field, s, vcol)?;
            let m = m.unwrap_or(ones(value_bytes(field)));
            if field == Field::Ipv6Label && m & 0xfffff == 0xfffff && v > 0xfffff {
                return Err(Error::parse(
                    token(s),
                    column,
                    format_args!("{s}: value out of range for 20-bit field ipv6_label"),
                ));
            }
            return self
                .set_masked(field, v, m)
                .map_err(|e| Error::parse(token(s), column, e));
        }
        if key.contains('[') {
            let sf = Subfield::parse_at(key, column)?;
            let field = sf.field;
            let s = value.unwrap_or("");
            let Some(v) = value::parse_int(s, field.bytes()) else {
                return Err(Error::parse(
                    token(s),
                    column,
                    format_args!("{key}: cannot parse integer value: {s}"),
                ));
            };
            if v >> sf.n_bits.min(127) != 0 && sf.n_bits < 128 {
                return Err(Error::parse(
                    token(s),
                    column,
                    format_args!(
                        "{key}: value {} does not fit into {} bits",
                        value::value_to_string(field, v, None),
                        sf.n_bits
                    ),
                ));
            }
            // Values are kept in 16 bytes: bits past them (of tun_metadata) cannot be set.
            if !sf.fits_value() {
                return Err(Error::parse(
                    token(s),
                    column,
                    format_args!(
                        "{key}: bits past 127 of {} are not supported (values are kept in 16 bytes)",
                        field.name()
                    ),
                ));
            }
            let (ov, om) = self.get(field).unwrap_or((0, 0));
            let bits = sf.mask();
            let nv = (ov & !bits) | ((v << sf.ofs) & bits);
            return self
                .set_masked(field, nv, om | bits)
                .map_err(|e| Error::parse(token(s), column, e));
        }
        Err(Error::parse(
            token(value.unwrap_or("")),
            column,
            NOT_A_MATCH_FIELD,
        ))
    }

    /// Appends the match as ovs-ofctl prints it (Open vSwitch's `match_format` with the
    /// default priority, which is not printed). The catch-all match prints nothing.
    pub fn format(&self, out: &mut String) {
        self.format_with_priority(DEFAULT_PRIORITY, out);
    }

    /// The match as ovs-ofctl prints it.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        self.format(&mut s);
        s
    }

    /// Appends `priority=N,` (unless `priority` is the default 32768) and the match, as
    /// Open vSwitch's `match_format` does; the trailing comma is dropped.
    pub fn format_with_priority(&self, priority: u16, out: &mut String) {
        use Field::*;
        let start = out.len();
        if priority != DEFAULT_PRIORITY {
            out.push_str("priority=");
            numfmt::dec(out, u64::from(priority));
            out.push(',');
        }
        // Slot lookups by index (most of the ~70 are of absent slots).
        let mut index = [u8::MAX; PRESENT_WORDS * 64];
        for (k, e) in self.entries.iter().enumerate() {
            if let Some(x) = index.get_mut(e.slot as usize) {
                *x = k as u8;
            }
        }
        let slot = |f: Field| -> (u128, u128) {
            match index
                .get(f as usize)
                .and_then(|&k| self.entries.get(usize::from(k)))
            {
                Some(e) => (e.value, e.mask),
                None => (0, 0),
            }
        };
        // Most matches test none of these: one test skips them all.
        let mut megaflow = false;
        if self.any_of(&FORMAT_META) {
            put_u32_hex(out, "pkt_mark", slot(PktMark));
            if slot(RecircId).1 != 0 {
                put_u32_hex(out, "recirc_id", slot(RecircId));
                megaflow = true;
            }
            put_u32_hex(out, "dp_hash", slot(DpHash));
            if slot(ConjId).1 != 0 {
                out.push_str("conj_id=");
                numfmt::dec128(out, slot(ConjId).0);
                out.push(',');
            }
            if slot(SkbPriority).1 != 0 {
                let _ = write!(out, "skb_priority={},", Hx(slot(SkbPriority).0));
            }
            if slot(ActsetOutput).1 != 0 {
                out.push_str("actset_output=");
                format_port(slot(ActsetOutput).0 as u16, out);
                out.push(',');
            }
        }
        let (cs, csm) = slot(CtState);
        if csm != 0 {
            if csm == 0xff {
                out.push_str("ct_state=");
                format_flags(ct_state_name, cs as u32, out);
            } else {
                out.push_str("ct_state=");
                value::format_ct_state_masked(cs as u32, csm as u32, out);
            }
            out.push(',');
        }
        if self.any_of(&FORMAT_CT) {
            put_u16_dec(out, "ct_zone", slot(CtZone));
            put_u32_hex(out, "ct_mark", slot(CtMark));
            let (lv, lm) = slot(CtLabel);
            if lm != 0 {
                out.push_str("ct_label=");
                format_hex(lv, out);
                if lm != u128::MAX {
                    out.push('/');
                    format_hex(lm, out);
                }
                out.push(',');
            }
            put_ipv4(out, "ct_nw_src", slot(CtNwSrc));
            put_ipv6(out, "ct_ipv6_src", slot(CtIpv6Src));
            put_ipv4(out, "ct_nw_dst", slot(CtNwDst));
            put_ipv6(out, "ct_ipv6_dst", slot(CtIpv6Dst));
            if slot(CtNwProto).1 != 0 {
                out.push_str("ct_nw_proto=");
                numfmt::dec128(out, slot(CtNwProto).0);
                out.push(',');
                put_u16_dec(out, "ct_tp_src", slot(CtTpSrc));
                put_u16_dec(out, "ct_tp_dst", slot(CtTpDst));
            }
        }
        let (pt, ptm) = slot(PacketType);
        let mut dl_type = slot(EthType).0;
        if ptm != 0 && (!(pt == 0 && ptm == 0xffff_ffff) || megaflow) {
            format_packet_type(pt as u32, ptm as u32, out);
            out.push(',');
            if pt >> 16 == 1 {
                dl_type = pt & 0xffff;
            }
        }
        let (proto, proto_m) = slot(NwProto);
        let mut skip_type = false;
        let mut skip_proto = false;
        if slot(EthType).1 != 0 {
            skip_type = true;
            let name = match dl_type {
                ETH_TYPE_IP | ETH_TYPE_IPV6 => {
                    let v6 = dl_type == ETH_TYPE_IPV6;
                    let named = if proto_m != 0 {
                        match (proto, v6) {
                            (1, false) => Some("icmp"),
                            (58, true) => Some("icmp6"),
                            (6, false) => Some("tcp"),
                            (6, true) => Some("tcp6"),
                            (17, false) => Some("udp"),
                            (17, true) => Some("udp6"),
                            (132, false) => Some("sctp"),
                            (132, true) => Some("sctp6"),
                            _ => None,
                        }
                    } else {
                        None
                    };
                    skip_proto = named.is_some();
                    Some(named.unwrap_or(if v6 { "ipv6" } else { "ip" }))
                }
                ETH_TYPE_ARP => Some("arp"),
                ETH_TYPE_RARP => Some("rarp"),
                ETH_TYPE_MPLS => Some("mpls"),
                ETH_TYPE_MPLS_MCAST => Some("mplsm"),
                _ => None,
            };
            match name {
                Some(n) => {
                    out.push_str(n);
                    out.push(',');
                }
                None => skip_type = false,
            }
        }
        // Only the registers present, in order.
        let mut regs = self.reg_bits();
        while regs != 0 {
            let i = regs.trailing_zeros() as usize;
            regs &= regs - 1;
            let (v, m) = slot(reg_slot(i));
            if let Some(key) = REG_KEYS.get(i)
                && m != 0
            {
                out.push_str(key);
                put_hex32(out, v, m);
            }
        }
        self.format_tunnel(out);
        let (mv, mm) = slot(Metadata);
        if mm != 0 {
            out.push_str("metadata=");
            numfmt::hash_x(out, mv);
            if mm != u128::from(u64::MAX) {
                out.push('/');
                numfmt::hash_x(out, mm);
            }
            out.push(',');
        }
        if self.any_of(&FORMAT_L2) {
            if slot(InPort).1 != 0 {
                out.push_str("in_port=");
                format_port(slot(InPort).0 as u16, out);
                out.push(',');
            }
            let (tci, tcim) = slot(VlanTci);
            if tcim != 0 {
                let vid_mask = tcim & VLAN_VID_MASK;
                let pcp_mask = tcim & VLAN_PCP_MASK;
                let cfi = tcim & VLAN_CFI;
                if cfi != 0
                    && tci & VLAN_CFI != 0
                    && (vid_mask == 0 || vid_mask == VLAN_VID_MASK)
                    && (pcp_mask == 0 || pcp_mask == VLAN_PCP_MASK)
                    && (vid_mask != 0 || pcp_mask != 0)
                {
                    if vid_mask != 0 {
                        out.push_str("dl_vlan=");
                        numfmt::dec128(out, tci & VLAN_VID_MASK);
                        out.push(',');
                    }
                    if pcp_mask != 0 {
                        out.push_str("dl_vlan_pcp=");
                        numfmt::dec128(out, tci >> 13);
                        out.push(',');
                    }
                } else {
                    out.push_str("vlan_tci=");
                    numfmt::hex_0x_width(out, tci, 6);
                    if tcim != 0xffff {
                        out.push('/');
                        numfmt::hex_0x_width(out, tcim, 6);
                    }
                    out.push(',');
                }
            }
            put_eth(out, "dl_src", slot(EthSrc));
            put_eth(out, "dl_dst", slot(EthDst));
        }
        if !skip_type && slot(EthType).1 != 0 {
            out.push_str("dl_type=");
            numfmt::hex_0x_width(out, dl_type, 6);
            out.push(',');
        }
        let arp = matches!(dl_type, ETH_TYPE_ARP | ETH_TYPE_RARP);
        if dl_type == ETH_TYPE_IPV6 {
            put_ipv6(out, "ipv6_src", slot(Ipv6Src));
            put_ipv6(out, "ipv6_dst", slot(Ipv6Dst));
            let (lv, lm) = slot(Ipv6Label);
            if lm != 0 {
                if lm == 0xffff_ffff {
                    let _ = write!(out, "ipv6_label={lv:#07x},");
                } else {
                    let _ = write!(out, "ipv6_label={lv:#07x}/{lm:#07x},");
                }
            }
        } else if arp {
            put_ipv4(out, "arp_spa", slot(IpSrc));
            put_ipv4(out, "arp_tpa", slot(IpDst));
        } else if dl_type == ETH_TYPE_NSH {
            self.format_nsh(out);
        } else {
            put_ipv4(out, "nw_src", slot(IpSrc));
            put_ipv4(out, "nw_dst", slot(IpDst));
        }
        if !skip_proto && proto_m != 0 {
            out.push_str(if arp { "arp_op=" } else { "nw_proto=" });
            numfmt::dec128(out, proto);
            out.push(',');
        }
        if arp {
            put_eth(out, "arp_sha", slot(ArpSha));
            put_eth(out, "arp_tha", slot(ArpTha));
        }
        if self.any_of(&FORMAT_L3_MISC) {
            let (tos, tosm) = slot(NwTos);
            if tosm & IP_DSCP_MASK != 0 {
                put_dec(out, "nw_tos=", tos & IP_DSCP_MASK);
            }
            if tosm & IP_ECN_MASK != 0 {
                put_dec(out, "nw_ecn=", tos & IP_ECN_MASK);
            }
            let (ttl, ttlm) = slot(NwTtl);
            if ttlm != 0 {
                put_dec(out, "nw_ttl=", ttl);
            }
            let (lse, lsem) = slot(MplsLabel);
            if lsem & MPLS_LABEL_MASK != 0 {
                let _ = write!(out, "mpls_label={},", lse >> 12);
            }
            if lsem & MPLS_TC_MASK != 0 {
                let _ = write!(out, "mpls_tc={},", (lse >> 9) & 7);
            }
            if lsem & MPLS_TTL_MASK != 0 {
                let _ = write!(out, "mpls_ttl={},", lse & 0xff);
            }
            if lsem & MPLS_BOS_MASK != 0 {
                let _ = write!(out, "mpls_bos={},", (lse >> 8) & 1);
            }
            let (fv, fm) = slot(IpFrag);
            let frag = match fm & 3 {
                3 => Some(match fv & 3 {
                    0 => "no",
                    1 => "first",
                    3 => "later",
                    _ => "<error>",
                }),
                1 => Some(if fv & 1 != 0 { "yes" } else { "no" }),
                2 => Some(if fv & 2 != 0 { "later" } else { "not_later" }),
                _ => None,
            };
            if let Some(f) = frag {
                out.push_str("nw_frag=");
                out.push_str(f);
                out.push(',');
            }
        }
        if dl_type == ETH_TYPE_IP && proto == 1 {
            put_u16_dec(out, "icmp_type", slot(TcpSrc));
            put_u16_dec(out, "icmp_code", slot(TcpDst));
        } else if dl_type == ETH_TYPE_IPV6 && proto == 58 {
            put_u16_dec(out, "icmp_type", slot(TcpSrc));
            put_u16_dec(out, "icmp_code", slot(TcpDst));
            put_ipv6(out, "nd_target", slot(NdTarget));
            put_eth(out, "nd_sll", slot(ArpSha));
            put_eth(out, "nd_tll", slot(ArpTha));
            put_u32_dec(out, "nd_reserved", slot(NdReserved));
            put_u16_dec(out, "nd_options_type", slot(TcpFlags));
        } else {
            put_u16_dec(out, "tp_src", slot(TcpSrc));
            put_u16_dec(out, "tp_dst", slot(TcpDst));
        }
        let (fl, flm) = slot(TcpFlags);
        if matches!(slot(EthType).0, ETH_TYPE_IP | ETH_TYPE_IPV6) && proto == 6 && flm != 0 {
            out.push_str("tcp_flags=");
            format_flags_masked(tcp_flag_name, fl as u32, flm as u32 & 0x0fff, 0x0fff, out);
            out.push(',');
        }
        if out.len() > start && out.ends_with(',') {
            out.pop();
        }
    }

    fn format_tunnel(&self, out: &mut String) {
        use Field::*;
        if !self.any_in(TunId, TunMetadata63) {
            return;
        }
        let slot = |f| self.slot(f);
        let (v, m) = slot(TunId);
        if m != 0 {
            let _ = write!(out, "tun_id={}", Hx(v));
            if m != u128::from(u64::MAX) {
                let _ = write!(out, "/{}", Hx(m));
            }
            out.push(',');
        }
        put_ipv4(out, "tun_src", slot(TunSrc));
        put_ipv4(out, "tun_dst", slot(TunDst));
        put_ipv6(out, "tun_ipv6_src", slot(TunIpv6Src));
        put_ipv6(out, "tun_ipv6_dst", slot(TunIpv6Dst));
        put_u16_dec(out, "tun_gbp_id", slot(TunGbpId));
        if self.mask_of(TunGbpFlags) != 0 {
            let _ = write!(out, "tun_gbp_flags={},", Hx(self.value_of(TunGbpFlags)));
        }
        if self.mask_of(TunTos) != 0 {
            let _ = write!(out, "tun_tos={:x},", self.value_of(TunTos));
        }
        if self.mask_of(TunTtl) != 0 {
            let _ = write!(out, "tun_ttl={},", self.value_of(TunTtl));
        }
        let ver = self.value_of(TunErspanVer);
        if self.mask_of(TunErspanVer) != 0 {
            let _ = write!(out, "tun_erspan_ver={ver},");
        }
        if self.mask_of(TunErspanIdx) != 0 && ver == 1 {
            let _ = write!(out, "tun_erspan_idx={},", Hx(self.value_of(TunErspanIdx)));
        }
        if self.mask_of(TunErspanDir) != 0 && ver == 2 {
            let _ = write!(out, "tun_erspan_dir={},", self.value_of(TunErspanDir));
        }
        if self.mask_of(TunErspanHwid) != 0 && ver == 2 {
            let _ = write!(out, "tun_erspan_hwid={},", Hx(self.value_of(TunErspanHwid)));
        }
        if self.mask_of(TunGtpuFlags) != 0 {
            let _ = write!(out, "gtpu_flags={},", Hx(self.value_of(TunGtpuFlags)));
        }
        if self.mask_of(TunGtpuMsgtype) != 0 {
            let _ = write!(out, "gtpu_msgtype={},", self.value_of(TunGtpuMsgtype));
        }
        let (fv, fm) = slot(TunFlags);
        if fm & 0xf != 0 {
            out.push_str("tun_flags=");
            format_flags_masked(tun_flag_name, fv as u32 & 0xf, fm as u32 & 0xf, 0xf, out);
            out.push(',');
        }
        let any_md = self.any_in(TunMetadata0, TunMetadata63);
        for i in (0..64u8).take_while(|_| any_md) {
            let Some(f) = Field::tun_metadata(i) else {
                break;
            };
            let (v, m) = slot(f);
            if m == 0 {
                continue;
            }
            let _ = write!(out, "tun_metadata{i}=");
            let len = tun_md_len(v, m);
            format_hex(v, out);
            if m != u128::MAX && m != ones(len) {
                out.push('/');
                format_hex(m, out);
            }
            out.push(',');
        }
    }

    fn format_nsh(&self, out: &mut String) {
        use Field::*;
        let slot = |f| self.slot(f);
        put_u8_masked(out, "nsh_flags", slot(NshFlags));
        put_u8_masked(out, "nsh_ttl", slot(NshTtl));
        put_u8_masked(out, "nsh_mdtype", slot(NshMdtype));
        put_u8_masked(out, "nsh_np", slot(NshNp));
        let (sv, sm) = slot(NshSpi);
        if sm != 0 {
            let sm = if sm == 0xff_ffff { 0xffff_ffff } else { sm };
            let _ = write!(out, "nsh_spi={}", Hx(sv));
            if sm != 0xffff_ffff {
                let _ = write!(out, "/{}", Hx(sm));
            }
            out.push(',');
        }
        put_u8_masked(out, "nsh_si", slot(NshSi));
        let (md, mdm) = slot(NshMdtype);
        if mdm == 0xff && md == 1 {
            for (name, f) in [
                ("nsh_c1", NshC1),
                ("nsh_c2", NshC2),
                ("nsh_c3", NshC3),
                ("nsh_c4", NshC4),
            ] {
                let (v, m) = slot(f);
                if m != 0 {
                    let _ = write!(out, "{name}={}", Hx(v));
                    if m != 0xffff_ffff {
                        let _ = write!(out, "/{}", Hx(m));
                    }
                    out.push(',');
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Wire.

    /// Decodes an `ofp_match` (type, length, OXM fields, padding to 8 bytes), consuming the
    /// padding too. Rejects other match types, bad lengths, unknown, duplicate or invalid
    /// fields and missing prerequisites, naming the field and its offset.
    pub fn decode(r: &mut Reader<'_>, version: Version) -> Result<Match> {
        let mut m = Match::new();
        m.decode_into(r, version)?;
        Ok(m)
    }

    /// [`Match::decode`] into `self`, replacing it and reusing its memory. On error `self`
    /// is the empty match.
    pub fn decode_into(&mut self, r: &mut Reader<'_>, _version: Version) -> Result<()> {
        self.clear();
        let start = r.offset();
        let ty = r.peek_u16(0)?;
        let len = r.peek_u16(2)? as usize;
        if ty != 1 {
            return Err(r.error(format_args!(
                "ofp_match type {ty} is not OFPMT_OXM (1) (OFPBMC_BAD_TYPE)"
            )));
        }
        if len < 4 {
            return Err(r.error(format_args!(
                "ofp_match length {len} is less than its 4-byte header (OFPBMC_BAD_LEN)"
            )));
        }
        let padded = len.next_multiple_of(8);
        if r.remaining() < padded {
            return Err(r.error(format_args!(
                "ofp_match length {len} (padded to {padded}) exceeds the {} bytes left (OFPBMC_BAD_LEN)",
                r.remaining()
            )));
        }
        self.decode_checked_into(r, len)?;
        debug_assert!(r.offset() == start + padded);
        Ok(())
    }

    /// The fields of the `ofp_match` at `r` whose header [`Match::decode_into`]'s checks
    /// accept (type OXM, a length `len` of at least 4, padded within the bytes left),
    /// into `self`, reusing its memory; `r` moves past the padding. For a caller that
    /// made those checks itself. On error `self` is the empty match.
    pub(crate) fn decode_checked_into(&mut self, r: &mut Reader<'_>, len: usize) -> Result<()> {
        let mut all = r.sub(len.next_multiple_of(8), "ofp_match")?;
        all.skip(4)?;
        self.decode_fields_into(&mut all, len.saturating_sub(4))
    }

    /// Encodes as an `ofp_match` of type OXM, padded to 8 bytes.
    pub fn encode(&self, w: &mut Writer, version: Version) -> Result<()> {
        let start = w.len();
        // Type OFPMT_OXM and a length patched below.
        w.bytes(&[0, 1, 0, 0]);
        self.put_raw(w, Some(version))?;
        w.patch_len(start + 2, start, "ofp_match")?;
        w.pad_from(start, 8);
        Ok(())
    }

    /// This match as a switch holding it describes it under `version`: what decoding its
    /// encoding gives. Most matches are that already; some are not, e.g. `vlan_tci=0` (no
    /// VLAN header, mask 0xffff) travels as `vlan_vid` 0 and comes back with mask 0x1fff.
    /// A match the version cannot carry is returned unchanged.
    pub fn canonical(&self, version: Version) -> Match {
        let mut w = Writer::with_capacity(128);
        if self.encode(&mut w, version).is_err() {
            return self.clone();
        }
        let mut r = Reader::new(w.as_slice(), "ofp_match");
        Match::decode(&mut r, version).unwrap_or_else(|_| self.clone())
    }

    /// Decodes a bare list of NXM/OXM fields filling exactly `len` bytes (no header, no
    /// padding), as in NXT_FLOW_MOD, packet-in2's metadata property and flow monitors.
    /// Fields may come in any order.
    pub fn decode_fields(r: &mut Reader<'_>, len: usize) -> Result<Match> {
        let mut m = Match::new();
        m.decode_fields_into(r, len)?;
        Ok(m)
    }

    /// [`Match::decode_fields`] into `self`, replacing it and reusing its memory. On error
    /// `self` is the empty match.
    pub fn decode_fields_into(&mut self, r: &mut Reader<'_>, len: usize) -> Result<()> {
        self.clear();
        let res = self.decode_fields_unsorted(r, len);
        if res.is_err() {
            self.entries.clear();
            self.present = [0; PRESENT_WORDS];
        }
        res
    }

    /// The body of [`Match::decode_fields_into`], into the empty `self`; on error the
    /// entries may be out of order.
    fn decode_fields_unsorted(&mut self, r: &mut Reader<'_>, len: usize) -> Result<()> {
        let r = r.sub(len, "OXM match field")?;
        let all = r.clone();
        let m = self;
        let mut sorted = true;
        // Fields are at least 5 bytes on the wire, OVN's mostly 6 to 12.
        m.entries.reserve((len / 6).clamp(4, 32));
        // The fields are read from the bytes with a plain index (kept in a register); a
        // reader is positioned for the general path only.
        let list = r.rest();
        let base = r.offset();
        let mut pos = 0;
        while pos < list.len() {
            let at = base + pos;
            let (field, value, mask) = match quick_field(list, pos) {
                Some((field, value, mask, next)) => {
                    pos = next;
                    (field, value, mask)
                }
                None => {
                    let mut fr = all.clone();
                    fr.skip(pos)?;
                    let decoded = decode_field(&mut fr, at)?;
                    pos = fr.offset() - base;
                    decoded
                }
            };
            let full = ones(value_bytes(field));
            let info = field.info();
            if !info.maskable && mask != 0 && mask != full {
                return Err(all.error_at(
                    at,
                    format_args!(
                        "{}: mask on a field that cannot be masked (OFPBMC_BAD_MASK)",
                        info.name
                    ),
                ));
            }
            if !value_is_valid(field, value) {
                return Err(all.error_at(
                    at,
                    format_args!(
                        "{}: invalid value {} (OFPBMC_BAD_VALUE)",
                        info.name,
                        value::value_to_string(field, value, None)
                    ),
                ));
            }
            if (Field::Xreg0..=Field::Xreg7).contains(&field) && mask & full != 0 {
                // Two 32-bit register slots (OpenFlow 1.5 sends registers this way): what
                // `set_masked` does, appended.
                let i = field as usize - Field::Xreg0 as usize;
                let (hi, lo) = (reg_slot(2 * i), reg_slot(2 * i + 1));
                if m.has(hi) || m.has(lo) {
                    return Err(all.error_at(
                        at,
                        format_args!("{}: duplicate field (OFPBMC_DUP_FIELD)", info.name),
                    ));
                }
                let (value, mask) = (value & full, mask & full);
                for (slot, sh) in [(hi, 32), (lo, 0)] {
                    let mk = (mask >> sh) & 0xffff_ffff;
                    if mk != 0 {
                        sorted &= m.append_new(slot, (value >> sh) & mk, mk);
                    }
                }
                if info.prereq != Prereq::None && !m.has(Field::PacketType) {
                    sorted &= m.append_new(Field::PacketType, 0, 0xffff_ffff);
                }
                continue;
            }
            let whole = whole_slot(field, full).filter(|&(_, bits)| mask & bits != 0);
            if whole.is_none() && !sorted {
                // `tests` and `set_masked` look slots up: they need the order.
                m.sort_entries();
                sorted = true;
            }
            if match whole {
                Some((slot, _)) => m.has(slot),
                None => m.tests(field),
            } {
                return Err(all.error_at(
                    at,
                    format_args!("{}: duplicate field (OFPBMC_DUP_FIELD)", info.name),
                ));
            }
            if let Some((slot, bits)) = whole {
                // What `set_masked` does for a field stored as itself, without the
                // dispatch; appended as it comes, sorted once at the end.
                sorted &= m.append_new(slot, value & bits, mask & bits);
                if info.prereq != Prereq::None && !m.has(Field::PacketType) {
                    // `set_default_packet_type`.
                    sorted &= m.append_new(Field::PacketType, 0, 0xffff_ffff);
                }
            } else {
                m.set_masked(field, value, mask)
                    .map_err(|e| all.error_at(at, e))?;
            }
        }
        if !sorted {
            m.sort_entries();
        }
        if let Err((field, needs)) = m.check_prereqs() {
            return Err(prereq_error(all, field, needs));
        }
        Ok(())
    }

    /// Appends an entry for `slot`, which is absent, with a nonzero `mask` and `value`
    /// within it, without keeping the order: returns whether the entries are still sorted.
    fn append_new(&mut self, slot: Field, value: u128, mask: u128) -> bool {
        let sorted = self.entries.last().is_none_or(|e| e.slot < slot);
        self.entries.push(Entry { slot, value, mask });
        let i = slot as usize;
        if let Some(word) = self.present.get_mut(i / 64) {
            *word |= 1u64 << (i % 64);
        }
        sorted
    }

    /// Restores the order of the entries after [`Match::append_new`].
    fn sort_entries(&mut self) {
        self.entries.sort_unstable_by_key(|e| e.slot);
    }

    /// Whether any bit of `field` is already tested (Open vSwitch's `!mf_is_all_wild`).
    fn tests(&self, field: Field) -> bool {
        use Field::*;
        match field {
            VlanPcp | DlVlanPcp => self.mask_of(VlanTci) & VLAN_PCP_MASK != 0,
            // Fields that are part of a slot, or span several.
            DlVlan | VlanVid | MplsLabel | MplsTc | MplsBos | MplsTtl | NwTos | IpDscp | NwEcn
            | IcmpType | Icmpv6Type | IcmpCode | Icmpv6Code | NdOptionsType => {
                self.get(field).is_some()
            }
            _ if (Xreg0..=Xxreg3).contains(&field) => self.get(field).is_some(),
            // The rest are a whole slot, stored only with a nonzero mask.
            _ => self.has(slot_of(field)),
        }
    }

    /// Encodes as a bare list of OXM fields for `version` (no header, no padding); returns
    /// the length.
    pub fn encode_fields(&self, w: &mut Writer, version: Version) -> Result<usize> {
        self.put_raw(w, Some(version))
    }

    /// Encodes as a bare list of fields with NXM headers where fields have them (the
    /// `nx_match` of Nicira messages, Open vSwitch's `nx_put_match` without padding);
    /// returns the length.
    pub fn encode_nxm(&self, w: &mut Writer) -> Result<usize> {
        self.put_raw(w, None)
    }

    fn put_raw(&self, w: &mut Writer, oxm: Option<Version>) -> Result<usize> {
        use Field::*;
        let start = w.len();
        let mut p = Put {
            w,
            oxm,
            implied_ethernet: false,
        };
        let default_pt = match self.put_usual(&mut p)? {
            Some(default_pt) => default_pt,
            None => self.put_general(&mut p)?,
        };
        if default_pt && !p.implied_ethernet {
            let mut pw = Writer::with_capacity(8);
            PacketType.oxm_header(oxm, false, 4)?.encode(&mut pw);
            pw.u32(0);
            let mut tail = p.w.as_slice()[start..].to_vec();
            let mut head = pw.into_vec();
            head.append(&mut tail);
            let total = p.w.len();
            p.w.as_mut_slice()[start..total].copy_from_slice(&head[..total - start]);
            p.w.bytes(&head[total - start..]);
        }
        let len = p.w.len() - start;
        if len > 0xffff - 4 {
            return Err(Error::encode(
                "match",
                format_args!("{len} bytes of fields"),
            ));
        }
        Ok(len)
    }

    /// [`Match::put_raw`]'s fields for the usual match of OpenFlow 1.5 (only slots of
    /// [`ENCODE_USUAL`], `packet_type` absent or the default Ethernet one, IPv4 fields
    /// only under `eth_type` 0x0800, L4 ports only under `nw_proto` TCP, UDP or SCTP),
    /// written by a walk of the entries rather than a look at some 40 slots: returns
    /// whether `packet_type` is the default one (as [`Match::put_general`] does), or
    /// `None`, having written nothing, for any other match.
    ///
    /// The entries are sorted by slot, and for these slots Open vSwitch's order is that of
    /// four runs of them: the L2 to L4 slots (`eth_type` on), the registers (as `xreg`
    /// pairs), `pkt_mark` to `ct_label`, and `metadata`; so each run is written in the
    /// entries' order, each entry by an arm with its field known, as the general walk
    /// writes it.
    #[inline]
    fn put_usual(&self, p: &mut Put<'_>) -> Result<Option<bool>> {
        use Field::*;
        if p.oxm.is_none_or(|v| v < Version::Of15)
            || self
                .present
                .iter()
                .zip(&ENCODE_USUAL)
                .any(|(have, usual)| have & !usual != 0)
        {
            return Ok(None);
        }
        let mut e = &self.entries[..];
        let mut default_pt = false;
        if let Some((first, rest)) = e.split_first()
            && first.slot == PacketType
        {
            if first.value != 0 || first.mask != 0xffff_ffff {
                return Ok(None);
            }
            default_pt = true;
            e = rest;
        }
        // The runs, from the first entry of each (the entries are sorted by slot): found
        // by a walk over the few entries before them (cheaper than binary searches).
        let mut regs = 0;
        while e.get(regs).is_some_and(|x| x.slot < Reg0) {
            regs += 1;
        }
        let mut l2 = regs;
        while e.get(l2).is_some_and(|x| x.slot < EthType) {
            l2 += 1;
        }
        let (low, rest) = e.split_at(regs.min(e.len()));
        let (reg_entries, l2_entries) = rest.split_at(l2.saturating_sub(regs).min(rest.len()));
        // The L3 and L4 slots are written only under IPv4 (and the ports only under a
        // protocol that has them): else the general walk decides. `eth_type` is the first
        // entry of its run, and `nw_proto` the one after `eth_type`, `ip_src` and `ip_dst`.
        let dl_type = match l2_entries.first() {
            Some(x) if x.slot == EthType => x.value,
            _ => 0,
        };
        let l3 = self.has(IpSrc) || self.has(IpDst) || self.has(NwProto);
        if l3 && dl_type != ETH_TYPE_IP {
            return Ok(None);
        }
        let proto = if self.has(NwProto) {
            let at = usize::from(self.has(EthType))
                + usize::from(self.has(IpSrc))
                + usize::from(self.has(IpDst));
            l2_entries.get(at).map(|x| x.value)
        } else {
            None
        };
        if (self.has(TcpSrc) || self.has(TcpDst)) && !matches!(proto, Some(6 | 17 | 132)) {
            return Ok(None);
        }
        for x in l2_entries {
            let (v, m) = (x.value, x.mask);
            match (x.slot, proto) {
                (EthType, _) => p.masked(EthType, v, m)?,
                (IpSrc, _) => p.masked(IpSrc, v, m)?,
                (IpDst, _) => p.masked(IpDst, v, m)?,
                (NwProto, _) if m != 0 => p.exact(NwProto, v)?,
                (TcpSrc, Some(6)) => p.masked(TcpSrc, v, m)?,
                (TcpDst, Some(6)) => p.masked(TcpDst, v, m)?,
                (TcpSrc, Some(17)) => p.masked(UdpSrc, v, m)?,
                (TcpDst, Some(17)) => p.masked(UdpDst, v, m)?,
                (TcpSrc, _) => p.masked(SctpSrc, v, m)?,
                (TcpDst, _) => p.masked(SctpDst, v, m)?,
                _ => {}
            }
        }
        // The registers as `xreg` pairs: an even register with the odd one after it when
        // present, each alone else (the other half zeros).
        let mut k = 0;
        while let Some(x) = reg_entries.get(k) {
            let r = (x.slot as usize).saturating_sub(Reg0 as usize);
            let (mut v, mut m) = (0, 0);
            if r.is_multiple_of(2) {
                (v, m) = (x.value << 32, x.mask << 32);
                k += 1;
            }
            if let Some(y) = reg_entries.get(k)
                && (y.slot as usize).saturating_sub(Reg0 as usize) == r | 1
            {
                v |= y.value;
                m |= y.mask;
                k += 1;
            }
            let Some(f) = Field::xreg((r / 2) as u8) else {
                break;
            };
            p.xreg(f, v, m)?;
        }
        let (meta, ct) = match low.split_first() {
            Some((first, rest)) if first.slot == Metadata => (Some(first), rest),
            _ => (None, low),
        };
        for x in ct {
            let (v, m) = (x.value, x.mask);
            match x.slot {
                PktMark => p.masked(PktMark, v, m)?,
                CtState => p.masked(CtState, v, m)?,
                CtZone => p.masked(CtZone, v, m)?,
                CtMark => p.masked(CtMark, v, m)?,
                CtLabel => p.masked(CtLabel, v, m)?,
                _ => {}
            }
        }
        if let Some(x) = meta {
            p.masked(Metadata, x.value, x.mask)?;
        }
        Ok(Some(default_pt))
    }

    /// [`Match::put_raw`]'s fields for any match: returns whether `packet_type` is the
    /// default Ethernet one (which the caller writes first when no field implies
    /// Ethernet).
    fn put_general(&self, p: &mut Put<'_>) -> Result<bool> {
        use Field::*;
        let oxm = p.oxm;
        // Some 40 slots are looked at, most of them absent: by index.
        let mut at = [0u8; PRESENT_WORDS * 64];
        let ix = SlotIndex::new(self, &mut at);
        let slot = |f| ix.get(f);
        let (pt, ptm) = slot(PacketType);
        let default_pt = pt == 0 && ptm == 0xffff_ffff;
        if ptm != 0 && !default_pt {
            p.masked(PacketType, pt, ptm)?;
        }
        if self.any_of(&ENCODE_BEFORE_ETH_TYPE) {
            self.put_before_eth_type(&ix, p)?;
        }
        p.slot(EthType, ix.get(EthType))?;
        let (tci, tcim) = slot(VlanTci);
        if oxm.is_some() {
            let vid = tci & (VLAN_VID_MASK | VLAN_CFI);
            let mask = tcim & (VLAN_VID_MASK | VLAN_CFI);
            if mask == VLAN_VID_MASK | VLAN_CFI {
                p.exact(VlanVid, vid)?;
            } else if mask != 0 {
                p.masked(VlanVid, vid, mask)?;
            }
            if vid != 0 && tcim & VLAN_PCP_MASK != 0 {
                p.exact(VlanPcp, tci >> 13)?;
            }
        } else {
            p.masked(VlanTci, tci, tcim)?;
        }
        let dl_type = ix.dl_type();
        if matches!(dl_type, ETH_TYPE_MPLS | ETH_TYPE_MPLS_MCAST) {
            let (lse, lsem) = slot(MplsLabel);
            if lsem & MPLS_TC_MASK != 0 {
                p.exact(MplsTc, (lse >> 9) & 7)?;
            }
            if lsem & MPLS_BOS_MASK != 0 {
                p.exact(MplsBos, (lse >> 8) & 1)?;
            }
            if lsem & MPLS_TTL_MASK != 0 {
                p.exact(MplsTtl, lse & 0xff)?;
            }
            if lsem & MPLS_LABEL_MASK != 0 {
                p.exact(MplsLabel, lse >> 12)?;
            }
        }
        if matches!(dl_type, ETH_TYPE_IP | ETH_TYPE_IPV6) {
            Self::put_ip(&ix, dl_type, p)?;
        } else if matches!(dl_type, ETH_TYPE_ARP | ETH_TYPE_RARP) {
            if ix.mask(NwProto) != 0 {
                p.exact(ArpOp, ix.value(NwProto))?;
            }
            p.slot(ArpSpa, ix.get(IpSrc))?;
            p.slot(ArpTpa, ix.get(IpDst))?;
            p.slot(ArpSha, ix.get(ArpSha))?;
            p.slot(ArpTha, ix.get(ArpTha))?;
        }
        // Most matches test no tunnel, NSH or register field: skip those groups at once.
        let any_tun = ix.any_in(TunId, TunMetadata63);
        for f in [
            TunId,
            TunFlags,
            TunSrc,
            TunDst,
            TunIpv6Src,
            TunIpv6Dst,
            TunGbpId,
            TunGbpFlags,
        ] {
            if !any_tun {
                break;
            }
            let (v, m) = slot(f);
            p.masked(f, v, m)?;
        }
        for i in 0..64u8 {
            if !any_tun {
                break;
            }
            let Some(f) = Field::tun_metadata(i) else {
                break;
            };
            let (v, m) = slot(f);
            if m == 0 {
                continue;
            }
            let len = tun_md_len(v, if m == u128::MAX { 0 } else { m });
            let masked = m != u128::MAX;
            let h = f.oxm_header(oxm, masked, len)?;
            h.encode(p.w);
            u128_to_be(v, len, p.w);
            if masked {
                u128_to_be(m, len, p.w);
            }
        }
        for f in [
            TunErspanIdx,
            TunErspanVer,
            TunErspanDir,
            TunErspanHwid,
            TunGtpuFlags,
            TunGtpuMsgtype,
            NshFlags,
            NshTtl,
            NshMdtype,
            NshNp,
        ] {
            if !ix.any_in(TunErspanIdx, TunGtpuMsgtype) && !ix.any_in(NshFlags, NshTtl) {
                break;
            }
            let (v, m) = slot(f);
            p.masked(f, v, m)?;
        }
        // An absent slot has a zero mask and writes nothing: skip absent groups at once.
        if ix.any_in(NshFlags, NshTtl) {
            let (sv, sm) = slot(NshSpi);
            p.masked(NshSpi, sv, if sm == 0xff_ffff { 0xffff_ffff } else { sm })?;
            for f in [NshSi, NshC1, NshC2, NshC3, NshC4] {
                let (v, m) = slot(f);
                p.masked(f, v, m)?;
            }
        }
        if !ix.any_in(Reg0, Reg15) {
            // No register to write.
        } else if oxm.is_none_or(|v| v < Version::Of15) {
            for i in 0..16 {
                let (v, m) = slot(reg_slot(i));
                p.masked(reg_slot(i), v, m)?;
            }
        } else {
            let regs = self.reg_bits();
            // Bit 2i set when xreg<i> has a part present: only those are visited.
            let mut pairs = (regs | regs >> 1) & 0x5555;
            while pairs != 0 {
                let r = pairs.trailing_zeros() as usize;
                pairs &= pairs - 1;
                let Some(f) = Field::xreg((r / 2) as u8) else {
                    break;
                };
                let (hv, hm) = ix.get(reg_slot(r));
                let (lv, lm) = ix.get(reg_slot(r + 1));
                let (v, m) = (hv << 32 | lv, hm << 32 | lm);
                p.xreg(f, v, m)?;
            }
        }
        p.slot(PktMark, ix.get(PktMark))?;
        let (cs, csm) = slot(CtState);
        p.masked(CtState, cs, csm)?;
        if ix.any_in(CtZone, CtIpv6Dst) {
            for f in [
                CtZone, CtMark, CtLabel, CtNwSrc, CtIpv6Src, CtNwDst, CtIpv6Dst,
            ] {
                let (v, m) = slot(f);
                p.masked(f, v, m)?;
            }
        }
        if ix.value(CtNwProto) != 0 {
            for f in [CtNwProto, CtTpSrc, CtTpDst] {
                let (v, m) = slot(f);
                p.masked(f, v, m)?;
            }
        }
        p.slot(Metadata, ix.get(Metadata))?;
        Ok(default_pt)
    }

    /// The fields [`Match::put_raw`] writes before `eth_type` (most matches have none).
    fn put_before_eth_type(&self, ix: &SlotIndex<'_>, p: &mut Put<'_>) -> Result<()> {
        use Field::*;
        let oxm = p.oxm;
        p.slot(DpHash, ix.get(DpHash))?;
        if ix.mask(RecircId) != 0 {
            p.exact(RecircId, ix.value(RecircId))?;
        }
        if ix.mask(ConjId) != 0 {
            p.exact(ConjId, ix.value(ConjId))?;
        }
        if ix.mask(InPort) != 0 {
            let port = ix.value(InPort) as u16;
            if oxm.is_some() {
                p.exact(InPortOxm, u128::from(port_to_ofp11(port)))?;
            } else {
                p.exact(InPort, u128::from(port))?;
            }
        }
        if ix.mask(ActsetOutput) != 0 {
            p.exact(
                ActsetOutput,
                u128::from(port_to_ofp11(ix.value(ActsetOutput) as u16)),
            )?;
        }
        p.slot(EthSrc, ix.get(EthSrc))?;
        p.slot(EthDst, ix.get(EthDst))?;
        Ok(())
    }

    fn put_ip(ix: &SlotIndex<'_>, dl_type: u128, p: &mut Put<'_>) -> Result<()> {
        use Field::*;
        let slot = |f| ix.get(f);
        if dl_type == ETH_TYPE_IP {
            p.slot(IpSrc, ix.get(IpSrc))?;
            p.slot(IpDst, ix.get(IpDst))?;
        } else {
            p.slot(Ipv6Src, ix.get(Ipv6Src))?;
            p.slot(Ipv6Dst, ix.get(Ipv6Dst))?;
        }
        if ix.m.any_of(&ENCODE_IP_MISC) {
            let (fv, fm) = slot(IpFrag);
            p.masked(IpFrag, fv & 3, if fm & 3 == 3 { 0xff } else { fm & 3 })?;
            let (tos, tosm) = slot(NwTos);
            if tosm & IP_DSCP_MASK != 0 {
                if p.oxm.is_some() {
                    p.exact(IpDscp, tos >> 2)?;
                } else {
                    p.exact(NwTos, tos & IP_DSCP_MASK)?;
                }
            }
            if tosm & IP_ECN_MASK != 0 {
                p.exact(NwEcn, tos & IP_ECN_MASK)?;
            }
            if ix.mask(NwTtl) != 0 {
                p.exact(NwTtl, ix.value(NwTtl))?;
            }
            p.slot(Ipv6Label, ix.get(Ipv6Label))?;
        }
        if ix.mask(NwProto) != 0 {
            let proto = ix.value(NwProto);
            p.exact(NwProto, proto)?;
            let (sv, sm) = slot(TcpSrc);
            let (dv, dm) = slot(TcpDst);
            match proto {
                6 => {
                    p.masked(TcpSrc, sv, sm)?;
                    p.masked(TcpDst, dv, dm)?;
                    let (fl, flm) = slot(TcpFlags);
                    p.masked(TcpFlags, fl, flm)?;
                }
                17 => {
                    p.masked(UdpSrc, sv, sm)?;
                    p.masked(UdpDst, dv, dm)?;
                }
                132 => {
                    p.masked(SctpSrc, sv, sm)?;
                    p.masked(SctpDst, dv, dm)?;
                }
                _ if dl_type == ETH_TYPE_IP && proto == 1 => {
                    if sm != 0 {
                        p.exact(IcmpType, sv & 0xff)?;
                    }
                    if dm != 0 {
                        p.exact(IcmpCode, dv & 0xff)?;
                    }
                }
                _ if dl_type == ETH_TYPE_IPV6 && proto == 58 => {
                    if sm != 0 {
                        p.exact(Icmpv6Type, sv & 0xff)?;
                    }
                    if dm != 0 {
                        p.exact(Icmpv6Code, dv & 0xff)?;
                    }
                    if dv == 0 && matches!(sv, 135 | 136) {
                        if ix.mask(NdReserved) != 0 {
                            p.exact(NdReserved, ix.value(NdReserved))?;
                        }
                        p.slot(NdTarget, ix.get(NdTarget))?;
                        if ix.mask(TcpFlags) != 0 {
                            p.exact(NdOptionsType, ix.value(TcpFlags) & 0xff)?;
                        }
                        if sv == 135 {
                            p.slot(NdSll, ix.get(ArpSha))?;
                        }
                        if sv == 136 {
                            p.slot(NdTll, ix.get(ArpTha))?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The presence bits (as [`Match`]'s `present`) of a set of slots, for testing a group of
/// slots at once.
const fn slot_set(slots: &[Field]) -> [u64; PRESENT_WORDS] {
    let mut set = [0u64; PRESENT_WORDS];
    let mut i = 0;
    while i < slots.len() {
        let k = slots[i] as usize;
        set[k / 64] |= 1 << (k % 64);
        i += 1;
    }
    set
}

/// Slots [`Match::format_with_priority`] prints before `ct_state`, absent from most
/// matches.
const FORMAT_META: [u64; PRESENT_WORDS] = slot_set(&[
    Field::PktMark,
    Field::RecircId,
    Field::DpHash,
    Field::ConjId,
    Field::SkbPriority,
    Field::ActsetOutput,
]);

/// The connection tracking slots [`Match::format_with_priority`] prints after `ct_state`
/// (`ct_tp_src` and `ct_tp_dst` are printed only with `ct_nw_proto`).
const FORMAT_CT: [u64; PRESENT_WORDS] = slot_set(&[
    Field::CtZone,
    Field::CtMark,
    Field::CtLabel,
    Field::CtNwSrc,
    Field::CtIpv6Src,
    Field::CtNwDst,
    Field::CtIpv6Dst,
    Field::CtNwProto,
]);

/// The Ethernet slots [`Match::format_with_priority`] prints after `metadata`.
const FORMAT_L2: [u64; PRESENT_WORDS] =
    slot_set(&[Field::InPort, Field::VlanTci, Field::EthSrc, Field::EthDst]);

/// The IP and MPLS slots [`Match::format_with_priority`] prints after `nw_proto`, absent
/// from most matches.
const FORMAT_L3_MISC: [u64; PRESENT_WORDS] =
    slot_set(&[Field::NwTos, Field::NwTtl, Field::MplsLabel, Field::IpFrag]);

/// The slots the encoder looks at before `eth_type`, absent from most matches.
const ENCODE_BEFORE_ETH_TYPE: [u64; PRESENT_WORDS] = slot_set(&[
    Field::DpHash,
    Field::RecircId,
    Field::ConjId,
    Field::InPort,
    Field::ActsetOutput,
    Field::EthSrc,
    Field::EthDst,
]);

/// The IP slots the encoder looks at after the addresses, absent from most matches.
/// The slots [`Match::put_usual`] writes: the usual match (metadata, registers,
/// connection tracking state and mark, and Ethernet, IPv4 and L4 port fields).
const ENCODE_USUAL: [u64; PRESENT_WORDS] = slot_set(&[
    Field::PacketType,
    Field::Metadata,
    Field::PktMark,
    Field::CtState,
    Field::CtZone,
    Field::CtMark,
    Field::CtLabel,
    Field::Reg0,
    Field::Reg1,
    Field::Reg2,
    Field::Reg3,
    Field::Reg4,
    Field::Reg5,
    Field::Reg6,
    Field::Reg7,
    Field::Reg8,
    Field::Reg9,
    Field::Reg10,
    Field::Reg11,
    Field::Reg12,
    Field::Reg13,
    Field::Reg14,
    Field::Reg15,
    Field::EthType,
    Field::IpSrc,
    Field::IpDst,
    Field::NwProto,
    Field::TcpSrc,
    Field::TcpDst,
]);

const ENCODE_IP_MISC: [u64; PRESENT_WORDS] =
    slot_set(&[Field::IpFrag, Field::NwTos, Field::NwTtl, Field::Ipv6Label]);

/// What a slot needs of the rest of its match to be valid (Open vSwitch's
/// `mf_are_prereqs_ok`, as [`Match::check_prereqs`] tests it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Needs {
    /// Nothing: valid in every match.
    Nothing,
    /// Never valid in a flow (read-only metadata).
    ReadOnly,
    /// A valid tracked connection.
    CtValid,
    /// `ip` and a valid tracked connection.
    CtIpv4,
    /// `ipv6` and a valid tracked connection.
    CtIpv6,
    /// `ct_nw_proto` and a valid tracked connection.
    CtProto,
    /// An Ethernet packet type.
    Ethernet,
    /// `mpls` or `mplsm`.
    Mpls,
    /// `ip` or `arp`.
    Ipv4OrArp,
    /// `ipv6`.
    Ipv6,
    /// `ip`, `ipv6` or `arp`.
    IpOrArp,
    /// `ip` or `ipv6`.
    Ip,
    /// `arp`, or an ND solicitation (`nd_sll`).
    ArpSha,
    /// `arp`, or an ND advertisement (`nd_tll`).
    ArpTha,
    /// A transport protocol (or ICMP, with exact 8-bit type and code).
    L4,
    /// `tcp` (or ND, for `nd_options_type`).
    TcpFlags,
    /// Neighbour discovery.
    Nd,
    /// `dl_type=0x894f`.
    Nsh,
}

/// The prerequisite of storage slot `slot`.
const fn needs(slot: Field) -> Needs {
    use Field::*;
    match slot {
        SkbPriority | TunTtl | TunTos => Needs::ReadOnly,
        CtNwProto => Needs::CtValid,
        CtNwSrc | CtNwDst => Needs::CtIpv4,
        CtIpv6Src | CtIpv6Dst => Needs::CtIpv6,
        CtTpSrc | CtTpDst => Needs::CtProto,
        EthSrc | EthDst | EthType | VlanTci => Needs::Ethernet,
        MplsLabel => Needs::Mpls,
        IpSrc | IpDst => Needs::Ipv4OrArp,
        Ipv6Src | Ipv6Dst | Ipv6Label => Needs::Ipv6,
        NwProto => Needs::IpOrArp,
        NwTos | NwTtl | IpFrag => Needs::Ip,
        ArpSha => Needs::ArpSha,
        ArpTha => Needs::ArpTha,
        TcpSrc | TcpDst => Needs::L4,
        TcpFlags => Needs::TcpFlags,
        NdTarget | NdReserved => Needs::Nd,
        NshFlags | NshTtl | NshMdtype | NshNp | NshSpi | NshSi | NshC1 | NshC2 | NshC3 | NshC4 => {
            Needs::Nsh
        }
        _ => Needs::Nothing,
    }
}

/// [`needs`] by slot index.
static NEEDS: [Needs; crate::field::N_FIELDS] = {
    let mut t = [Needs::Nothing; crate::field::N_FIELDS];
    let mut i = 0;
    while i < crate::field::N_FIELDS {
        t[i] = needs(crate::field::ALL[i]);
        i += 1;
    }
    t
};

/// The slots [`Match::check_prereqs`] checks: those whose [`needs`] is not
/// [`Needs::Nothing`].
const PREREQ_CHECKED: [u64; PRESENT_WORDS] = {
    let mut set = [0u64; PRESENT_WORDS];
    let mut i = 0;
    while i < crate::field::N_FIELDS {
        if !matches!(needs(crate::field::ALL[i]), Needs::Nothing) {
            set[i / 64] |= 1 << (i % 64);
        }
        i += 1;
    }
    set
};

/// The slots whose prerequisites are about connection tracking (for which
/// [`Match::check_prereqs`] gathers the `ct_state` facts).
const CT_CHECKED: [u64; PRESENT_WORDS] = {
    let mut set = [0u64; PRESENT_WORDS];
    let mut i = 0;
    while i < crate::field::N_FIELDS {
        if matches!(
            needs(crate::field::ALL[i]),
            Needs::CtValid | Needs::CtIpv4 | Needs::CtIpv6 | Needs::CtProto
        ) {
            set[i / 64] |= 1 << (i % 64);
        }
        i += 1;
    }
    set
};

/// The slots [`Match::usual_prereqs_met`] knows about: Ethernet, IP and L4 ones.
const USUAL_CHECKED: [u64; PRESENT_WORDS] = slot_set(&[
    Field::EthSrc,
    Field::EthDst,
    Field::EthType,
    Field::VlanTci,
    Field::IpSrc,
    Field::IpDst,
    Field::Ipv6Src,
    Field::Ipv6Dst,
    Field::Ipv6Label,
    Field::NwProto,
    Field::NwTos,
    Field::NwTtl,
    Field::IpFrag,
    Field::TcpSrc,
    Field::TcpDst,
    Field::TcpFlags,
]);

/// The slots of [`USUAL_CHECKED`] that need IPv4 (or ARP).
const USUAL_IPV4: [u64; PRESENT_WORDS] = slot_set(&[Field::IpSrc, Field::IpDst]);

/// The slots of [`USUAL_CHECKED`] that need IPv6.
const USUAL_IPV6: [u64; PRESENT_WORDS] =
    slot_set(&[Field::Ipv6Src, Field::Ipv6Dst, Field::Ipv6Label]);

/// The L4 port slots (which need TCP, UDP or SCTP and no later fragment, or ICMP).
const USUAL_L4: [u64; PRESENT_WORDS] = slot_set(&[Field::TcpSrc, Field::TcpDst]);

/// `tcp_flags` (which needs TCP and no later fragment, or ND).
const USUAL_TCP_FLAGS: [u64; PRESENT_WORDS] = slot_set(&[Field::TcpFlags]);

/// The slots whose values the prerequisites depend on, as indexes into the arrays
/// [`Match::check_prereqs`] gathers them in (0 is for every other slot).
#[derive(Clone, Copy)]
enum Fact {
    PacketType = 1,
    EthType,
    NwProto,
    IpFrag,
    CtState,
    CtNwProto,
    TcpSrc,
    TcpDst,
    TcpFlags,
}

/// The number of [`Fact`] indexes, the sink included (the size of the arrays they index,
/// which a `Fact` always fits).
const FACTS: usize = Fact::TcpFlags as usize + 1;

/// [`Fact`] by slot index (0: none).
static FACT: [u8; crate::field::N_FIELDS] = {
    let mut t = [0u8; crate::field::N_FIELDS];
    t[Field::PacketType as usize] = Fact::PacketType as u8;
    t[Field::EthType as usize] = Fact::EthType as u8;
    t[Field::NwProto as usize] = Fact::NwProto as u8;
    t[Field::IpFrag as usize] = Fact::IpFrag as u8;
    t[Field::CtState as usize] = Fact::CtState as u8;
    t[Field::CtNwProto as usize] = Fact::CtNwProto as u8;
    t[Field::TcpSrc as usize] = Fact::TcpSrc as u8;
    t[Field::TcpDst as usize] = Fact::TcpDst as u8;
    t[Field::TcpFlags as usize] = Fact::TcpFlags as u8;
    t
};

/// A match's protocol facts, which its slots' prerequisites are tested against (absent
/// slots count as zeros; every value here is at most 32 bits wide).
struct PrereqFacts {
    /// `packet_type`.
    pt: u64,
    /// `eth_type` as matched.
    eth_type: u64,
    /// The Ethernet type (`dl_type`: from `packet_type` when that names one).
    dl: u64,
    /// `nw_proto`.
    proto: u64,
    /// Whether this is IPv4 or IPv6.
    ip: bool,
    /// Whether this is ARP or RARP.
    arp: bool,
    /// Whether this is ICMP or ICMPv6.
    icmp: bool,
    /// Whether `ct_state` matches a valid tracked connection (`is_ct_valid`).
    ct_valid: bool,
    /// `ct_nw_proto`.
    ct_proto: u64,
    /// Whether this is neighbour discovery (`is_nd`).
    nd: bool,
    /// Whether `nw_frag` matches later fragments.
    later: bool,
    /// Value and mask of `tcp_src`, `tcp_dst` and `tcp_flags`, which are checked on their
    /// own values.
    tp_src: (u64, u64),
    tp_dst: (u64, u64),
    tcp_flags: (u64, u64),
}

impl PrereqFacts {
    /// Whether a present `slot`, which [`needs`] `needs`, is valid; else what it needs.
    fn check(&self, slot: Field, needs: Needs) -> std::result::Result<(), &'static str> {
        let (dl, ip, arp) = (u128::from(self.dl), self.ip, self.arp);
        let exact_8 = |(v, m): (u64, u64)| m == 0xffff && v <= 0xff;
        let first_fragment = || {
            ok_if(
                !self.later,
                "a first fragment or unfragmented packet (not nw_frag=later)",
            )
        };
        match needs {
            Needs::Nothing => Ok(()),
            Needs::ReadOnly => Err("no OpenFlow encoding (read-only metadata)"),
            Needs::CtValid => ok_if(
                self.ct_valid,
                "ct_state matching a valid tracked connection",
            ),
            Needs::CtIpv4 => ok_if(
                self.ct_valid && u128::from(self.eth_type) == ETH_TYPE_IP,
                "ip and ct_state matching a valid tracked connection",
            ),
            Needs::CtIpv6 => ok_if(
                self.ct_valid && u128::from(self.eth_type) == ETH_TYPE_IPV6,
                "ipv6 and ct_state matching a valid tracked connection",
            ),
            Needs::CtProto => ok_if(
                self.ct_valid && self.ct_proto != 0,
                "ct_nw_proto and ct_state matching a valid tracked connection",
            ),
            Needs::Ethernet => ok_if(self.pt == 0, "an Ethernet packet_type"),
            Needs::Mpls => ok_if(
                matches!(dl, ETH_TYPE_MPLS | ETH_TYPE_MPLS_MCAST),
                "mpls or mplsm",
            ),
            Needs::Ipv4OrArp => ok_if(dl == ETH_TYPE_IP || arp, "ip or arp"),
            Needs::Ipv6 => ok_if(dl == ETH_TYPE_IPV6, "ipv6"),
            Needs::IpOrArp => ok_if(ip || arp, "ip, ipv6 or arp"),
            Needs::Ip => ok_if(ip, "ip or ipv6"),
            Needs::ArpSha => ok_if(
                arp || (self.nd && self.tp_src.0 == 135),
                "arp, or icmp6 with icmp_type=135,icmp_code=0 (nd_sll)",
            ),
            Needs::ArpTha => ok_if(
                arp || (self.nd && self.tp_src.0 == 136),
                "arp, or icmp6 with icmp_type=136,icmp_code=0 (nd_tll)",
            ),
            Needs::L4 => {
                if ip && matches!(self.proto, 6 | 17 | 132) {
                    first_fragment()
                } else if self.icmp {
                    let own = if slot == Field::TcpSrc {
                        self.tp_src
                    } else {
                        self.tp_dst
                    };
                    ok_if(exact_8(own), "an exact 8-bit value for ICMP type and code")
                } else {
                    Err("tcp, udp, sctp, icmp or their IPv6 forms")
                }
            }
            Needs::TcpFlags => {
                if ip && self.proto == 6 {
                    first_fragment()
                } else if self.nd {
                    ok_if(exact_8(self.tcp_flags), "an exact 8-bit nd_options_type")
                } else {
                    Err("tcp or tcp6")
                }
            }
            Needs::Nd => ok_if(self.nd, "icmp6 with icmp_type=135 or 136 and icmp_code=0"),
            Needs::Nsh => ok_if(dl == ETH_TYPE_NSH, "dl_type=0x894f"),
        }
    }
}

/// A match's slots by index, for the encoder, which looks at some 40 slots (most of them
/// absent) in Open vSwitch's order rather than the entries' order.
struct SlotIndex<'a> {
    m: &'a Match,
    /// For each slot, its index in `m.entries` plus one, or 0 when absent.
    at: &'a [u8; PRESENT_WORDS * 64],
}

impl<'a> SlotIndex<'a> {
    /// The index of `m`, in `at` (the caller's, so that it is filled in place).
    #[inline]
    fn new(m: &'a Match, at: &'a mut [u8; PRESENT_WORDS * 64]) -> SlotIndex<'a> {
        for (k, e) in m.entries.iter().enumerate() {
            if let Some(x) = at.get_mut(e.slot as usize) {
                // A match has fewer than 255 entries (there are fewer slots).
                *x = (k + 1) as u8;
            }
        }
        SlotIndex { m, at }
    }

    /// The value and mask of `slot` (zeros when absent).
    #[inline]
    fn get(&self, slot: Field) -> (u128, u128) {
        match self.at.get(slot as usize) {
            Some(&k) if k != 0 => match self.m.entries.get(usize::from(k) - 1) {
                Some(e) => (e.value, e.mask),
                None => (0, 0),
            },
            _ => (0, 0),
        }
    }

    #[inline]
    fn value(&self, slot: Field) -> u128 {
        self.get(slot).0
    }

    #[inline]
    fn mask(&self, slot: Field) -> u128 {
        self.get(slot).1
    }

    #[inline]
    fn any_in(&self, lo: Field, hi: Field) -> bool {
        self.m.any_in(lo, hi)
    }

    /// [`Match::dl_type`].
    #[inline]
    fn dl_type(&self) -> u128 {
        let (pt, ptm) = self.get(Field::PacketType);
        if ptm == 0xffff_ffff && pt >> 16 == 1 {
            return pt & 0xffff;
        }
        self.value(Field::EthType)
    }
}

/// An encoder writing fields the way Open vSwitch's `nxm_put*` helpers do.
struct Put<'a> {
    w: &'a mut Writer,
    oxm: Option<Version>,
    implied_ethernet: bool,
}

impl Put<'_> {
    /// Writes an entry of `field`, `mask` being `None` for an exact match: Open vSwitch's
    /// `nxm_put__`. The one out-of-line entry writer of the encoder (with the header
    /// lookup and the fixed-width write inlined), so that each entry costs one call.
    #[inline(always)]
    fn entry(&mut self, field: Field, value: u128, mask: Option<u128>) -> Result<()> {
        let info = field.info();
        if info.prereq != Prereq::None {
            self.implied_ethernet = true;
        }
        let n = usize::from(info.bytes).min(16);
        field.put_entry_inline(self.w, self.oxm, n, value, mask)
    }

    /// `nxm_put_*m`: nothing for a zero mask, no mask for all ones.
    #[inline(always)]
    fn masked(&mut self, field: Field, value: u128, mask: u128) -> Result<()> {
        if mask == 0 {
            return Ok(());
        }
        let full = ones(value_bytes(field));
        let mask = mask & full;
        if mask == 0 {
            return Ok(());
        }
        self.entry(field, value & mask, (mask != full).then_some(mask))
    }

    /// [`Put::masked`] of an `xreg<N>` (64 bits, maskable, no prerequisite), with its
    /// width known here rather than looked up for a field only known at run time.
    #[inline(always)]
    fn xreg(&mut self, field: Field, value: u128, mask: u128) -> Result<()> {
        const FULL: u128 = u64::MAX as u128;
        debug_assert!(value_bytes(field) == 8 && field.info().prereq == Prereq::None);
        let mask = mask & FULL;
        if mask == 0 {
            return Ok(());
        }
        field.put_entry_inline(
            self.w,
            self.oxm,
            8,
            value & mask,
            (mask != FULL).then_some(mask),
        )
    }

    /// [`Put::masked`] of a `(value, mask)` pair.
    #[inline(always)]
    fn slot(&mut self, field: Field, (value, mask): (u128, u128)) -> Result<()> {
        self.masked(field, value, mask)
    }

    /// `nxm_put_*`: always exact.
    #[inline(always)]
    fn exact(&mut self, field: Field, value: u128) -> Result<()> {
        self.entry(field, value & ones(value_bytes(field)), None)
    }
}

/// C's `%#x`: `0x` and hex digits, but a bare `0` for zero.
struct Hx(u128);

impl std::fmt::Display for Hx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == 0 {
            f.write_str("0")
        } else {
            write!(f, "{:#x}", self.0)
        }
    }
}

#[cold]
#[inline(never)]
fn short_payload(r: &Reader<'_>, at: usize, field: Field, payload: usize) -> Error {
    r.error_at(
        at,
        format_args!(
            "{}: {payload}-byte payload but only {} bytes follow (OFPBMC_BAD_LEN)",
            field.name(),
            r.remaining()
        ),
    )
}

#[cold]
#[inline(never)]
fn bad_wildcards(r: &Reader<'_>, at: usize, field: Field) -> Error {
    r.error_at(
        at,
        format_args!(
            "{}: value has 1-bits where the mask has 0-bits (OFPBMC_BAD_WILDCARDS)",
            field.name()
        ),
    )
}

/// The common match field at `pos` of the field list `list`: a registered field with a
/// 32-bit header and its exact width (twice with a mask), at most 16 bytes, all there, no
/// value bits outside the mask. Its field, value, mask and the position after it; `None`
/// for anything else, which [`decode_field`] reads (or rejects).
#[inline]
fn quick_field(list: &[u8], pos: usize) -> Option<(Field, u128, u128, usize)> {
    let h = list.get(pos..pos + 4)?;
    let raw = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
    let field = crate::field::field_of_raw_header(raw)?;
    let n = field.bytes();
    let payload = usize::from(raw as u8);
    if field.is_tun_metadata() || payload != n << ((raw >> 8) & 1) {
        return None;
    }
    let body = list.get(pos + 4..pos + 4 + payload)?;
    let value = be_small(body.get(..n)?);
    let mask = if payload > n {
        be_small(body.get(n..)?)
    } else {
        ones(n)
    };
    if value & !mask != 0 {
        return None;
    }
    Some((field, value, mask, pos + 4 + payload))
}

/// Reads one match field from `r` (at offset `at`): what [`quick_field`] reads, with the
/// errors it leaves to this (a payload cut short, value bits outside the mask), and every
/// other field the general way ([`decode_field_slow`]).
#[cold]
#[inline(never)]
fn decode_field(r: &mut Reader<'_>, at: usize) -> Result<(Field, u128, u128)> {
    let raw = r.peek_u32(0)?;
    let fast = crate::field::field_of_raw_header(raw).filter(|f| {
        !f.is_tun_metadata() && usize::from(raw as u8) == f.bytes() << ((raw >> 8) & 1)
    });
    let Some(field) = fast else {
        return decode_field_slow(r, at);
    };
    let hasmask = raw & 0x100 != 0;
    let n = field.bytes();
    let payload = usize::from(raw as u8);
    r.skip(4)?;
    let body = match r.bytes(payload) {
        Ok(b) => b,
        Err(_) => return Err(short_payload(r, at, field, payload)),
    };
    let value = be_small(&body[..n]);
    if hasmask {
        let mask = be_small(&body[n..]);
        if value & !mask != 0 {
            return Err(bad_wildcards(r, at, field));
        }
        Ok((field, value, mask))
    } else {
        Ok((field, value, ones(n)))
    }
}

/// Reads one match field the general way (experimenter headers, `tun_metadata`, and the
/// errors of unknown or mis-sized headers): its field, value and mask.
#[cold]
#[inline(never)]
fn decode_field_slow(r: &mut Reader<'_>, at: usize) -> Result<(Field, u128, u128)> {
    let h = OxmHeader::decode(r)?;
    let Some(field) = crate::field::subfield::header_field(&h) else {
        return Err(r.error_at(
            at,
            format_args!(
                "unknown field {} (OFPBMC_BAD_FIELD)",
                crate::field::subfield::HeaderName(&h)
            ),
        ));
    };
    let name = field.name();
    let payload = h.payload_len();
    if h.hasmask && payload % 2 != 0 {
        return Err(r.error_at(
            at,
            format_args!("{name}: odd masked payload length {payload} (OFPBMC_BAD_LEN)"),
        ));
    }
    let body = r
        .bytes(payload)
        .map_err(|_| short_payload(r, at, field, payload))?;
    let vlen = h.value_len();
    let (vb, mb) = body.split_at(vlen);
    let value = wide_value(vb)
        .ok_or_else(|| r.error_at(at, format_args!("{name}: value wider than 16 bytes")))?;
    let mask = if h.hasmask {
        let mask = wide_value(mb)
            .ok_or_else(|| r.error_at(at, format_args!("{name}: mask wider than 16 bytes")))?;
        if value & !mask != 0 {
            return Err(bad_wildcards(r, at, field));
        }
        mask
    } else {
        ones(value_bytes(field))
    };
    Ok((field, value, mask))
}

/// The error for a decoded match whose `field` lacks its prerequisites: at the first of
/// the first 32 fields of `all` (the whole field list) stored in the same slot, else at the
/// list's start.
#[cold]
#[inline(never)]
fn prereq_error(all: Reader<'_>, field: Field, needs: &str) -> Error {
    let slot = slot_of(field);
    let start = all.offset();
    let mut r = all.clone();
    let mut at = start;
    for _ in 0..32 {
        let here = r.offset();
        let Ok(h) = OxmHeader::decode(&mut r) else {
            break;
        };
        let Some(f) = crate::field::subfield::header_field(&h) else {
            break;
        };
        if slot_of(f) == slot {
            at = here;
            break;
        }
        if r.skip(h.payload_len()).is_err() {
            break;
        }
    }
    all.error_at(
        at,
        format_args!("{}: requires {needs} (OFPBMC_BAD_PREREQ)", field.name()),
    )
}

fn reg_slot(i: usize) -> Field {
    Field::reg(i as u8).unwrap_or(Field::Reg0)
}

fn reg_index(f: Field) -> Option<usize> {
    (Field::Reg0..=Field::Reg15)
        .contains(&f)
        .then(|| f as usize - Field::Reg0 as usize)
}

fn ok_if(cond: bool, needs: &'static str) -> std::result::Result<(), &'static str> {
    if cond { Ok(()) } else { Err(needs) }
}

/// The bytes a `tun_metadata` value takes on the wire (Open vSwitch's `mf_field_len`:
/// the longer of value and mask without leading zero bytes).
fn tun_md_len(value: u128, mask: u128) -> usize {
    let sig = |x: u128| 16 - (x.leading_zeros() / 8) as usize;
    sig(value).max(if mask == u128::MAX { 0 } else { sig(mask) })
}

fn wide_value(b: &[u8]) -> Option<u128> {
    let skip = b.len().saturating_sub(16);
    if b[..skip].iter().any(|x| *x != 0) {
        return None;
    }
    be_to_u128(&b[skip..])
}

/// Open vSwitch's `mf_is_value_valid`: whether a wire value makes sense for `field`.
fn value_is_valid(field: Field, v: u128) -> bool {
    use Field::*;
    match field {
        InPortOxm | ActsetOutput => port_from_ofp11(v as u32).is_some(),
        NwTos => v & !IP_DSCP_MASK == 0,
        IpDscp => v & !(IP_DSCP_MASK >> 2) == 0,
        NwEcn => v & !IP_ECN_MASK == 0,
        IpFrag => v & !3 == 0,
        TcpFlags => v & !0x0fff == 0,
        ArpOp => v & 0xff00 == 0,
        DlVlan => v & 0xf000 == 0,
        VlanVid => v & VLAN_PCP_MASK == 0,
        DlVlanPcp | VlanPcp => v & !7 == 0,
        Ipv6Label | MplsLabel => v & !0xfffff == 0,
        MplsTc => v & !7 == 0,
        MplsBos => v & !1 == 0,
        TunFlags => v & !1 == 0,
        CtState => v & !0xff == 0,
        NshTtl => v <= 63,
        NshMdtype => v == 1 || v == 2,
        NshSpi => v & 0xff00_0000 == 0,
        _ => true,
    }
}

/// The protocol shorthands: name, Ethernet type and IP protocol (0 for none).
const PROTOCOLS: [(&str, u16, u8); 17] = [
    ("ip", ETH_TYPE_IP as u16, 0),
    ("ip4", ETH_TYPE_IP as u16, 0),
    ("ipv4", ETH_TYPE_IP as u16, 0),
    ("arp", ETH_TYPE_ARP as u16, 0),
    ("icmp", ETH_TYPE_IP as u16, 1),
    ("tcp", ETH_TYPE_IP as u16, 6),
    ("udp", ETH_TYPE_IP as u16, 17),
    ("sctp", ETH_TYPE_IP as u16, 132),
    ("ipv6", ETH_TYPE_IPV6 as u16, 0),
    ("ip6", ETH_TYPE_IPV6 as u16, 0),
    ("icmp6", ETH_TYPE_IPV6 as u16, 58),
    ("tcp6", ETH_TYPE_IPV6 as u16, 6),
    ("udp6", ETH_TYPE_IPV6 as u16, 17),
    ("sctp6", ETH_TYPE_IPV6 as u16, 132),
    ("rarp", ETH_TYPE_RARP as u16, 0),
    ("mpls", ETH_TYPE_MPLS as u16, 0),
    ("mplsm", ETH_TYPE_MPLS_MCAST as u16, 0),
];

/// The names of [`PROTOCOLS`], in its order (for [`crate::field::KeyTable`]: a key that
/// is name `k` of this list is protocol `k` of [`Match::set_protocol`]).
pub(crate) const PROTOCOL_NAMES: [&str; PROTOCOLS.len()] = {
    let mut t = [""; PROTOCOLS.len()];
    let mut i = 0;
    while i < t.len() {
        t[i] = PROTOCOLS[i].0;
        i += 1;
    }
    t
};

/// A protocol shorthand's index in [`PROTOCOLS`] (told apart by length first: most keys
/// are field names, longer than any shorthand).
#[inline]
fn protocol(name: &str) -> Option<usize> {
    if name.len() > 5 {
        return None;
    }
    Some(match (name.len(), name) {
        (2, "ip") => 0,
        (3, "ip4") => 1,
        (4, "ipv4") => 2,
        (3, "arp") => 3,
        (4, "icmp") => 4,
        (3, "tcp") => 5,
        (3, "udp") => 6,
        (4, "sctp") => 7,
        (4, "ipv6") => 8,
        (3, "ip6") => 9,
        (5, "icmp6") => 10,
        (4, "tcp6") => 11,
        (4, "udp6") => 12,
        (5, "sctp6") => 13,
        (4, "rarp") => 14,
        (4, "mpls") => 15,
        (5, "mplsm") => 16,
        _ => return None,
    })
}

/// `reg<N>=` for each register.
const REG_KEYS: [&str; 16] = [
    "reg0=", "reg1=", "reg2=", "reg3=", "reg4=", "reg5=", "reg6=", "reg7=", "reg8=", "reg9=",
    "reg10=", "reg11=", "reg12=", "reg13=", "reg14=", "reg15=",
];

/// `key` (which ends in `=`), `v` in decimal, and a comma.
fn put_dec(out: &mut String, key: &str, v: u128) {
    out.push_str(key);
    numfmt::dec128(out, v);
    out.push(',');
}

/// Appends the slot `(v, m)` as `name=...,` when it is present (a nonzero mask): the test
/// is inlined into the caller, the printing is [`put_u32_hex_present`].
#[inline(always)]
fn put_u32_hex(out: &mut String, name: &str, (v, m): (u128, u128)) {
    if m != 0 {
        put_u32_hex_present(out, name, v, m);
    }
}

fn put_u32_hex_present(out: &mut String, name: &str, v: u128, m: u128) {
    out.push_str(name);
    out.push('=');
    put_hex32(out, v, m);
}

fn put_hex32(out: &mut String, v: u128, m: u128) {
    numfmt::hash_x(out, v);
    if m != 0xffff_ffff {
        out.push('/');
        numfmt::hash_x(out, m);
    }
    out.push(',');
}

/// Appends the slot `(v, m)` as `name=...,` when it is present (a nonzero mask): the test
/// is inlined into the caller, the printing is [`put_u16_dec_present`].
#[inline(always)]
fn put_u16_dec(out: &mut String, name: &str, (v, m): (u128, u128)) {
    if m != 0 {
        put_u16_dec_present(out, name, v, m);
    }
}

fn put_u16_dec_present(out: &mut String, name: &str, v: u128, m: u128) {
    out.push_str(name);
    out.push('=');
    if m == 0xffff {
        numfmt::dec128(out, v);
    } else {
        numfmt::hex_0x(out, v);
        out.push('/');
        numfmt::hex_0x(out, m);
    }
    out.push(',');
}

fn put_u32_dec(out: &mut String, name: &str, (v, m): (u128, u128)) {
    if m != 0 {
        if m == 0xffff_ffff {
            let _ = write!(out, "{name}={v},");
        } else {
            let _ = write!(out, "{name}={v:#010x}/{m:#010x},");
        }
    }
}

fn put_u8_masked(out: &mut String, name: &str, (v, m): (u128, u128)) {
    if m != 0 {
        if m == 0xff {
            let _ = write!(out, "{name}={v},");
        } else {
            let _ = write!(out, "{name}={v:#04x}/{m:#04x},");
        }
    }
}

/// Appends the slot `(v, m)` as `name=...,` when it is present (a nonzero mask): the test
/// is inlined into the caller, the printing is [`put_ipv4_present`].
#[inline(always)]
fn put_ipv4(out: &mut String, name: &str, (v, m): (u128, u128)) {
    if m != 0 {
        put_ipv4_present(out, name, v, m);
    }
}

fn put_ipv4_present(out: &mut String, name: &str, v: u128, m: u128) {
    out.push_str(name);
    out.push('=');
    format_ipv4_masked(v as u32, m as u32, out);
    out.push(',');
}

/// Appends the slot `(v, m)` as `name=...,` when it is present (a nonzero mask): the test
/// is inlined into the caller, the printing is [`put_ipv6_present`].
#[inline(always)]
fn put_ipv6(out: &mut String, name: &str, (v, m): (u128, u128)) {
    if m != 0 {
        put_ipv6_present(out, name, v, m);
    }
}

fn put_ipv6_present(out: &mut String, name: &str, v: u128, m: u128) {
    out.push_str(name);
    out.push('=');
    format_ipv6_masked(v, m, out);
    out.push(',');
}

/// Appends the slot `(v, m)` as `name=...,` when it is present (a nonzero mask): the test
/// is inlined into the caller, the printing is [`put_eth_present`].
#[inline(always)]
fn put_eth(out: &mut String, name: &str, (v, m): (u128, u128)) {
    if m != 0 {
        put_eth_present(out, name, v, m);
    }
}

fn put_eth_present(out: &mut String, name: &str, v: u128, m: u128) {
    out.push_str(name);
    out.push('=');
    format_eth(v as u64, out);
    if m != ones(6) {
        out.push('/');
        format_eth(m as u64, out);
    }
    out.push(',');
}

impl std::fmt::Display for Match {
    /// As ovs-ofctl prints a match ([`Match::format`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl std::str::FromStr for Match {
    type Err = Error;

    /// [`Match::parse`].
    fn from_str(s: &str) -> Result<Match> {
        Match::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `protocol`'s indexes are those of `PROTOCOLS` (written apart: they must agree).
    #[test]
    fn protocol_names_index_the_protocol_table() {
        for (k, &(name, _, _)) in PROTOCOLS.iter().enumerate() {
            assert_eq!(protocol(name), Some(k), "{name}");
        }
        assert_eq!(protocol("ipx"), None);
    }

    /// [`Match::parse_field_at`] does what [`Match::parse_token`] does, for every field,
    /// on usual and unusual values followed by anything: where it takes a value, the value
    /// ends where the tokenizer ends it and the match is the one `parse_token` makes of
    /// it; where it does not, the match is untouched.
    #[test]
    fn one_pass_fields_are_parse_token() {
        let values = [
            "0x1",
            "1",
            "0",
            "80",
            "65535",
            "65536",
            "0xffffffff",
            "0x1ffffffff",
            "0x1/0x1",
            "0xdeb/0xffff",
            "5/0",
            "0/0",
            "0x0",
            "007",
            "0x",
            "18446744073709551615",
            "0x00000000000000000001",
            "0x11223344556677889900aabbccddeeff",
            "0x1/0xff00",
            "10.0.0.1",
            "10.0.0.0/24",
            "10.0.0.0/0",
            "10.0.0.0/33",
            "1.2.3.4/255.255.0.0",
            "1.2.3",
            "256.0.0.1",
            "+new-est+trk",
            "-new+est-rpl+trk",
            "+trk",
            "+new+new",
            "+snat-dnat",
            "+inv+rel",
            "trk",
            "+tr",
            "0x20/0x20",
            "*",
            "",
            "-1",
            "1e2",
            "00:11:22:33:44:55",
            "::1",
            "LOCAL",
            "no",
        ];
        let tails = [
            "", ",", ", x=1", " y", "\t", "(a,b)", "=", "/", "+", "5", ".",
        ];
        let mut base = Match::new();
        base.set(Field::Reg3, 7).unwrap();
        base.set(Field::TcpDst, 80).unwrap();
        base.set(Field::Metadata, 5).unwrap();
        for f in crate::field::ALL {
            let mut names = vec![f.name()];
            names.extend(f.info().alias);
            for name in names {
                for (k, v) in values.iter().enumerate() {
                    for tail in [tails[k % tails.len()], ""] {
                        let line = format!("{name}={v}{tail}");
                        let b = line.as_bytes();
                        let start = name.len() + 1;
                        let end = crate::text::value_end(b, start, b'=');
                        let mut fast = base.clone();
                        match fast.parse_field_at(f, b, start) {
                            Some(at) => {
                                assert_eq!(at, end, "{line:?}");
                                let mut general = base.clone();
                                general
                                    .parse_token(name, Some(&line[start..end]), 1)
                                    .unwrap_or_else(|e| panic!("{line:?}: {e}"));
                                assert_eq!(fast, general, "{line:?}");
                            }
                            None => assert_eq!(fast, base, "{line:?}"),
                        }
                    }
                }
            }
        }
    }

    /// The prerequisite check the table-driven one replaces: every entry in order, each
    /// tested by its slot.
    fn check_prereqs_ref(m: &Match) -> std::result::Result<(), (Field, &'static str)> {
        use Field::*;
        let get = |f: Field| m.slot(f);
        let (pt, ptm) = get(PacketType);
        let (eth_type, proto, frag) = (get(EthType).0, get(NwProto).0, get(IpFrag).0);
        let (cs, csm) = get(CtState);
        let (ct_proto, tp_src, tp_dst) = (get(CtNwProto).0, get(TcpSrc).0, get(TcpDst).0);
        let dl = if ptm == 0xffff_ffff && pt >> 16 == 1 {
            pt & 0xffff
        } else {
            eth_type
        };
        let ct_valid = cs & (CS_NEW | CS_EST | CS_REL | CS_RPL | CS_SNAT | CS_DNAT) != 0
            || (cs & CS_TRK != 0 && csm & CS_INV != 0 && cs & CS_INV == 0);
        let ip = matches!(dl, ETH_TYPE_IP | ETH_TYPE_IPV6);
        let arp = matches!(dl, ETH_TYPE_ARP | ETH_TYPE_RARP);
        let icmp = (dl == ETH_TYPE_IP && proto == 1) || (dl == ETH_TYPE_IPV6 && proto == 58);
        let nd = dl == ETH_TYPE_IPV6 && proto == 58 && tp_dst == 0 && matches!(tp_src, 135 | 136);
        let later = frag & 2 != 0;
        let ff = "a first fragment or unfragmented packet (not nw_frag=later)";
        for (slot, value, mask) in m.iter() {
            let ok = match slot {
                SkbPriority | TunTtl | TunTos => Err("no OpenFlow encoding (read-only metadata)"),
                CtNwProto => ok_if(ct_valid, "ct_state matching a valid tracked connection"),
                CtNwSrc | CtNwDst => ok_if(
                    ct_valid && eth_type == ETH_TYPE_IP,
                    "ip and ct_state matching a valid tracked connection",
                ),
                CtIpv6Src | CtIpv6Dst => ok_if(
                    ct_valid && eth_type == ETH_TYPE_IPV6,
                    "ipv6 and ct_state matching a valid tracked connection",
                ),
                CtTpSrc | CtTpDst => ok_if(
                    ct_valid && ct_proto != 0,
                    "ct_nw_proto and ct_state matching a valid tracked connection",
                ),
                EthSrc | EthDst | EthType | VlanTci => ok_if(pt == 0, "an Ethernet packet_type"),
                MplsLabel => ok_if(
                    matches!(dl, ETH_TYPE_MPLS | ETH_TYPE_MPLS_MCAST),
                    "mpls or mplsm",
                ),
                IpSrc | IpDst => ok_if(dl == ETH_TYPE_IP || arp, "ip or arp"),
                Ipv6Src | Ipv6Dst | Ipv6Label => ok_if(dl == ETH_TYPE_IPV6, "ipv6"),
                NwProto => ok_if(ip || arp, "ip, ipv6 or arp"),
                NwTos | NwTtl | IpFrag => ok_if(ip, "ip or ipv6"),
                ArpSha => ok_if(
                    arp || (nd && tp_src == 135),
                    "arp, or icmp6 with icmp_type=135,icmp_code=0 (nd_sll)",
                ),
                ArpTha => ok_if(
                    arp || (nd && tp_src == 136),
                    "arp, or icmp6 with icmp_type=136,icmp_code=0 (nd_tll)",
                ),
                TcpSrc | TcpDst if ip && matches!(proto, 6 | 17 | 132) => ok_if(!later, ff),
                TcpSrc | TcpDst if icmp => ok_if(
                    mask == 0xffff && value <= 0xff,
                    "an exact 8-bit value for ICMP type and code",
                ),
                TcpSrc | TcpDst => Err("tcp, udp, sctp, icmp or their IPv6 forms"),
                TcpFlags if ip && proto == 6 => ok_if(!later, ff),
                TcpFlags if nd => ok_if(
                    mask == 0xffff && value <= 0xff,
                    "an exact 8-bit nd_options_type",
                ),
                TcpFlags => Err("tcp or tcp6"),
                NdTarget | NdReserved => {
                    ok_if(nd, "icmp6 with icmp_type=135 or 136 and icmp_code=0")
                }
                NshFlags | NshTtl | NshMdtype | NshNp | NshSpi | NshSi | NshC1 | NshC2 | NshC3
                | NshC4 => ok_if(dl == ETH_TYPE_NSH, "dl_type=0x894f"),
                _ => Ok(()),
            };
            if let Err(needs) = ok {
                return Err((m.display_field(slot), needs));
            }
        }
        Ok(())
    }

    #[test]
    fn prereqs_are_checked_as_per_entry() {
        use Field::*;
        // Fields with and without prerequisites, and values that make the facts vary.
        let choices: &[(Field, &[(u128, u128)])] = &[
            (
                PacketType,
                &[
                    (0, 0xffff_ffff),
                    (0x1_0800, 0xffff_ffff),
                    (0x1_86dd, 0xffff_ffff),
                    (0x1_0000, 0xffff_0000),
                ],
            ),
            (
                EthType,
                &[
                    (0x800, 0xffff),
                    (0x86dd, 0xffff),
                    (0x806, 0xffff),
                    (0x8035, 0xffff),
                    (0x8847, 0xffff),
                    (0x894f, 0xffff),
                    (0x1234, 0xffff),
                ],
            ),
            (
                NwProto,
                &[
                    (6, 0xff),
                    (17, 0xff),
                    (132, 0xff),
                    (1, 0xff),
                    (58, 0xff),
                    (2, 0xff),
                ],
            ),
            (IpFrag, &[(1, 3), (3, 3), (2, 2)]),
            (
                CtState,
                &[
                    (0x20, 0x20),
                    (0x22, 0x22),
                    (0x20, 0x30),
                    (0x10, 0x10),
                    (0x80, 0xff),
                ],
            ),
            (CtNwProto, &[(6, 0xff)]),
            (CtNwSrc, &[(1, 0xffff_ffff)]),
            (CtIpv6Dst, &[(1, u128::MAX)]),
            (CtTpSrc, &[(80, 0xffff)]),
            (
                TcpSrc,
                &[
                    (135, 0xffff),
                    (136, 0xffff),
                    (80, 0xffff),
                    (0x100, 0xffff),
                    (5, 0xff),
                ],
            ),
            (TcpDst, &[(0, 0xffff), (80, 0xfff0), (3, 0xffff)]),
            (TcpFlags, &[(2, 0xffff), (0x300, 0xffff), (1, 0xfff)]),
            (IpDst, &[(1, 0xffff_ffff)]),
            (Ipv6Src, &[(1, u128::MAX)]),
            (NwTtl, &[(5, 0xff)]),
            (ArpSha, &[(1, 0xffff_ffff_ffff)]),
            (ArpTha, &[(1, 0xffff_ffff_ffff)]),
            (NdTarget, &[(1, u128::MAX)]),
            (MplsLabel, &[(0x1000, 0xffff_f000)]),
            (NshSpi, &[(1, 0xff_ffff)]),
            (SkbPriority, &[(1, 0xffff_ffff)]),
            (EthSrc, &[(1, 0xffff_ffff_ffff)]),
            (VlanTci, &[(0x1005, 0x1fff)]),
            (Metadata, &[(1, u64::MAX as u128)]),
            (Reg3, &[(1, 0xffff_ffff)]),
        ];
        let mut next = crate::text::picker(0x1234_5678_9abc_def1);
        let (mut ok, mut bad) = (0, 0);
        for _ in 0..20000 {
            let mut m = Match::new();
            for _ in 0..1 + next(6) {
                let (f, values) = choices[next(choices.len())];
                let (v, mask) = values[next(values.len())];
                m.put_slot(f, v, mask);
            }
            let got = m.check_prereqs();
            assert_eq!(got, check_prereqs_ref(&m), "{m:?}");
            if got.is_ok() {
                ok += 1;
            } else {
                bad += 1;
            }
        }
        assert!(ok > 1000 && bad > 1000, "{ok} {bad}");
    }

    /// [`Match::put_usual`], where it takes a match, writes what [`Match::put_general`]
    /// writes (and tells the same default `packet_type`), for every version, on random
    /// matches of its slots and of a few others, with usual and unusual values and masks
    /// (partial masks, zero masks, other `eth_type`s and protocols).
    #[test]
    fn the_usual_encoding_agrees_with_the_general_one() {
        use Field::*;
        let choices: &[(Field, &[(u128, u128)])] = &[
            (
                PacketType,
                &[(0, 0xffff_ffff), (0x1_0800, 0xffff_ffff), (0, 0xffff)],
            ),
            (Metadata, &[(1, u64::MAX as u128), (0x10, 0xf0), (0, 0)]),
            (PktMark, &[(7, 0xffff_ffff), (1, 1)]),
            (CtState, &[(0x21, 0x23), (0x20, 0x20), (0, 0xff)]),
            (CtZone, &[(3, 0xffff)]),
            (CtMark, &[(1, 1), (5, 0xffff_ffff)]),
            (CtLabel, &[(1, u128::MAX), (4, 4)]),
            (Reg0, &[(1, 0xffff_ffff), (3, 0xffff)]),
            (Reg1, &[(2, 0xffff_ffff), (0, 1)]),
            (Reg6, &[(6, 0xffff_ffff)]),
            (Reg9, &[(9, 0xff)]),
            (Reg10, &[(8, 8)]),
            (Reg13, &[(0x55, 0xffff_ffff)]),
            (Reg14, &[(0x1, 0xffff_ffff)]),
            (Reg15, &[(0x2, 0xffff_ffff), (0, 0)]),
            (
                EthType,
                &[
                    (0x0800, 0xffff),
                    (0x86dd, 0xffff),
                    (0x0806, 0xffff),
                    (0x8847, 0xffff),
                ],
            ),
            (
                IpSrc,
                &[(0x0a00_0001, 0xffff_ffff), (0x0a00_0000, 0xffff_ff00)],
            ),
            (IpDst, &[(0x0a00_0002, 0xffff_ffff), (0, 0)]),
            (
                NwProto,
                &[(6, 0xff), (17, 0xff), (132, 0xff), (1, 0xff), (58, 0xff)],
            ),
            (TcpSrc, &[(80, 0xffff), (0x100, 0xff00)]),
            (TcpDst, &[(53, 0xffff), (0, 0xffff)]),
            (TcpFlags, &[(2, 0xfff)]),
            (NwTos, &[(4, 0xfc)]),
            (InPort, &[(1, 0xffff)]),
            (EthSrc, &[(1, 0xffff_ffff_ffff)]),
            (VlanTci, &[(0x1005, 0x1fff)]),
            (CtNwProto, &[(6, 0xff)]),
            (TunId, &[(1, u64::MAX as u128)]),
        ];
        let versions = [
            None,
            Some(Version::Of13),
            Some(Version::Of14),
            Some(Version::Of15),
        ];
        let mut next = crate::text::picker(0x0bad_cafe_f00d_1234);
        let mut taken = 0;
        for _ in 0..40000 {
            let mut m = Match::new();
            for _ in 0..next(10) {
                let (f, values) = choices[next(choices.len())];
                let (v, mask) = values[next(values.len())];
                m.put_slot(f, v, mask);
            }
            // Entries with a zero mask (which `put_slot` does not keep) the usual way of
            // the decoder.
            if next(8) == 0 && !m.has(Reg2) {
                m.append_new(Reg2, 0, 0);
                m.sort_entries();
            }
            for oxm in versions {
                let (mut w1, mut w2) = (Writer::new(), Writer::new());
                let mut p1 = Put {
                    w: &mut w1,
                    oxm,
                    implied_ethernet: false,
                };
                let Ok(Some(pt1)) = m.put_usual(&mut p1) else {
                    assert!(w1.as_slice().is_empty(), "{m:?}");
                    continue;
                };
                let implied1 = p1.implied_ethernet;
                let mut p2 = Put {
                    w: &mut w2,
                    oxm,
                    implied_ethernet: false,
                };
                let pt2 = m.put_general(&mut p2);
                let implied2 = p2.implied_ethernet;
                assert_eq!(Ok(pt1), pt2.map_err(|e| e.to_string()), "{m:?} {oxm:?}");
                assert_eq!(implied1, implied2, "{m:?} {oxm:?}");
                assert_eq!(w1.as_slice(), w2.as_slice(), "{m:?} {oxm:?}");
                taken += 1;
            }
        }
        assert!(taken > 5000, "{taken}");
    }

    fn rt(s: &str) -> String {
        Match::parse(s).unwrap().to_text()
    }

    #[test]
    fn canonical_text() {
        assert_eq!(
            rt("ip,nw_dst=10.0.0.1,tcp,tp_dst=80"),
            "tcp,nw_dst=10.0.0.1,tp_dst=80"
        );
        assert_eq!(rt("xreg2=0x5/0xff"), "reg5=0x5/0xff");
        assert_eq!(rt("dl_vlan=5,vlan_pcp=3"), "dl_vlan=5,dl_vlan_pcp=3");
        assert_eq!(
            Match::parse("tcp,tp_src=1").unwrap(),
            Match::parse("tcp,tcp_src=1").unwrap()
        );
        assert_eq!(rt(""), "");
        assert!(Match::parse("tp_dst=80").is_err());
        assert!(Match::parse("nw_dst=10.0.0.1").is_err());
        let e = Match::parse("ip,priority=5").unwrap_err().to_string();
        assert!(e.contains(NOT_A_MATCH_FIELD), "{e}");
    }

    /// The decoder's shortcut for plain fields does what `set_masked` does, and the
    /// presence bitmap follows the entries.
    #[test]
    fn plain_fields_shortcut_is_set_masked() {
        for &field in crate::field::ALL.iter() {
            let full = ones(value_bytes(field));
            let Some((slot, bits)) = whole_slot(field, full) else {
                continue;
            };
            if slot == Field::Reg3 {
                continue;
            }
            let masks = [full, full & 0x0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f_0f0f, 1];
            for mask in masks {
                if !field.info().maskable && mask != full {
                    continue;
                }
                let value = 0x1234_5678_9abc_def0_1234_5678_9abc_def0 & mask;
                if !value_is_valid(field, value) || mask & bits == 0 {
                    continue;
                }
                let mut base = Match::new();
                base.put_slot(Field::Reg3, 7, 0xffff_ffff);
                let mut slow = base.clone();
                slow.set_masked(field, value, mask).unwrap();
                let mut fast = base.clone();
                assert!(!fast.has(slot) && !fast.tests(field));
                fast.put_slot(slot, value & bits, mask & bits);
                if field.info().prereq != Prereq::None {
                    fast.set_default_packet_type();
                }
                assert_eq!(fast, slow, "{}", field.name());
                assert!(fast.has(slot) && fast.tests(field), "{}", field.name());
                for e in &fast.entries {
                    assert!(fast.has(e.slot));
                }
                let n: u32 = fast.present.iter().map(|w| w.count_ones()).sum();
                assert_eq!(n as usize, fast.entries.len());
            }
        }
    }

    #[test]
    fn wire_round_trip() {
        let m = Match::parse("tcp,nw_dst=10.0.0.0/8,tp_dst=80,reg3=0x5,in_port=LOCAL").unwrap();
        for v in Version::ALL {
            let mut w = Writer::new();
            m.encode(&mut w, v).unwrap();
            let mut r = Reader::new(w.as_slice(), "t");
            assert_eq!(Match::decode(&mut r, v).unwrap(), m);
            assert!(r.is_empty());
        }
    }
}
