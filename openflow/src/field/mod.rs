//! The field registry: every field a match can test and `set_field`/`move`/`load` can write,
//! with its ovs-ofctl names, width, maskability, prerequisites and NXM/OXM wire headers.
//!
//! The registry follows Open vSwitch 3.1's (`meta-flow.h`), so names and header choices
//! agree with `ovs-ofctl`: under OpenFlow 1.3 `eth_src` is sent as `OXM_OF_ETH_SRC` and
//! `reg0` as `NXM_NX_REG0`; `tcp_flags` is `ONFOXM_ET_TCP_FLAGS` under 1.3 and
//! `OXM_OF_TCP_FLAGS` under 1.5 (see [`Field::header`]).
//!
//! Field values are `u128`s holding the field's bytes big-endian, right-aligned (a 6-byte
//! Ethernet address is the low 48 bits). `tun_metadata<N>` fields are up to 124 bytes on
//! the wire; values wider than 16 bytes are refused where they occur.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::error::Result;
use crate::version::Version;
use crate::wire::{Reader, Writer};

mod names;
pub(crate) use names::{Key, KeyTable};
pub mod subfield;
mod table;
pub mod value;

pub use subfield::Subfield;
pub use table::{ALL, Field, N_FIELDS};

/// The registry's facts of the field of index `i` ([`Field::info`] for tables built at
/// compile time).
pub(crate) const fn const_info(i: usize) -> FieldInfo {
    table::INFO_DATA[i]
}

/// How a field's value is written in ovs-ofctl syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Decimal integer (`tcp_dst=80`).
    Decimal,
    /// Hexadecimal integer (`reg0=0x1`, `metadata=0x5`).
    Hexadecimal,
    /// Connection tracking state flags (`+trk+est-rel`).
    CtState,
    /// Ethernet address (`00:11:22:33:44:55`).
    Ethernet,
    /// IPv4 address or prefix (`10.0.0.0/8`).
    Ipv4,
    /// IPv6 address or prefix (`fe80::/64`).
    Ipv6,
    /// 16-bit OpenFlow 1.0 port number or name (`LOCAL`, `CONTROLLER`).
    OfpPort,
    /// 32-bit OpenFlow 1.1+ port number or name.
    OfpPortOxm,
    /// IP fragment state (`no`, `first`, `later`, `yes`, `not_later`).
    Frag,
    /// Tunnel flags (`+oam`).
    TunnelFlags,
    /// TCP flags (`+syn-ack`).
    TcpFlags,
    /// Packet type (`(0,0x800)`).
    PacketType,
}

/// What a packet must be for a field to be meaningful (OpenFlow's prerequisites).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prereq {
    /// Always meaningful.
    None,
    /// An Ethernet packet.
    Ethernet,
    /// ARP or RARP (`dl_type=0x0806` or `0x8035`).
    Arp,
    /// A VLAN tag present (`vlan_vid` with the present bit).
    VlanVid,
    /// IPv4 (`dl_type=0x0800`).
    Ipv4,
    /// IPv6 (`dl_type=0x86dd`).
    Ipv6,
    /// IPv4 or IPv6.
    IpAny,
    /// NSH (`dl_type=0x894f`).
    Nsh,
    /// A tracked connection (`ct_state=+trk`).
    CtValid,
    /// MPLS (`dl_type=0x8847` or `0x8848`).
    Mpls,
    /// TCP over IPv4 or IPv6.
    Tcp,
    /// UDP over IPv4 or IPv6.
    Udp,
    /// SCTP over IPv4 or IPv6.
    Sctp,
    /// ICMPv4.
    Icmpv4,
    /// ICMPv6.
    Icmpv6,
    /// IPv6 neighbour discovery (ICMPv6 type 135 or 136, code 0).
    Nd,
    /// ND neighbour solicitation (type 135).
    NdSolicit,
    /// ND neighbour advertisement (type 136).
    NdAdvert,
}

/// One NXM or OXM header a field can be sent with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeaderSpec {
    /// The header's name (`NXM_NX_REG0`, `OXM_OF_ETH_SRC`, `ONFOXM_ET_TCP_FLAGS`).
    pub name: &'static str,
    /// The experimenter id of an experimenter OXM (class `0xffff`).
    pub experimenter: Option<u32>,
    /// The OXM class (`0x0000`/`0x0001` for NXM, `0x8000` for OpenFlow basic, `0x8001`
    /// for packet registers, `0xffff` for experimenter).
    pub class: u16,
    /// The 7-bit field number within the class.
    pub field: u8,
    /// The first OpenFlow wire version that uses this header (0: any, NXM and
    /// experimenter headers).
    pub version: u8,
}

/// Everything the registry knows about one field.
#[derive(Clone, Copy, Debug)]
pub struct FieldInfo {
    /// The field.
    pub field: Field,
    /// Its canonical ovs-ofctl name (`eth_src`, `reg0`, `nw_tos`).
    pub name: &'static str,
    /// The other name ovs-ofctl accepts (`dl_src`, `tp_src`).
    pub alias: Option<&'static str>,
    /// Width on the wire in bytes (124 for `tun_metadata<N>`, whose real width is set by
    /// the switch's TLV map).
    pub bytes: u8,
    /// Significant bits (`vlan_vid` is 12 bits in 2 bytes).
    pub bits: u16,
    /// Whether a match may carry a bitwise mask for it.
    pub maskable: bool,
    /// How its value is written.
    pub format: Format,
    /// What the packet must be for it to be matched.
    pub prereq: Prereq,
    /// Whether `set_field`, `load` and `move` may write it.
    pub writable: bool,
    /// Its wire headers, oldest OpenFlow version first.
    pub headers: &'static [HeaderSpec],
}

impl Field {
    /// Everything the registry knows about this field.
    pub fn info(self) -> &'static FieldInfo {
        &table::INFO[self as usize]
    }

    /// The canonical ovs-ofctl name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Width on the wire in bytes.
    pub fn bytes(self) -> usize {
        self.info().bytes as usize
    }

    /// Significant bits.
    pub fn bits(self) -> u16 {
        self.info().bits
    }

    /// Whether this is `tun_metadata<N>`, whose width comes from the switch's TLV map.
    pub fn is_tun_metadata(self) -> bool {
        (Field::TunMetadata0 as u8..=Field::TunMetadata63 as u8).contains(&(self as u8))
    }

    /// `reg<n>` for `n < 16`.
    pub fn reg(n: u8) -> Option<Field> {
        (n < 16).then(|| ALL[Field::Reg0 as usize + n as usize])
    }

    /// `xreg<n>` for `n < 8`.
    pub fn xreg(n: u8) -> Option<Field> {
        (n < 8).then(|| ALL[Field::Xreg0 as usize + n as usize])
    }

    /// `xxreg<n>` for `n < 4`.
    pub fn xxreg(n: u8) -> Option<Field> {
        (n < 4).then(|| ALL[Field::Xxreg0 as usize + n as usize])
    }

    /// `tun_metadata<n>` for `n < 64`.
    pub fn tun_metadata(n: u8) -> Option<Field> {
        (n < 64).then(|| ALL[Field::TunMetadata0 as usize + n as usize])
    }

    /// The field named `name` (its canonical name or its alias, as ovs-ofctl accepts them).
    pub fn from_name(name: &str) -> Option<Field> {
        names::by_name(name)
    }

    /// The field whose NXM/OXM header is named `name` (`NXM_NX_REG0`, `OXM_OF_IN_PORT`),
    /// as ovs-ofctl accepts them in subfields (`NXM_NX_REG0[0..15]`).
    pub fn from_header_name(name: &str) -> Option<Field> {
        names::by_header_name(name)
    }

    /// The field for a wire header's (experimenter, class, field).
    pub fn from_wire(experimenter: Option<u32>, class: u16, field: u8) -> Option<Field> {
        if experimenter.is_none()
            && let Some(i) = direct_index(class, field)
        {
            return direct_field(i);
        }
        maps()
            .by_wire
            .get(&wire_key(experimenter, class, field))
            .copied()
    }

    /// The header to send this field with under `version` (`None`: prefer the legacy NXM
    /// header, as Nicira actions such as `move` and `learn` do). This is Open vSwitch's
    /// choice: the newest header whose version is at most `version`.
    #[inline]
    pub fn header(self, version: Option<Version>) -> Option<&'static HeaderSpec> {
        let v = usize::from(version.map_or(0, Version::wire));
        let k = CHOSEN_HEADER.get(v)?.get(self as usize)?;
        self.info().headers.get(usize::from(*k))
    }

    /// The raw 32-bit header word (class, field, mask bit, length) and the experimenter id
    /// for sending this field with a `value_len`-byte value (`hasmask`: and as long a mask)
    /// under `version`: [`Field::oxm_header`] without building an [`OxmHeader`].
    #[inline]
    pub(crate) fn header_word(
        self,
        version: Option<Version>,
        hasmask: bool,
        value_len: usize,
    ) -> Result<(u32, Option<u32>)> {
        match self.header(version) {
            Some(spec) if value_len <= 64 => {
                let payload = value_len * if hasmask { 2 } else { 1 }
                    + if spec.experimenter.is_some() { 4 } else { 0 };
                let raw = u32::from(spec.class) << 16
                    | u32::from(spec.field & 0x7f) << 9
                    | u32::from(hasmask) << 8
                    | payload as u32;
                Ok((raw, spec.experimenter))
            }
            _ => {
                let h = self.oxm_header(version, hasmask, value_len)?;
                let raw = u32::from(h.class) << 16
                    | u32::from(h.field & 0x7f) << 9
                    | u32::from(h.hasmask) << 8
                    | u32::from(h.length);
                Ok((raw, h.experimenter))
            }
        }
    }

    /// The class and field number of the non-experimenter header [`Field::header`] picks
    /// for `version`, as the high 23 bits of the 32-bit header word (mask bit and length
    /// zero), from a table; `None` for an experimenter header or none. With the mask bit
    /// and length or-ed in, it is what [`Field::header_word`] returns.
    #[inline]
    pub(crate) fn plain_header_word(self, version: Option<Version>) -> Option<u32> {
        let v = usize::from(version.map_or(0, Version::wire));
        let word = *HEADER_WORD.get(v)?.get(self as usize)?;
        (word != NO_HEADER_WORD).then_some(word)
    }

    /// Appends one OXM/NXM entry of this field: its header for `version`, then the value's
    /// `n` (at most 16) low bytes, then as many of the mask's.
    ///
    /// The usual entry (a non-experimenter header, a value of 1, 2, 4, 6, 8 or 16 bytes)
    /// is written from the precomputed header word of [`HEADER_WORD`] with one fixed-size
    /// copy; the rest take [`Field::put_entry_general`].
    #[inline]
    pub(crate) fn put_entry(
        self,
        w: &mut crate::wire::Writer,
        version: Option<Version>,
        n: usize,
        value: u128,
        mask: Option<u128>,
    ) -> Result<()> {
        self.put_entry_inline(w, version, n, value, mask)
    }

    /// [`Field::put_entry`], inlined (for the match encoder, whose one entry writer holds
    /// it whole).
    #[inline(always)]
    pub(crate) fn put_entry_inline(
        self,
        w: &mut crate::wire::Writer,
        version: Option<Version>,
        n: usize,
        value: u128,
        mask: Option<u128>,
    ) -> Result<()> {
        let n = n.min(16);
        let v = usize::from(version.map_or(0, Version::wire));
        let word = HEADER_WORD
            .get(v)
            .and_then(|t| t.get(self as usize))
            .copied()
            .unwrap_or(NO_HEADER_WORD);
        if word == NO_HEADER_WORD {
            return self.put_entry_general(w, version, n, value, mask);
        }
        // One arm per usual width, so that each copies a fixed number of bytes.
        match (n, mask) {
            (1, None) => put_fixed(w, word, 1, value, None),
            (2, None) => put_fixed(w, word, 2, value, None),
            (4, None) => put_fixed(w, word, 4, value, None),
            (6, None) => put_fixed(w, word, 6, value, None),
            (8, None) => put_fixed(w, word, 8, value, None),
            (16, None) => put_fixed(w, word, 16, value, None),
            (1, Some(m)) => put_fixed(w, word, 1, value, Some(m)),
            (2, Some(m)) => put_fixed(w, word, 2, value, Some(m)),
            (4, Some(m)) => put_fixed(w, word, 4, value, Some(m)),
            (6, Some(m)) => put_fixed(w, word, 6, value, Some(m)),
            (8, Some(m)) => put_fixed(w, word, 8, value, Some(m)),
            (16, Some(m)) => put_fixed(w, word, 16, value, Some(m)),
            _ => return self.put_entry_general(w, version, n, value, mask),
        }
        Ok(())
    }

    /// [`Field::put_entry`] for any entry: gathered on the stack and written at once (the
    /// value and mask go in as whole 16-byte blocks shifted so that their `n` bytes come
    /// first; what follows them is overwritten or cut off).
    #[cold]
    #[inline(never)]
    fn put_entry_general(
        self,
        w: &mut crate::wire::Writer,
        version: Option<Version>,
        n: usize,
        value: u128,
        mask: Option<u128>,
    ) -> Result<()> {
        let mut buf = [0u8; 40];
        let len = self.entry_at(&mut buf, 0, version, n, value, mask)?;
        w.bytes(&buf[..len]);
        Ok(())
    }

    /// Builds this field's entry (header, `n` bytes of value, of mask if any; `n` at most
    /// 16) in `buf` at `at`, which must leave 40 bytes: the value and mask go in as whole
    /// 16-byte blocks shifted so that their `n` bytes come first (what follows them is
    /// overwritten or left out). Returns where the entry ends.
    #[inline]
    pub(crate) fn entry_at(
        self,
        buf: &mut [u8],
        at: usize,
        version: Option<Version>,
        n: usize,
        value: u128,
        mask: Option<u128>,
    ) -> Result<usize> {
        let n = n.min(16);
        let (raw, experimenter) = self.header_word(version, mask.is_some(), n)?;
        let Some(out) = buf.get_mut(at..at + 40) else {
            return Err(crate::Error::encode(self.name(), "no room for the entry"));
        };
        out[..4].copy_from_slice(&raw.to_be_bytes());
        let mut len = 4;
        if let Some(e) = experimenter {
            out[4..8].copy_from_slice(&e.to_be_bytes());
            len = 8;
        }
        let shift = 8 * (16 - n) as u32;
        out[len..len + 16].copy_from_slice(&value.checked_shl(shift).unwrap_or(0).to_be_bytes());
        len += n;
        if let Some(m) = mask {
            out[len..len + 16].copy_from_slice(&m.checked_shl(shift).unwrap_or(0).to_be_bytes());
            len += n;
        }
        Ok(at + len)
    }

    /// The wire header for this field with `hasmask` and a payload of `value_len` bytes
    /// (twice that with a mask), under `version` (see [`Field::header`]).
    pub fn oxm_header(
        self,
        version: Option<Version>,
        hasmask: bool,
        value_len: usize,
    ) -> Result<OxmHeader> {
        let spec = self.header(version).ok_or_else(|| {
            crate::Error::encode(
                self.name(),
                "the field has no NXM or OXM header and cannot be sent",
            )
        })?;
        let payload = value_len * if hasmask { 2 } else { 1 }
            + if spec.experimenter.is_some() { 4 } else { 0 };
        let length = u8::try_from(payload).map_err(|_| {
            crate::Error::encode(self.name(), format_args!("{payload}-byte payload"))
        })?;
        Ok(OxmHeader {
            class: spec.class,
            field: spec.field,
            hasmask,
            length,
            experimenter: spec.experimenter,
        })
    }

    /// A mask of all ones over this field's significant bits.
    pub fn full_mask(self) -> u128 {
        let bits = self.bits().min(128) as u32;
        if bits == 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Wire versions [`Field::header`] is asked about: 0 (legacy NXM) up to OpenFlow 1.5's 6.
const HEADER_VERSIONS: usize = 7;

/// For each wire version (0: prefer legacy NXM) and field, the index in the field's
/// `headers` of the one [`Field::header`] picks: the newest whose version is at most the
/// asked one, or the first (`u8::MAX`: the field has none).
static CHOSEN_HEADER: [[u8; N_FIELDS]; HEADER_VERSIONS] = {
    let mut t = [[u8::MAX; N_FIELDS]; HEADER_VERSIONS];
    let mut v = 0;
    while v < HEADER_VERSIONS {
        let mut i = 0;
        while i < N_FIELDS {
            let hs = table::INFO_DATA[i].headers;
            if !hs.is_empty() {
                let mut chosen = 0;
                let mut k = 1;
                while k < hs.len() {
                    if v as u8 >= hs[k].version {
                        chosen = k;
                    }
                    k += 1;
                }
                t[v][i] = chosen as u8;
            }
            i += 1;
        }
        v += 1;
    }
    t
};

/// [`HEADER_WORD`] of a field whose chosen header is an experimenter one (or that has
/// none): such entries take the general writer. No plain header word is all ones (its
/// class would be the experimenter class).
const NO_HEADER_WORD: u32 = u32::MAX;

/// For each wire version (as [`CHOSEN_HEADER`]) and field, the class and field number of
/// the header [`Field::header`] picks, as the high 23 bits of the 32-bit header word (mask
/// bit and length zero), or [`NO_HEADER_WORD`] for an experimenter header or none.
static HEADER_WORD: [[u32; N_FIELDS]; HEADER_VERSIONS] = {
    let mut t = [[NO_HEADER_WORD; N_FIELDS]; HEADER_VERSIONS];
    let mut v = 0;
    while v < HEADER_VERSIONS {
        let mut i = 0;
        while i < N_FIELDS {
            let k = CHOSEN_HEADER[v][i];
            let hs = table::INFO_DATA[i].headers;
            if (k as usize) < hs.len() && hs[k as usize].experimenter.is_none() {
                let h = &hs[k as usize];
                t[v][i] = (h.class as u32) << 16 | ((h.field & 0x7f) as u32) << 9;
            }
            i += 1;
        }
        v += 1;
    }
    t
};

/// For each field, the mask of all the bits its bytes hold (at most 128), as
/// [`Field::bytes_mask`] returns it: a table rather than a shift of a 128-bit value, as
/// every `set_field` and `load` asks whether it writes all of its field.
static BYTES_MASK: [u128; N_FIELDS] = {
    let mut t = [0u128; N_FIELDS];
    let mut i = 0;
    while i < N_FIELDS {
        let bytes = table::INFO_DATA[i].bytes as usize;
        t[i] = if bytes >= 16 {
            u128::MAX
        } else {
            (1u128 << (bytes * 8)) - 1
        };
        i += 1;
    }
    t
};

impl Field {
    /// The mask of all the bits the field's bytes hold (all 128 for a wider field).
    #[inline]
    pub(crate) fn bytes_mask(self) -> u128 {
        BYTES_MASK[self as usize]
    }
}

/// Appends an entry with header word `word` (class and field, from [`HEADER_WORD`]) and
/// the `n` low bytes of `value` (and of `mask`), for `n` at most 16: inlined where `n` and
/// whether there is a mask are constants, it writes a fixed number of bytes at once.
#[inline(always)]
fn put_fixed(w: &mut crate::wire::Writer, word: u32, n: usize, value: u128, mask: Option<u128>) {
    let n = n.min(16);
    let mut b = [0u8; 36];
    let raw = word | u32::from(mask.is_some()) << 8 | (n << usize::from(mask.is_some())) as u32;
    b[..4].copy_from_slice(&raw.to_be_bytes());
    b[4..4 + n].copy_from_slice(&value.to_be_bytes()[16 - n..]);
    let len = match mask {
        Some(m) => {
            b[4 + n..4 + 2 * n].copy_from_slice(&m.to_be_bytes()[16 - n..]);
            4 + 2 * n
        }
        None => 4 + n,
    };
    w.bytes(&b[..len]);
}

/// A fast hasher for the registry's fixed tables (the Fx hash, as rustc uses): the keys are
/// the registry's own names, so nothing is gained from SipHash's resistance to chosen keys,
/// and name lookups are on every parsed field.
/// Also used for flow sync's match keys: the inserted keys are the caller's own flows.
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

struct Maps {
    by_wire: FxMap<u64, Field>,
}

/// No field in [`DIRECT`].
const NO_FIELD: u8 = u8::MAX;

/// The wire lookup without hashing for the classes matches use (no experimenter; classes
/// `0x0000`, `0x0001`, `0x8000`, `0x8001`), by [`direct_index`]: the field's index in
/// [`ALL`], or [`NO_FIELD`]. Built at compile time from the registry; where two fields
/// share a header, the later one wins, as in the hashed map.
static DIRECT: [u8; 4 * 128] = build_direct();

const fn build_direct() -> [u8; 4 * 128] {
    let mut t = [NO_FIELD; 4 * 128];
    let mut i = 0;
    while i < table::INFO.len() {
        let hs = table::INFO[i].headers;
        let mut k = 0;
        while k < hs.len() {
            let h = &hs[k];
            if h.experimenter.is_none() {
                let c = match h.class {
                    0x0000 => 0,
                    0x0001 => 1,
                    0x8000 => 2,
                    0x8001 => 3,
                    _ => 4,
                };
                if c < 4 && h.field < 128 {
                    t[c * 128 + h.field as usize] = table::INFO[i].field as u8;
                }
            }
            k += 1;
        }
        i += 1;
    }
    t
}

/// The field at `i` (from [`direct_index`]) of [`DIRECT`].
#[inline]
fn direct_field(i: usize) -> Option<Field> {
    match DIRECT.get(i) {
        Some(&f) if f != NO_FIELD => ALL.get(usize::from(f)).copied(),
        _ => None,
    }
}

/// The field a non-experimenter 32-bit NXM/OXM header names (its class and field number;
/// the length and mask bit are not looked at): a table lookup, for the decoders.
#[inline]
pub(crate) fn field_of_raw_header(raw: u32) -> Option<Field> {
    let c = match raw >> 16 {
        0x0000 => 0,
        0x0001 => 1,
        0x8000 => 2,
        0x8001 => 3,
        0xffff => return None,
        class => return Field::from_wire(None, class as u16, ((raw >> 9) & 0x7f) as u8),
    };
    direct_field(c * 128 + ((raw >> 9) & 0x7f) as usize)
}

/// The slot of a non-experimenter header in [`DIRECT`], if it has one.
fn direct_index(class: u16, field: u8) -> Option<usize> {
    let c = match class {
        0x0000 => 0,
        0x0001 => 1,
        0x8000 => 2,
        0x8001 => 3,
        _ => return None,
    };
    (field < 128).then_some(c * 128 + usize::from(field))
}

fn wire_key(experimenter: Option<u32>, class: u16, field: u8) -> u64 {
    (u64::from(experimenter.unwrap_or(0)) << 24) | (u64::from(class) << 8) | u64::from(field)
}

fn maps() -> &'static Maps {
    static MAPS: OnceLock<Maps> = OnceLock::new();
    MAPS.get_or_init(|| {
        let mut m = Maps {
            by_wire: FxMap::default(),
        };
        for info in &table::INFO {
            for h in info.headers {
                m.by_wire
                    .insert(wire_key(h.experimenter, h.class, h.field), info.field);
            }
        }
        m
    })
}

/// An NXM/OXM field header as on the wire: 32 bits (class, field, hasmask, length), plus a
/// 32-bit experimenter id when the class is `0xffff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OxmHeader {
    /// The class.
    pub class: u16,
    /// The 7-bit field number.
    pub field: u8,
    /// Whether a mask follows the value.
    pub hasmask: bool,
    /// The payload length in bytes as on the wire: value, mask, and (for experimenter
    /// headers) the 4-byte experimenter id.
    pub length: u8,
    /// The experimenter id (class `0xffff` only).
    pub experimenter: Option<u32>,
}

/// The class of experimenter OXM headers.
pub const OXM_CLASS_EXPERIMENTER: u16 = 0xffff;

impl OxmHeader {
    /// Reads a header (4 or 8 bytes).
    pub fn decode(r: &mut Reader<'_>) -> Result<OxmHeader> {
        let raw = r.u32()?;
        let class = (raw >> 16) as u16;
        let length = raw as u8;
        let experimenter = if class == OXM_CLASS_EXPERIMENTER {
            if length < 4 {
                return Err(r.error(format_args!(
                    "experimenter OXM header with length {length}, less than its 4-byte experimenter id"
                )));
            }
            Some(r.u32()?)
        } else {
            None
        };
        Ok(OxmHeader {
            class,
            field: ((raw >> 9) & 0x7f) as u8,
            hasmask: raw & 0x100 != 0,
            length,
            experimenter,
        })
    }

    /// Writes the header (4 or 8 bytes).
    pub fn encode(&self, w: &mut Writer) {
        w.u32(
            u32::from(self.class) << 16
                | u32::from(self.field & 0x7f) << 9
                | u32::from(self.hasmask) << 8
                | u32::from(self.length),
        );
        if let Some(e) = self.experimenter {
            w.u32(e);
        }
    }

    /// Bytes of value (and mask) after the header.
    pub fn payload_len(&self) -> usize {
        self.length as usize - if self.experimenter.is_some() { 4 } else { 0 }
    }

    /// Bytes of the value alone.
    pub fn value_len(&self) -> usize {
        self.payload_len() / if self.hasmask { 2 } else { 1 }
    }

    /// The registered field this header names, if any.
    pub fn field(&self) -> Option<Field> {
        Field::from_wire(self.experimenter, self.class, self.field)
    }

    /// Bytes the header takes on the wire (4, or 8 with an experimenter id).
    pub fn header_len(&self) -> usize {
        if self.experimenter.is_some() { 8 } else { 4 }
    }
}

/// Reads a big-endian value of `bytes.len()` bytes (at most 16) into a `u128`.
pub fn be_to_u128(bytes: &[u8]) -> Option<u128> {
    let mut b = [0u8; 16];
    b.get_mut(16usize.checked_sub(bytes.len())?..)?
        .copy_from_slice(bytes);
    Some(u128::from_be_bytes(b))
}

/// A big-endian value of at most 16 bytes.
#[inline]
pub(crate) fn be_small(b: &[u8]) -> u128 {
    match *b {
        [x] => u128::from(x),
        [x, y] => u128::from(u16::from_be_bytes([x, y])),
        [a, b, c, d] => u128::from(u32::from_be_bytes([a, b, c, d])),
        [a, b, c, d, e, f] => u128::from(u64::from_be_bytes([0, 0, a, b, c, d, e, f])),
        _ => match <[u8; 8]>::try_from(b) {
            Ok(w) => u128::from(u64::from_be_bytes(w)),
            Err(_) => match <[u8; 16]>::try_from(b) {
                Ok(w) => u128::from_be_bytes(w),
                Err(_) => b.iter().fold(0u128, |v, &x| v << 8 | u128::from(x)),
            },
        },
    }
}

/// Writes the low `n` bytes of `v` big-endian (`n` at most 16).
pub fn u128_to_be(v: u128, n: usize, w: &mut Writer) {
    let b = v.to_be_bytes();
    w.bytes(&b[16 - n.min(16)..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        for (i, f) in ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert_eq!(f.info().field, *f);
            assert_eq!(Field::from_name(f.name()), Some(*f), "{}", f.name());
        }
        assert_eq!(N_FIELDS, 183);
    }

    #[test]
    fn direct_table_agrees_with_hashed_map() {
        let mut n = 0;
        for (&key, &field) in &maps().by_wire {
            let (class, f) = ((key >> 8) as u16, key as u8);
            if key >> 24 == 0 && direct_index(class, f).is_some() {
                n += 1;
                assert_eq!(Field::from_wire(None, class, f), Some(field));
                let raw = u32::from(class) << 16 | u32::from(f) << 9;
                assert_eq!(field_of_raw_header(raw), Some(field));
            }
        }
        assert!(n > 100);
        let direct = DIRECT.iter().filter(|&&f| f != NO_FIELD).count();
        assert_eq!(direct, n);
        assert_eq!(field_of_raw_header(0xffff_0000), None);
    }

    #[test]
    fn names_and_headers() {
        assert_eq!(Field::from_name("dl_src"), Some(Field::EthSrc));
        assert_eq!(Field::from_name("tp_dst"), Some(Field::TcpDst));
        assert_eq!(Field::from_header_name("NXM_NX_REG3"), Some(Field::Reg3));
        assert_eq!(Field::reg(15), Some(Field::Reg15));
        assert_eq!(Field::xxreg(3), Some(Field::Xxreg3));
        assert_eq!(Field::tun_metadata(63), Some(Field::TunMetadata63));
        assert!(Field::TunMetadata5.is_tun_metadata());
        assert!(!Field::Reg0.is_tun_metadata());
        assert_eq!(
            Field::EthSrc.header(Some(Version::Of13)).unwrap().name,
            "OXM_OF_ETH_SRC"
        );
        assert_eq!(Field::EthSrc.header(None).unwrap().name, "NXM_OF_ETH_SRC");
        assert_eq!(
            Field::TcpFlags.header(Some(Version::Of13)).unwrap().name,
            "ONFOXM_ET_TCP_FLAGS"
        );
        assert_eq!(
            Field::TcpFlags.header(Some(Version::Of15)).unwrap().name,
            "OXM_OF_TCP_FLAGS"
        );
        assert_eq!(
            Field::Xreg2.header(Some(Version::Of15)).unwrap().name,
            "OXM_OF_PKT_REG2"
        );
        assert_eq!(
            Field::from_wire(None, 0x8000, 4),
            Some(Field::EthSrc),
            "OXM_OF_ETH_SRC"
        );
        assert_eq!(
            Field::from_wire(Some(0x4f4e4600), 0xffff, 42),
            Some(Field::TcpFlags)
        );
    }

    #[test]
    fn header_codec() {
        let h = Field::EthSrc
            .oxm_header(Some(Version::Of15), true, 6)
            .unwrap();
        let mut w = Writer::new();
        h.encode(&mut w);
        assert_eq!(w.as_slice(), &[0x80, 0x00, 0x09, 0x0c]);
        let mut r = Reader::new(w.as_slice(), "t");
        assert_eq!(OxmHeader::decode(&mut r).unwrap(), h);
        let h = Field::TcpFlags
            .oxm_header(Some(Version::Of13), false, 2)
            .unwrap();
        let mut w = Writer::new();
        h.encode(&mut w);
        assert_eq!(
            w.as_slice(),
            &[0xff, 0xff, 0x54, 0x06, 0x4f, 0x4e, 0x46, 0x00]
        );
        assert_eq!(h.value_len(), 2);
        let mut r = Reader::new(&[0xff, 0xff, 0x54, 0x02, 0, 0, 0, 0], "t");
        assert!(OxmHeader::decode(&mut r).is_err());
    }
}
