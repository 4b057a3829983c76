//! Field values as text, exactly as ovs-ofctl writes and reads them (Open vSwitch's
//! `mf_format` and `mf_parse`).
//!
//! A value is a `u128` holding the field's bytes big-endian and right-aligned; a mask is
//! the same. [`format_value`] writes `value` (and `/mask` where the mask is not all ones,
//! `ANY` where it is all zeros) in the field's syntax: decimal or hexadecimal integers,
//! port names, Ethernet and IP addresses with CIDR prefixes, flag sets (`+trk-new`),
//! fragment kinds. [`parse_value`] reads the same syntaxes back, including `*` and the
//! forms ovs-ofctl accepts but never prints (`10.0.0.0/255.0.0.0`, octal, `0x` with spaces).

use std::fmt::Write as _;

use super::{Field, Format};
use crate::error::{Error, Result};
use crate::numfmt;

/// The widest value this crate holds, in bytes (`tun_metadata` fields may be up to 124
/// bytes on the wire; values wider than this are refused).
pub const MAX_VALUE_BYTES: usize = 16;

/// The port number of `IN_PORT` (OpenFlow 1.0 numbering, as ovs-ofctl stores ports).
pub const OFPP_IN_PORT: u16 = 0xfff8;
/// `TABLE`.
pub const OFPP_TABLE: u16 = 0xfff9;
/// `NORMAL`.
pub const OFPP_NORMAL: u16 = 0xfffa;
/// `FLOOD`.
pub const OFPP_FLOOD: u16 = 0xfffb;
/// `ALL`.
pub const OFPP_ALL: u16 = 0xfffc;
/// `CONTROLLER`.
pub const OFPP_CONTROLLER: u16 = 0xfffd;
/// `LOCAL`.
pub const OFPP_LOCAL: u16 = 0xfffe;
/// `ANY` (also spelled `NONE`).
pub const OFPP_ANY: u16 = 0xffff;
/// `UNSET` (`actset_output` only).
pub const OFPP_UNSET: u16 = 0xfff7;
/// The first reserved OpenFlow 1.0 port number; switch ports are below it.
pub const OFPP_MAX: u16 = 0xff00;
/// Added to a reserved OpenFlow 1.0 port number to get the OpenFlow 1.1+ number.
pub const OFPP11_OFFSET: u32 = 0xffff_0000;

const NAMED_PORTS: [(&str, u16); 9] = [
    ("IN_PORT", OFPP_IN_PORT),
    ("TABLE", OFPP_TABLE),
    ("NORMAL", OFPP_NORMAL),
    ("FLOOD", OFPP_FLOOD),
    ("ALL", OFPP_ALL),
    ("CONTROLLER", OFPP_CONTROLLER),
    ("LOCAL", OFPP_LOCAL),
    ("ANY", OFPP_ANY),
    ("UNSET", OFPP_UNSET),
];

/// Bytes of value this crate holds for `field` (its width, at most [`MAX_VALUE_BYTES`]).
pub fn value_bytes(field: Field) -> usize {
    field.bytes().min(MAX_VALUE_BYTES)
}

/// All ones over `n` bytes (at most 16).
#[inline]
pub fn ones(n: usize) -> u128 {
    // One load rather than a 128-bit shift by a variable amount.
    ONES.get(n.min(16)).copied().unwrap_or(u128::MAX)
}

/// [`ones`] of each width from 0 to 16 bytes.
static ONES: [u128; 17] = {
    let mut t = [0u128; 17];
    let mut n = 1;
    while n <= 16 {
        t[n] = u128::MAX >> (128 - 8 * n);
        n += 1;
    }
    t
};

/// Whether `mask` is all ones over the field's width (an exact match). For `tun_metadata`
/// fields, wider than 16 bytes, `u128::MAX` counts as all ones.
pub fn is_exact_mask(field: Field, mask: u128) -> bool {
    let n = value_bytes(field);
    mask & ones(n) == ones(n)
}

// ---------------------------------------------------------------------------------------
// Formatting.

/// Appends `value` (with `mask`; `None` is an exact match) of `field` as ovs-ofctl writes
/// it (Open vSwitch's `mf_format`): `ANY` for an all-zeros mask, no mask for an all-ones
/// mask.
pub fn format_value(field: Field, value: u128, mask: Option<u128>, out: &mut String) {
    let n = value_bytes(field);
    let mut mask = mask.map(|m| m & ones(n));
    if let Some(m) = mask {
        if m == 0 {
            out.push_str("ANY");
            return;
        } else if m == ones(n) {
            mask = None;
        }
    }
    let value = value & ones(n);
    match field.info().format {
        Format::OfpPortOxm if mask.is_none() => {
            format_port(port_from_ofp11(value as u32).unwrap_or(OFPP_ANY), out)
        }
        Format::OfpPort if mask.is_none() => format_port(value as u16, out),
        Format::OfpPort | Format::OfpPortOxm | Format::Decimal | Format::Hexadecimal => {
            if field.info().format == Format::Hexadecimal {
                format_hex(value, out);
            } else {
                numfmt::dec128(out, value);
            }
            if let Some(m) = mask {
                out.push('/');
                format_hex(m, out);
            }
        }
        Format::CtState => format_flags_masked(
            ct_state_name,
            value as u32,
            mask.unwrap_or(!0) as u32,
            0xffff,
            out,
        ),
        Format::Ethernet => {
            format_eth(value as u64, out);
            if let Some(m) = mask {
                out.push('/');
                format_eth(m as u64, out);
            }
        }
        Format::Ipv4 => format_ipv4_masked(value as u32, mask.unwrap_or(!0) as u32, out),
        Format::Ipv6 => format_ipv6_masked(value, mask.unwrap_or(u128::MAX), out),
        Format::Frag => {
            let m = mask.unwrap_or(0xff) as u8 & FRAG_MASK;
            let v = value as u8 & m;
            match FRAGS.iter().find(|f| f.value == v && f.mask == m) {
                Some(f) => out.push_str(f.name),
                None => out.push_str("<error>"),
            }
        }
        Format::TunnelFlags => format_flags_masked(
            tun_flag_name,
            value as u32,
            mask.unwrap_or(0xffff) as u32 & TUN_FLAGS_PUBLIC,
            TUN_FLAGS_PUBLIC,
            out,
        ),
        Format::TcpFlags => format_flags_masked(
            tcp_flag_name,
            value as u32,
            mask.unwrap_or(0xffff) as u32 & 0x0fff,
            0x0fff,
            out,
        ),
        Format::PacketType => {
            format_packet_type(value as u32, mask.unwrap_or(!0) as u32, out);
        }
    }
}

/// The text of `value`/`mask` as [`format_value`] writes it.
pub fn value_to_string(field: Field, value: u128, mask: Option<u128>) -> String {
    let mut s = String::new();
    format_value(field, value, mask, &mut s);
    s
}

/// Appends `v` as Open vSwitch's `ds_put_hex` does: `0x` and the hex digits without
/// leading zeros, or `0`.
pub fn format_hex(v: u128, out: &mut String) {
    numfmt::hash_x(out, v);
}

/// Appends an OpenFlow 1.0-numbered port: its reserved name (`LOCAL`, `CONTROLLER`, ...)
/// or its number.
pub fn format_port(port: u16, out: &mut String) {
    if port < OFPP_UNSET {
        numfmt::dec(out, u64::from(port));
        return;
    }
    match NAMED_PORTS.iter().find(|(_, p)| *p == port) {
        Some((name, _)) => out.push_str(name),
        None => numfmt::dec(out, u64::from(port)),
    }
}

/// The OpenFlow 1.0 number of OpenFlow 1.1+ port `p` (`None` for numbers in the gap
/// between switch ports and reserved ports).
pub fn port_from_ofp11(p: u32) -> Option<u16> {
    if p < u32::from(OFPP_MAX) {
        Some(p as u16)
    } else if p >= OFPP11_OFFSET + u32::from(OFPP_MAX) {
        Some((p - OFPP11_OFFSET) as u16)
    } else {
        None
    }
}

/// The OpenFlow 1.1+ number of OpenFlow 1.0-numbered port `p`.
pub fn port_to_ofp11(p: u16) -> u32 {
    if p < OFPP_MAX {
        u32::from(p)
    } else {
        u32::from(p) + OFPP11_OFFSET
    }
}

/// Parses a port as ovs-ofctl does (`ofputil_port_from_string`, without a port-name map):
/// a reserved name (any case, `NONE` for `ANY`) or a decimal number, where 32-bit
/// OpenFlow 1.1+ reserved numbers map to their 16-bit form. Returns the OpenFlow
/// 1.0-numbered port.
pub fn parse_port(s: &str) -> Option<u16> {
    if s.starts_with('-') {
        return None;
    }
    if let Some(n) = c_strtoll(s, 10).filter(|(_, rest)| rest.is_empty()) {
        let n = n.0;
        if !(0..=i128::from(u32::MAX)).contains(&n) {
            return None;
        }
        let n = n as u32;
        return if n <= 0xffff {
            Some(n as u16)
        } else if n < OFPP11_OFFSET + u32::from(OFPP_MAX) {
            None
        } else {
            Some((n - OFPP11_OFFSET) as u16)
        };
    }
    if s.eq_ignore_ascii_case("NONE") {
        return Some(OFPP_ANY);
    }
    NAMED_PORTS
        .iter()
        .find(|(name, _)| s.eq_ignore_ascii_case(name))
        .map(|(_, p)| *p)
}

/// Appends the low 48 bits of `v` as an Ethernet address (`00:11:22:33:44:55`).
pub fn format_eth(v: u64, out: &mut String) {
    let b = v.to_be_bytes();
    for (i, byte) in b[2..].iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        numfmt::hex2(out, *byte);
    }
}

/// Appends an IPv4 address in dotted quad form.
pub fn format_ipv4(v: u32, out: &mut String) {
    numfmt::ipv4(out, v);
}

/// Whether `mask` is an IPv4 CIDR mask (N leading ones, then zeros; zero counts).
pub fn ipv4_is_cidr(mask: u32) -> bool {
    let x = !mask;
    x & x.wrapping_add(1) == 0
}

/// Appends an IPv4 address and, unless `mask` is all ones, `/N` for a CIDR mask or
/// `/a.b.c.d` for any other (Open vSwitch's `ip_format_masked`).
pub fn format_ipv4_masked(v: u32, mask: u32, out: &mut String) {
    format_ipv4(v, out);
    if mask != u32::MAX {
        if ipv4_is_cidr(mask) {
            out.push('/');
            numfmt::dec(out, u64::from(32 - mask.trailing_zeros().min(32)));
        } else {
            out.push('/');
            format_ipv4(mask, out);
        }
    }
}

/// Appends an IPv6 address as glibc's `inet_ntop` writes it (the longest run of two or
/// more zero groups compressed, the first such run on ties; IPv4-mapped and
/// IPv4-compatible addresses with a dotted quad).
pub fn format_ipv6(v: u128, out: &mut String) {
    let words: [u16; 8] = std::array::from_fn(|i| (v >> (112 - 16 * i)) as u16);
    let (mut best_base, mut best_len) = (usize::MAX, 0usize);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best_base = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_base = usize::MAX;
    }
    let mut i = 0;
    while i < 8 {
        if i == best_base {
            out.push(':');
            i += best_len;
            if i == 8 {
                out.push(':');
            }
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)) {
            format_ipv4(v as u32, out);
            return;
        }
        numfmt::hex(out, u128::from(words[i]));
        i += 1;
    }
}

/// Whether `mask` is an IPv6 CIDR mask.
pub fn ipv6_is_cidr(mask: u128) -> bool {
    let x = !mask;
    x & x.wrapping_add(1) == 0
}

/// Appends an IPv6 address and, unless `mask` is all ones, `/N` or `/mask` (Open vSwitch's
/// `ipv6_format_masked`).
pub fn format_ipv6_masked(v: u128, mask: u128, out: &mut String) {
    format_ipv6(v, out);
    if mask != u128::MAX {
        out.push('/');
        if ipv6_is_cidr(mask) {
            numfmt::dec(out, u64::from(mask.leading_ones()));
        } else {
            format_ipv6(mask, out);
        }
    }
}

/// Appends a packet type as Open vSwitch's `format_packet_type_masked` does: `eth` for
/// Ethernet, otherwise `packet_type=(ns,ns_type)`.
pub fn format_packet_type(value: u32, mask: u32, out: &mut String) {
    if value == 0 && mask == u32::MAX {
        out.push_str("eth");
        return;
    }
    out.push_str("packet_type=(");
    put_u16_masked((value >> 16) as u16, (mask >> 16) as u16, out);
    out.push(',');
    put_u16_masked(value as u16, mask as u16, out);
    out.push(')');
}

fn put_u16_masked(v: u16, m: u16, out: &mut String) {
    if m == 0 {
        out.push('*');
        return;
    }
    if v > 9 {
        let _ = write!(out, "{v:#x}");
    } else {
        let _ = write!(out, "{v}");
    }
    if m != u16::MAX {
        let _ = write!(out, "/{m:#x}");
    }
}

/// Connection tracking state flag names by bit (`new`, `est`, ... `dnat`).
pub fn ct_state_name(bit: u32) -> Option<&'static str> {
    Some(match bit {
        0x01 => "new",
        0x02 => "est",
        0x04 => "rel",
        0x08 => "rpl",
        0x10 => "inv",
        0x20 => "trk",
        0x40 => "snat",
        0x80 => "dnat",
        _ => return None,
    })
}

/// The connection tracking state bit named `name` (the inverse of [`ct_state_name`]).
fn ct_state_bit(name: &str) -> Option<u32> {
    Some(match name {
        "new" => 0x01,
        "est" => 0x02,
        "rel" => 0x04,
        "rpl" => 0x08,
        "inv" => 0x10,
        "trk" => 0x20,
        "snat" => 0x40,
        "dnat" => 0x80,
        _ => return None,
    })
}

/// The lowest bit that `name_of` names `name`.
fn bit_named(name_of: fn(u32) -> Option<&'static str>, name: &str) -> Option<u32> {
    (0..32)
        .map(|i| 1u32 << i)
        .find(|&bit| name_of(bit) == Some(name))
}

/// TCP flag names by bit (`fin` ... `ns`, and `[200]`, `[400]`, `[800]`).
pub fn tcp_flag_name(bit: u32) -> Option<&'static str> {
    Some(match bit {
        0x001 => "fin",
        0x002 => "syn",
        0x004 => "rst",
        0x008 => "psh",
        0x010 => "ack",
        0x020 => "urg",
        0x040 => "ece",
        0x080 => "cwr",
        0x100 => "ns",
        0x200 => "[200]",
        0x400 => "[400]",
        0x800 => "[800]",
        _ => return None,
    })
}

/// Tunnel flag names by bit (`oam`, and the internal `df`, `csum`, `key`).
pub fn tun_flag_name(bit: u32) -> Option<&'static str> {
    Some(match bit {
        0x1 => "oam",
        0x2 => "df",
        0x4 => "csum",
        0x8 => "key",
        _ => return None,
    })
}

#[cfg(test)]
#[test]
fn ct_state_bits_invert_names() {
    for i in 0..32 {
        let bit = 1u32 << i;
        if let Some(n) = ct_state_name(bit) {
            assert_eq!(ct_state_bit(n), Some(bit));
            assert!(!n.contains(['+', '-']));
        }
        for n in [tcp_flag_name(bit), tun_flag_name(bit)]
            .into_iter()
            .flatten()
        {
            assert!(!n.contains(['+', '-']));
        }
    }
    assert_eq!(ct_state_bit("trk+"), None);
}

/// The connection tracking states Open vSwitch supports.
pub const CT_STATE_SUPPORTED: u32 = 0xff;
/// The tunnel flags a match may test (`oam`).
pub const TUN_FLAGS_PUBLIC: u32 = 0x1;
/// Every tunnel flag Open vSwitch prints (`oam`, `df`, `csum`, `key`).
pub const TUN_FLAGS_ALL: u32 = 0xf;

/// Appends `flags` as `name|name` (unknown bits as one trailing hex number; `0` for none),
/// as Open vSwitch's `format_flags` does.
pub fn format_flags(name_of: fn(u32) -> Option<&'static str>, flags: u32, out: &mut String) {
    if flags == 0 {
        out.push('0');
        return;
    }
    let mut bad = 0;
    let mut first = true;
    let mut f = flags;
    while f != 0 {
        let bit = f & f.wrapping_neg();
        match name_of(bit) {
            Some(n) => {
                if !first {
                    out.push('|');
                }
                out.push_str(n);
                first = false;
            }
            None => bad |= bit,
        }
        f &= !bit;
    }
    if bad != 0 {
        if !first {
            out.push('|');
        }
        let _ = write!(out, "{bad:#x}");
    }
}

/// Appends `flags` under `mask` as Open vSwitch's `format_flags_masked` does: plain
/// `format_flags` when `mask == max_mask`, `0/0` for no mask, otherwise `+name-name` for
/// each masked bit from the lowest.
pub fn format_flags_masked(
    name_of: fn(u32) -> Option<&'static str>,
    flags: u32,
    mask: u32,
    max_mask: u32,
    out: &mut String,
) {
    if mask == max_mask {
        format_flags(name_of, flags, out);
        return;
    }
    if mask == 0 {
        out.push_str("0/0");
        return;
    }
    let mut m = mask;
    while m != 0 {
        let bit = m & m.wrapping_neg();
        out.push(if flags & bit != 0 { '+' } else { '-' });
        out.push_str(name_of(bit).unwrap_or("[Unknown]"));
        m &= !bit;
    }
}

/// [`format_flags_masked`] of `ct_state` ([`ct_state_name`], `max_mask` 0xff), as the
/// match printer uses it: each flag's name is a literal here, copied in place, where the
/// general function calls `name_of` and copies a name of unknown length.
pub(crate) fn format_ct_state_masked(flags: u32, mask: u32, out: &mut String) {
    if mask == 0xff || mask == 0 || mask & !0xff != 0 {
        format_flags_masked(ct_state_name, flags, mask, 0xff, out);
        return;
    }
    let mut m = mask;
    while m != 0 {
        let bit = m & m.wrapping_neg();
        out.push(if flags & bit != 0 { '+' } else { '-' });
        match bit {
            0x01 => out.push_str("new"),
            0x02 => out.push_str("est"),
            0x04 => out.push_str("rel"),
            0x08 => out.push_str("rpl"),
            0x10 => out.push_str("inv"),
            0x20 => out.push_str("trk"),
            0x40 => out.push_str("snat"),
            _ => out.push_str("dnat"),
        }
        m &= !bit;
    }
}

struct Frag {
    name: &'static str,
    mask: u8,
    value: u8,
}

/// The bits of `ip_frag` that mean something (`any` and `later`).
pub const FRAG_MASK: u8 = 3;

const FRAGS: [Frag; 7] = [
    Frag {
        name: "no",
        mask: 3,
        value: 0,
    },
    Frag {
        name: "first",
        mask: 3,
        value: 1,
    },
    Frag {
        name: "later",
        mask: 3,
        value: 3,
    },
    Frag {
        name: "no",
        mask: 1,
        value: 0,
    },
    Frag {
        name: "yes",
        mask: 1,
        value: 1,
    },
    Frag {
        name: "not_later",
        mask: 2,
        value: 0,
    },
    Frag {
        name: "later",
        mask: 2,
        value: 2,
    },
];

// ---------------------------------------------------------------------------------------
// Parsing.

/// Parses `s` as a value of `field` as ovs-ofctl does (Open vSwitch's `mf_parse`): `*`
/// (wildcard: value and mask zero), `value`, `value/mask`, CIDR prefixes, port names,
/// flag syntaxes. Returns the value and the mask, `None` when the mask is all ones (exact).
/// Values and masks are not ANDed together.
pub fn parse_value(field: Field, s: &str) -> Result<(u128, Option<u128>)> {
    parse_value_at(field, s, 1)
}

/// [`parse_value`], naming `column` as the position of `s` in errors.
pub fn parse_value_at(field: Field, s: &str, column: usize) -> Result<(u128, Option<u128>)> {
    let err = |reason: String| Error::parse(s, column, reason);
    let n = value_bytes(field);
    if s == "*" {
        return Ok((0, Some(0)));
    }
    let info = field.info();
    let (value, mask) = match info.format {
        Format::Decimal | Format::Hexadecimal => parse_integer_masked(field, s).map_err(err)?,
        Format::CtState => parse_flags(
            s,
            ct_state_name,
            ct_state_bit,
            "ct_state",
            CT_STATE_SUPPORTED,
        )
        .map_err(err)?,
        Format::TunnelFlags => parse_flags(
            s,
            tun_flag_name,
            |t| bit_named(tun_flag_name, t),
            "tunnel",
            TUN_FLAGS_PUBLIC,
        )
        .map_err(err)?,
        Format::TcpFlags => parse_flags(
            s,
            tcp_flag_name,
            |t| bit_named(tcp_flag_name, t),
            "TCP",
            0x0fff,
        )
        .map_err(err)?,
        Format::Ethernet => parse_eth_masked(s)
            .map(|(v, m)| (u128::from(v), u128::from(m)))
            .ok_or_else(|| err(format!("{s}: invalid Ethernet address")))?,
        Format::Ipv4 => {
            let (v, m) = parse_ipv4_masked(s).map_err(err)?;
            (u128::from(v), u128::from(m))
        }
        Format::Ipv6 => parse_ipv6_masked(s).map_err(err)?,
        Format::OfpPort => match parse_port(s) {
            Some(p) => (u128::from(p), ones(n)),
            None => {
                return Err(err(format!(
                    "{s}: invalid or unknown port for {}",
                    info.name
                )));
            }
        },
        Format::OfpPortOxm => match parse_port(s) {
            Some(p) => (u128::from(port_to_ofp11(p)), ones(n)),
            None => {
                return Err(err(format!(
                    "{s}: port value out of range for {}",
                    info.name
                )));
            }
        },
        Format::Frag => match FRAGS.iter().find(|f| s.eq_ignore_ascii_case(f.name)) {
            Some(f) => (u128::from(f.value), u128::from(f.mask | !FRAG_MASK)),
            None => {
                return Err(err(format!(
                    "{s}: unknown fragment type (valid types are \"no\", \"yes\", \"first\", \"later\", \"not_later\""
                )));
            }
        },
        Format::PacketType => (u128::from(parse_packet_type(s).map_err(err)?), ones(n)),
    };
    let mask = mask & ones(n);
    if !info.maskable && mask != 0 && mask != ones(n) {
        return Err(err(format!("{s}: invalid mask for field {}", info.name)));
    }
    Ok((value & ones(n), (mask != ones(n)).then_some(mask)))
}

/// [`parse_value`] for the usual spellings of the usual formats, in one pass over the
/// bytes: integers in decimal without a leading zero or in `0x` hex (with an optional mask
/// in the same forms), dotted quads with an optional `/N` prefix or `/a.b.c.d` netmask, and
/// `ct_state` flags in the `+a-b` form. Returns the value and mask (all ones over the field
/// when no mask is given), both cut to the field's width, exactly as [`parse_value`] would
/// return them; `None` means "ask [`parse_value`]" (another spelling, or an error to
/// report), never that the text is invalid. Masks are not checked against the field's
/// maskability.
#[inline]
pub(crate) fn parse_value_fast(field: Field, s: &str) -> Option<(u128, u128)> {
    let info = field.info();
    let n = usize::from(info.bytes);
    if n > MAX_VALUE_BYTES {
        return None;
    }
    let full = ones(n);
    let b = s.as_bytes();
    let (v, m) = match info.format {
        Format::Decimal | Format::Hexadecimal => {
            let (v, i) = int_fast(b, n)?.ok()?;
            match b.get(i..)? {
                [] => (u128::from(v), full),
                [b'/', mask @ ..] => match int_fast(mask, n)? {
                    Ok((m, j)) if j == mask.len() => (u128::from(v), u128::from(m)),
                    _ => return None,
                },
                _ => return None,
            }
        }
        Format::Ipv4 => {
            let (ip, i) = dotted_quad(b)?;
            match b.get(i..)? {
                [] => (u128::from(ip), u128::from(u32::MAX)),
                [b'/', rest @ ..] => {
                    let mask = match dotted_quad(rest) {
                        Some((m, j)) if j == rest.len() => m,
                        Some(_) => return None,
                        None => match *rest {
                            [d @ b'0'..=b'9'] => prefix_mask32(u32::from(d - b'0')),
                            [d @ b'1'..=b'3', e @ b'0'..=b'9'] => {
                                let p = u32::from(d - b'0') * 10 + u32::from(e - b'0');
                                if p > 32 {
                                    return None;
                                }
                                prefix_mask32(p)
                            }
                            _ => return None,
                        },
                    };
                    (u128::from(ip), u128::from(mask))
                }
                _ => return None,
            }
        }
        Format::CtState => {
            let (v, m) = ct_state_signed(b)?;
            (u128::from(v), u128::from(m))
        }
        _ => return None,
    };
    Some((v & full, m & full))
}

/// Whether a value of a key-value list that reaches `b[i]` ends there: at a separator or
/// at the end of the text (see [`crate::text`]).
#[inline(always)]
fn ends_at(b: &[u8], i: usize) -> bool {
    b.get(i).is_none_or(|&c| crate::text::is_sep(c))
}

/// [`parse_value_fast`] of the value that starts at `b[start]` in a key-value list after
/// `=` or `:` (it runs to the next separator or the end of `b`; see [`crate::text`]), read
/// in the one pass that also finds where it ends: its value and mask as
/// [`parse_value_fast`] returns them, and the index of its end. `None` when
/// [`parse_value_fast`] says `None` for the value, or when the value is not wholly of
/// the usual syntax (a `(`, white space inside hex digits...): then the caller finds the
/// value's end the general way and asks [`parse_value`].
///
/// Every byte the usual spellings consume (digits, `x`, `.`, `/`, signs, flag names) is
/// neither a separator nor a `(`, so a value read up to a separator is exactly the value
/// the tokenizer finds; and the parsers below read the bytes after the value's end only
/// to stop at them, as they stop at the end of the value alone.
#[inline(always)]
pub(crate) fn parse_value_fast_at(
    field: Field,
    b: &[u8],
    start: usize,
) -> Option<(u128, u128, usize)> {
    let info = field.info();
    let n = usize::from(info.bytes);
    if n > MAX_VALUE_BYTES {
        return None;
    }
    let full = ones(n);
    let s = b.get(start..)?;
    let (v, m, len) = match info.format {
        Format::Decimal | Format::Hexadecimal => {
            let (v, i) = int_fast(s, n)?.ok()?;
            match s.get(i) {
                Some(b'/') => {
                    let ms = s.get(i + 1..)?;
                    let (m, j) = int_fast(ms, n)?.ok()?;
                    if !ends_at(ms, j) {
                        return None;
                    }
                    (u128::from(v), u128::from(m), i + 1 + j)
                }
                _ if ends_at(s, i) => (u128::from(v), full, i),
                _ => return None,
            }
        }
        Format::Ipv4 => {
            let (v, m, len) = ipv4_value_at(s)?;
            (u128::from(v), u128::from(m), len)
        }
        Format::CtState => {
            let (v, m, len) = ct_state_signed_at(s)?;
            (u128::from(v), u128::from(m), len)
        }
        _ => return None,
    };
    Some((v & full, m & full, start + len))
}

/// [`parse_value_fast_at`] of an integer field of `n` bytes, at most 8, with the value at
/// the start of `s`: value, mask (`u64::MAX` when none is given) and the value's length,
/// neither cut to the field's width.
#[inline(always)]
pub(crate) fn int_value_at(s: &[u8], n: usize) -> Option<(u64, u64, usize)> {
    let (v, i) = int_fast(s, n)?.ok()?;
    match s.get(i) {
        Some(b'/') => {
            let ms = s.get(i + 1..)?;
            let (m, j) = int_fast(ms, n)?.ok()?;
            ends_at(ms, j).then_some((v, m, i + 1 + j))
        }
        _ if ends_at(s, i) => Some((v, u64::MAX, i)),
        _ => None,
    }
}

/// [`parse_value_fast_at`] of an IPv4 field with the value at the start of `s`: address,
/// mask and the value's length.
#[inline(always)]
pub(crate) fn ipv4_value_at(s: &[u8]) -> Option<(u32, u32, usize)> {
    let (ip, i) = dotted_quad(s)?;
    match s.get(i) {
        Some(b'/') => {
            let rest = s.get(i + 1..)?;
            let (mask, j) = match dotted_quad(rest) {
                Some((m, j)) if ends_at(rest, j) => (m, j),
                Some(_) => return None,
                None => match *rest {
                    [d @ b'0'..=b'9', ..] if ends_at(rest, 1) => {
                        (prefix_mask32(u32::from(d - b'0')), 1)
                    }
                    [d @ b'1'..=b'3', e @ b'0'..=b'9', ..] if ends_at(rest, 2) => {
                        let p = u32::from(d - b'0') * 10 + u32::from(e - b'0');
                        if p > 32 {
                            return None;
                        }
                        (prefix_mask32(p), 2)
                    }
                    _ => return None,
                },
            };
            Some((ip, mask, i + 1 + j))
        }
        _ if ends_at(s, i) => Some((ip, u32::MAX, i)),
        _ => None,
    }
}

/// [`parse_value_fast_at`] of `ct_state` with the value at the start of `s`: flags, mask
/// and the value's length.
#[inline(always)]
pub(crate) fn ct_state_value_at(s: &[u8]) -> Option<(u32, u32, usize)> {
    ct_state_signed_at(s)
}

/// [`ct_state_signed`] of the value at the start of `b` (up to a separator or the end):
/// flags, mask and the value's length.
#[inline]
fn ct_state_signed_at(b: &[u8]) -> Option<(u32, u32, usize)> {
    if ends_at(b, 0) {
        return None;
    }
    let (mut flags, mut mask) = (0u32, 0u32);
    let mut i = 0;
    loop {
        // The name after the sign is told by the (up to) four bytes that follow the sign,
        // read as one word: a three-letter name by its three bytes, `snat` and `dnat` by
        // all four (no three-letter name starts either). As in `ct_state_signed`, a name
        // matches when the text starts with it; what follows it is tested next. (A flag
        // name holds no separator byte, so a match cannot run past the value.)
        let w = match b.get(i + 1..i + 5) {
            Some(&[c0, c1, c2, c3]) => u32::from_le_bytes([c0, c1, c2, c3]),
            _ => {
                let tail = b.get(i + 1..).unwrap_or(&[]);
                tail.iter()
                    .take(4)
                    .rev()
                    .fold(0u32, |w, &c| w << 8 | u32::from(c))
            }
        };
        let name3 = |s: &[u8; 3]| u32::from_le_bytes([s[0], s[1], s[2], 0]);
        let name4 = |s: &[u8; 4]| u32::from_le_bytes(*s);
        let (bit, n) = match w & 0x00ff_ffff {
            x if x == name3(b"new") => (0x01, 3),
            x if x == name3(b"est") => (0x02, 3),
            x if x == name3(b"rel") => (0x04, 3),
            x if x == name3(b"rpl") => (0x08, 3),
            x if x == name3(b"inv") => (0x10, 3),
            x if x == name3(b"trk") => (0x20, 3),
            _ if w == name4(b"snat") => (0x40, 4),
            _ if w == name4(b"dnat") => (0x80, 4),
            _ => return None,
        };
        let after = i + 1 + n;
        let end = ends_at(b, after);
        if !(end || matches!(b.get(after), Some(b'+' | b'-'))) || mask & bit != 0 {
            return None;
        }
        mask |= bit;
        match b.get(i) {
            Some(b'+') => flags |= bit,
            Some(b'-') => {}
            _ => return None,
        }
        i = after;
        if end {
            return Some((flags, mask, i));
        }
    }
}

/// [`scan_ipv4`] on bytes: the address and the length of its text.
#[inline(always)]
fn dotted_quad(b: &[u8]) -> Option<(u32, usize)> {
    let mut i = 0;
    let mut v = 0u32;
    for k in 0..4 {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut octet = 0u32;
        while let Some(&c) = b.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 || i - start == 3 {
                break;
            }
            octet = octet * 10 + u32::from(d);
            i += 1;
        }
        if i == start || octet > 255 {
            return None;
        }
        v = v << 8 | octet;
    }
    Some((v, i))
}

/// `ct_state` flags in the `+name-name` form, each flag named once: flags and mask (what
/// [`parse_flags`] returns for them); `None` for anything else.
#[inline]
fn ct_state_signed(b: &[u8]) -> Option<(u32, u32)> {
    // (A `/`, which would make `parse_flags` try numbers first, is in some name and fails
    // it.)
    if b.is_empty() {
        return None;
    }
    let (mut flags, mut mask) = (0u32, 0u32);
    let mut rest = b;
    while let [sign, tail @ ..] = rest {
        // A name runs to the next sign or the end: it is a flag's exactly when the text
        // starts with that flag followed by a sign or the end (no name holds a sign), told
        // by a decision on its bytes rather than by finding its end and comparing.
        let (bit, n) = match tail {
            [b'n', b'e', b'w', ..] => (0x01, 3),
            [b'e', b's', b't', ..] => (0x02, 3),
            [b'r', b'e', b'l', ..] => (0x04, 3),
            [b'r', b'p', b'l', ..] => (0x08, 3),
            [b'i', b'n', b'v', ..] => (0x10, 3),
            [b't', b'r', b'k', ..] => (0x20, 3),
            [b's', b'n', b'a', b't', ..] => (0x40, 4),
            [b'd', b'n', b'a', b't', ..] => (0x80, 4),
            _ => return None,
        };
        if !matches!(tail.get(n), None | Some(b'+' | b'-')) || mask & bit != 0 {
            return None;
        }
        mask |= bit;
        match sign {
            b'+' => flags |= bit,
            b'-' => {}
            _ => return None,
        }
        rest = tail.get(n..)?;
    }
    Some((flags, mask))
}

/// Parses an integer as Open vSwitch's `parse_int_string`: `0x` hex of any length (spaces
/// between digits allowed, leading zeros free) up to `width` bytes, or a C `strtoull`
/// base-0 number (decimal, or octal with a leading `0`) up to 64 bits. Returns the value
/// and the unparsed rest; `Err(true)` when the value is too large, `Err(false)` on bad
/// syntax.
pub fn parse_int_prefix(s: &str, width: usize) -> std::result::Result<(u128, &str), bool> {
    let b = s.as_bytes();
    if let Some(r) = int_fast(b, width) {
        return r.map(|(v, i)| (u128::from(v), s.get(i..).unwrap_or("")));
    }
    if b.len() >= 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') {
        let mut i = 2;
        let mut v: u128 = 0;
        let mut digits = 0usize;
        loop {
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                i += 1;
            }
            let Some(d) = b.get(i).and_then(|c| (*c as char).to_digit(16)) else {
                break;
            };
            if d != 0 || digits > 0 {
                digits += 1;
                if digits.div_ceil(2) > width.min(MAX_VALUE_BYTES) {
                    return Err(true);
                }
                v = v << 4 | u128::from(d);
            }
            i += 1;
        }
        return Ok((v, &s[i..]));
    }
    match c_strtoull(s) {
        None => Err(false),
        Some((None, _)) => Err(true),
        Some((Some(v), rest)) => {
            if width < 8 && v >> (8 * width) != 0 {
                Err(true)
            } else {
                Ok((u128::from(v), rest))
            }
        }
    }
}

/// The value of each byte as a hex digit, 16 for a byte that is not one.
static HEX_VALUE: [u8; 256] = {
    let mut t = [16u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The value of a hex digit (one table load rather than three range tests).
#[inline]
pub(crate) fn hex_digit(c: u8) -> Option<u8> {
    let d = HEX_VALUE[usize::from(c)];
    (d < 16).then_some(d)
}

/// The decimal digits at the start of `b` (at most 19, so that they fit a `u64`) as a value,
/// and how many there are; `None` past 19 digits. Callers check what may lead (no `0`).
#[inline(always)]
pub(crate) fn dec_u64(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i == 19 {
            return None;
        }
        v = v * 10 + u64::from(d);
        i += 1;
    }
    Some((v, i))
}

/// [`parse_int_prefix`] for the usual forms, a decimal number without leading zero (at
/// most 19 digits) or `0x` with at most 16 significant hex digits and no white space:
/// the value and the end of the digits. `None` when the general parser must decide.
#[inline(always)]
fn int_fast(b: &[u8], width: usize) -> Option<std::result::Result<(u64, usize), bool>> {
    match b {
        [b'1'..=b'9', ..] => {
            let (v, i) = dec_u64(b)?;
            Some(if width < 8 && v >> (8 * width) != 0 {
                Err(true)
            } else {
                Ok((v, i))
            })
        }
        [b'0', b'x' | b'X', ..] => {
            // Leading zeros are free; then at most 16 significant digits (the bits shifted
            // out of more are lost, but then the general parser decides).
            let mut i = 2;
            while b.get(i) == Some(&b'0') {
                i += 1;
            }
            let first = i;
            let mut v = 0u64;
            while let Some(d) = b.get(i).and_then(|&c| hex_digit(c)) {
                v = v << 4 | u64::from(d);
                i += 1;
            }
            let sig = i - first;
            if sig > 16 {
                return None;
            }
            if b.get(i)
                .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
            {
                return None;
            }
            Some(if sig.div_ceil(2) > width.min(MAX_VALUE_BYTES) {
                Err(true)
            } else {
                Ok((v, i))
            })
        }
        _ => None,
    }
}

/// Parses the whole of `s` as an integer of `width` bytes (see [`parse_int_prefix`]).
pub fn parse_int(s: &str, width: usize) -> Option<u128> {
    match parse_int_prefix(s, width) {
        Ok((v, "")) => Some(v),
        _ => None,
    }
}

fn parse_integer_masked(field: Field, s: &str) -> std::result::Result<(u128, u128), String> {
    let n = field.bytes();
    let name = field.name();
    let fail = |range: bool, what: &str| {
        if range {
            format!("{s}: {what} too large for {n}-byte field {name}")
        } else {
            format!("{s}: bad syntax for {name} {what}")
        }
    };
    let (v, rest) = parse_int_prefix(s, n).map_err(|r| fail(r, "value"))?;
    if rest.is_empty() {
        return Ok((v, ones(value_bytes(field))));
    }
    let Some(m) = rest.strip_prefix('/') else {
        return Err(fail(false, "value"));
    };
    match parse_int_prefix(m, n) {
        Ok((m, "")) => Ok((v, m)),
        Ok(_) => Err(fail(false, "mask")),
        Err(r) => Err(fail(r, "mask")),
    }
}

/// C `strtoull(s, &end, 0)`: leading white space, a sign, `0x` hex, `0` octal or decimal.
/// `None` when no digits; `Some((None, _))` on overflow. A minus sign negates modulo 2^64.
fn c_strtoull(s: &str) -> Option<(Option<u64>, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let mut base = 10;
    if b.len() > i + 2
        && b[i] == b'0'
        && (b[i + 1] | 0x20) == b'x'
        && (b[i + 2] as char).is_ascii_hexdigit()
    {
        base = 16;
        i += 2;
    } else if i < b.len() && b[i] == b'0' {
        base = 8;
    }
    let start = i;
    let mut v: u64 = 0;
    let mut overflow = false;
    while let Some(d) = b.get(i).and_then(|c| (*c as char).to_digit(base)) {
        match v
            .checked_mul(u64::from(base))
            .and_then(|x| x.checked_add(u64::from(d)))
        {
            Some(x) => v = x,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return None;
    }
    if overflow {
        return Some((None, &s[i..]));
    }
    Some((Some(if neg { v.wrapping_neg() } else { v }), &s[i..]))
}

/// C `strtoll(s, &end, base)`, as a wide integer (no overflow handling needed for the
/// ranges callers check). `None` when no digits.
fn c_strtoll(s: &str, base: u32) -> Option<(i128, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: i128 = 0;
    while let Some(d) = b.get(i).and_then(|c| (*c as char).to_digit(base)) {
        v = (v * i128::from(base) + i128::from(d)).min(i128::from(u64::MAX) + 1);
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if neg { -v } else { v }, &s[i..]))
}

/// Parses flags as Open vSwitch's `parse_flags` (with a mask allowed): `N/M` numbers,
/// `+name-name` (masked), or `name|name|N` (exact). Returns value and mask.
fn parse_flags(
    s: &str,
    name_of: impl Fn(u32) -> Option<&'static str>,
    bit_of: impl Fn(&str) -> Option<u32>,
    field_name: &str,
    allowed: u32,
) -> std::result::Result<(u128, u128), String> {
    let unknown = || format!("{s}: unknown {field_name} flag(s)");
    // Numeric `value/mask`.
    if let Some(slash) = crate::text::find_byte(s.as_bytes(), b'/')
        && let (Some(v), Some(m)) = (
            s.get(..slash).and_then(scan_i32),
            s.get(slash + 1..).and_then(scan_i32),
        )
    {
        if v & !allowed != 0 || m & !allowed != 0 {
            return Err(unknown());
        }
        return Ok((u128::from(v), u128::from(m)));
    }
    let b = s.as_bytes();
    if b.first().is_some_and(|c| *c == b'+' || *c == b'-') {
        let (mut flags, mut mask) = (0u32, 0u32);
        let mut rest = s;
        while !rest.is_empty() {
            let set = match rest.as_bytes()[0] {
                b'+' => true,
                b'-' => false,
                _ => {
                    return Err(format!(
                        "{rest}: {field_name} must be preceded by '+' (for SET) or '-' (NOT SET)"
                    ));
                }
            };
            rest = &rest[1..];
            // No flag name holds a sign, so a name is followed by the next sign or the end
            // exactly when it is the whole text up to there.
            let end = rest
                .bytes()
                .position(|c| c == b'+' || c == b'-')
                .unwrap_or(rest.len());
            let token = rest.get(..end).unwrap_or("");
            let found = bit_of(token).map(|bit| (bit, end));
            let Some((bit, len)) = found else {
                return Err(unknown());
            };
            if mask & bit != 0 {
                return Err(format!(
                    "{rest}: Each {field_name} flag can be specified only once"
                ));
            }
            if bit & allowed == 0 {
                return Err(unknown());
            }
            if set {
                flags |= bit;
            }
            mask |= bit;
            rest = &rest[len..];
        }
        return Ok((u128::from(flags), u128::from(mask)));
    }
    let mut result = 0u32;
    let mut rest = s;
    while !rest.is_empty() {
        if let Some((v, after)) = scan_lli(rest) {
            if v & !u64::from(allowed) != 0 {
                return Err(unknown());
            }
            result |= v as u32;
            rest = after.strip_prefix('|').unwrap_or(after);
            continue;
        }
        let mut found = None;
        for i in 0..32 {
            let bit = 1u32 << i;
            let Some(name) = name_of(bit) else { continue };
            if let Some(after) = rest.strip_prefix(name)
                && (after.is_empty() || after.starts_with('|'))
            {
                found = Some((bit, after));
                break;
            }
        }
        let Some((bit, after)) = found else {
            return Err(unknown());
        };
        if bit & allowed == 0 {
            return Err(unknown());
        }
        result |= bit;
        rest = after.strip_prefix('|').unwrap_or(after);
    }
    Ok((u128::from(result), u128::from(u32::MAX)))
}

/// `%i` into an `int32_t` over the whole string.
fn scan_i32(s: &str) -> Option<u32> {
    let (v, rest) = scan_lli(s)?;
    rest.is_empty().then_some(v as u32)
}

/// `%lli`: optional space and sign, `0x` hex, `0` octal or decimal; value modulo 2^64.
fn scan_lli(s: &str) -> Option<(u64, &str)> {
    match c_strtoull(s)? {
        (Some(v), rest) => Some((v, rest)),
        (None, rest) => Some((u64::MAX, rest)),
    }
}

/// Parses an Ethernet address, optionally with `/mask`.
pub fn parse_eth_masked(s: &str) -> Option<(u64, u64)> {
    let (v, rest) = scan_eth(s)?;
    if rest.is_empty() {
        return Some((v, ones(6) as u64));
    }
    let (m, rest) = scan_eth(rest.strip_prefix('/')?)?;
    rest.is_empty().then_some((v, m))
}

/// Parses an Ethernet address (six hex octets separated by `:`) at the start of `s`.
pub fn scan_eth(s: &str) -> Option<(u64, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut v = 0u64;
    for k in 0..6 {
        if k > 0 {
            if b.get(i) != Some(&b':') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut octet = 0u64;
        while i < b.len() && i - start < 2 && b[i].is_ascii_hexdigit() {
            octet = octet << 4 | u64::from((b[i] as char).to_digit(16).unwrap_or(0));
            i += 1;
        }
        if i == start {
            return None;
        }
        v = v << 8 | octet;
    }
    Some((v, &s[i..]))
}

/// Parses a dotted-quad IPv4 address at the start of `s`.
pub fn scan_ipv4(s: &str) -> Option<(u32, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut v = 0u32;
    for k in 0..4 {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut octet = 0u32;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 3 {
            octet = octet * 10 + u32::from(b[i] - b'0');
            i += 1;
        }
        if i == start || octet > 255 {
            return None;
        }
        v = v << 8 | octet;
    }
    Some((v, &s[i..]))
}

/// Parses an IPv4 address with an optional `/a.b.c.d` netmask or `/N` prefix length
/// (Open vSwitch's `ip_parse_masked`). Returns address and mask.
pub fn parse_ipv4_masked(s: &str) -> std::result::Result<(u32, u32), String> {
    let invalid = || format!("{s}: invalid IP address");
    let (ip, rest) = scan_ipv4(s).ok_or_else(invalid)?;
    if rest.is_empty() {
        return Ok((ip, u32::MAX));
    }
    let Some(m) = rest.strip_prefix('/') else {
        return Err(invalid());
    };
    if let Some((mask, after)) = scan_ipv4(m) {
        return if after.is_empty() {
            Ok((ip, mask))
        } else {
            Err(invalid())
        };
    }
    match c_strtoll(m, 10) {
        Some((p, "")) => {
            if !(0..=32).contains(&p) {
                Err(format!(
                    "{s}: IPv4 network prefix bits not between 0 and 32, inclusive"
                ))
            } else {
                Ok((ip, prefix_mask32(p as u32)))
            }
        }
        _ => Err(invalid()),
    }
}

/// A mask of `n` leading one bits out of 32.
pub fn prefix_mask32(n: u32) -> u32 {
    if n == 0 {
        0
    } else {
        u32::MAX << (32 - n.min(32))
    }
}

/// A mask of `n` leading one bits out of 128.
pub fn prefix_mask128(n: u32) -> u128 {
    if n == 0 {
        0
    } else {
        u128::MAX << (128 - n.min(128))
    }
}

fn scan_ipv6_chars(s: &str) -> (&str, &str) {
    let end = s
        .bytes()
        .position(|c| !(c.is_ascii_hexdigit() || c == b':' || c == b'.'))
        .unwrap_or(s.len())
        .min(46);
    s.split_at(end)
}

/// Parses an IPv6 address as `inet_pton` does.
pub fn parse_ipv6(s: &str) -> Option<u128> {
    s.parse::<std::net::Ipv6Addr>().ok().map(u128::from)
}

/// Parses an IPv6 address with an optional `/N` prefix length or `/mask` (Open vSwitch's
/// `ipv6_parse_masked`). Returns address and mask.
pub fn parse_ipv6_masked(s: &str) -> std::result::Result<(u128, u128), String> {
    let invalid = || format!("{s}: invalid IPv6 address");
    let t = s.trim_start();
    let (addr, rest) = scan_ipv6_chars(t);
    let ip = parse_ipv6(addr).ok_or_else(invalid)?;
    let Some(m) = rest.strip_prefix('/') else {
        return if rest.is_empty() {
            Ok((ip, u128::MAX))
        } else {
            Err(invalid())
        };
    };
    if let Some((p, after)) = c_strtoll(m, 10) {
        if !(0..=128).contains(&p) {
            return Err(format!(
                "{s}: IPv6 network prefix bits not between 0 and 128, inclusive"
            ));
        }
        return if after.is_empty() {
            Ok((ip, prefix_mask128(p as u32)))
        } else {
            Err(invalid())
        };
    }
    let (maddr, after) = scan_ipv6_chars(m);
    if maddr.is_empty() {
        return Err(invalid());
    }
    let mask = parse_ipv6(maddr).ok_or_else(|| format!("{s}: Invalid IPv6 mask"))?;
    if after.is_empty() {
        Ok((ip, mask))
    } else {
        Err(invalid())
    }
}

fn parse_packet_type(s: &str) -> std::result::Result<u32, String> {
    let fail = |what: &str, at: &str| format!("{at}: bad syntax for packet type {what}");
    let Some(body) = s.strip_prefix('(') else {
        return Err(fail("missing '('", s));
    };
    let (ns, rest) = parse_int_prefix(body, 2).map_err(|_| fail("ns", body))?;
    let Some(rest) = rest.strip_prefix(',') else {
        return Err(fail("missing ','", body));
    };
    let (ty, tail) = parse_int_prefix(rest, 2).map_err(|_| fail("ns_type", rest))?;
    if tail != ")" {
        return Err(fail("missing ')'", rest));
    }
    Ok((ns as u32) << 16 | ty as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(f: Field, v: u128, m: Option<u128>) -> String {
        value_to_string(f, v, m)
    }

    #[test]
    fn ct_state_masked_as_general() {
        for mask in (0..=0x1ffu32).chain([0xffff_ffff]) {
            for flags in 0..=0xffu32 {
                let (mut a, mut b) = (String::new(), String::new());
                format_ct_state_masked(flags, mask, &mut a);
                format_flags_masked(ct_state_name, flags, mask, 0xff, &mut b);
                assert_eq!(a, b, "flags {flags:#x} mask {mask:#x}");
            }
        }
    }

    #[test]
    fn formats_like_mf_format() {
        assert_eq!(fmt(Field::TcpDst, 80, None), "80");
        assert_eq!(fmt(Field::TcpDst, 80, Some(0xfff0)), "80/0xfff0");
        assert_eq!(fmt(Field::TcpDst, 80, Some(0)), "ANY");
        assert_eq!(fmt(Field::TcpDst, 80, Some(0xffff)), "80");
        assert_eq!(fmt(Field::Reg0, 0, None), "0");
        assert_eq!(fmt(Field::Reg0, 0x102, Some(0xff0f)), "0x102/0xff0f");
        assert_eq!(fmt(Field::InPort, 0xfffe, None), "LOCAL");
        assert_eq!(fmt(Field::InPort, 5, None), "5");
        assert_eq!(fmt(Field::InPortOxm, 0xfffffffd, None), "CONTROLLER");
        assert_eq!(fmt(Field::InPortOxm, 0xff01, None), "ANY");
        assert_eq!(
            fmt(Field::EthSrc, 0x0011_2233_4455, None),
            "00:11:22:33:44:55"
        );
        assert_eq!(
            fmt(Field::EthDst, 0x0100_0000_0000, Some(0x0100_0000_0000)),
            "01:00:00:00:00:00/01:00:00:00:00:00"
        );
        assert_eq!(
            fmt(Field::IpSrc, 0x0a00_0000, Some(0xff00_0000)),
            "10.0.0.0/8"
        );
        assert_eq!(
            fmt(Field::IpSrc, 0x0a00_0001, Some(0xff00_00ff)),
            "10.0.0.1/255.0.0.255"
        );
        assert_eq!(fmt(Field::Ipv6Src, 1, None), "::1");
        assert_eq!(
            fmt(Field::Ipv6Src, 0xfe80 << 112, Some(prefix_mask128(64))),
            "fe80::/64"
        );
        assert_eq!(
            fmt(Field::Ipv6Src, 0xffff_0102_0304, None),
            "::ffff:1.2.3.4"
        );
        assert_eq!(fmt(Field::Ipv6Src, 0x0102_0304, None), "::1.2.3.4");
        assert_eq!(fmt(Field::Ipv6Src, 1 << 112 | 1, None), "1::1");
        assert_eq!(
            fmt(Field::Ipv6Src, (1 << 112) | (1 << 80) | 1, None),
            "1:0:1::1"
        );
        assert_eq!(fmt(Field::IpFrag, 1, Some(0xfd)), "yes");
        assert_eq!(fmt(Field::IpFrag, 3, None), "later");
        assert_eq!(fmt(Field::CtState, 0x22, Some(0x22)), "+est+trk");
        assert_eq!(fmt(Field::CtState, 0x20, Some(0x21)), "-new+trk");
        assert_eq!(fmt(Field::TcpFlags, 0x12, None), "syn|ack");
        assert_eq!(fmt(Field::TcpFlags, 0x2, Some(0x12)), "+syn-ack");
        assert_eq!(fmt(Field::TunFlags, 1, None), "oam");
        assert_eq!(
            fmt(Field::PacketType, 0x1_0800, None),
            "packet_type=(1,0x800)"
        );
        assert_eq!(fmt(Field::PacketType, 0, None), "eth");
    }

    /// The one-pass parser agrees with the general one wherever it answers.
    #[test]
    fn fast_values_are_parse_value() {
        let fields = [
            Field::Reg0,
            Field::Metadata,
            Field::TcpDst,
            Field::EthType,
            Field::CtMark,
            Field::CtZone,
            Field::IpSrc,
            Field::ArpTpa,
            Field::CtState,
            Field::NwTtl,
            Field::TunId,
            Field::CtLabel,
            Field::VlanVid,
        ];
        let alphabet = b"0123456789abcdefxX./+-/ ntrkeswlpdivABCDEF";
        let samples = [
            "0x1",
            "1",
            "0",
            "00",
            "0x",
            "0x0",
            "255",
            "256",
            "65536",
            "0xffff",
            "0x1ffff",
            "1/0",
            "0x1/0x1",
            "0x1/",
            "5/0xff00",
            "10.0.0.1",
            "10.0.0.0/8",
            "10.0.0.1/32",
            "10.0.0.1/33",
            "10.0.0.1/0",
            "10.0.0.1/255.255.0.0",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "010.1.1.1",
            "+new-est+trk",
            "+trk",
            "-new+new",
            "+snat+dnat-inv",
            "+",
            "trk",
            "+trk/0x20",
            "+new+est+rel+rpl+inv+trk+snat+dnat",
            "-snat-dnat",
            "+trkx",
            "+tr",
            "+newnew",
            "+new+",
            "+new-",
            "+new++est",
            "+new/est",
            "+dnatx+new",
            "+NEW",
            "+est+est",
            "-new+trk-new",
            "0xABC",
            "0XaBc/0xFF",
            "0x00000000000000000000ffffffffffffffff",
            "0x0000000000000000001ffffffffffffffff",
            "0x1ffffffffffffffff",
            "0xfedcba9876543210",
            "0x000",
            "0x0/0x00",
            "0x0F0/0xfF0",
            "18446744073709551615",
            "18446744073709551616",
            "0xffffffffffffffffff",
            "*",
        ];
        let mut texts: Vec<String> = samples.iter().map(|s| s.to_string()).collect();
        texts.extend(
            crate::text::random_texts(alphabet, 0x005e_ed0f_fa57, 1, 14, 20000)
                .into_iter()
                .map(|t| t.into_iter().map(char::from).collect::<String>()),
        );
        for f in fields {
            let full = ones(value_bytes(f));
            for t in &texts {
                if let Some((v, m)) = parse_value_fast(f, t) {
                    if !f.info().maskable && m != 0 && m != full {
                        // Refused by the general parser (and by the fast path's user).
                        assert!(parse_value(f, t).is_err(), "{} {t:?}", f.name());
                        continue;
                    }
                    let (gv, gm) = parse_value(f, t).unwrap_or_else(|e| {
                        panic!("{} {t:?}: fast parsed, general: {e}", f.name())
                    });
                    assert_eq!((v, m), (gv, gm.unwrap_or(full)), "{} {t:?}", f.name());
                }
            }
        }
    }

    /// The one-pass parser of a value in a key-value list agrees with the tokenizer and
    /// [`parse_value_fast`], whatever follows the value: where it takes a value, the
    /// value ends where it says (where the tokenizer ends it) and `parse_value_fast` gives
    /// the same value and mask; it declines a value `parse_value_fast` takes only when
    /// white space follows the value's hex digits.
    #[test]
    fn one_pass_values_are_parse_value_fast() {
        let alphabet = b"0123456789abcdefxX./+-/ ntrkeswlpdivABCDEF,(=:\t";
        let mut texts: Vec<String> = [
            "0x1",
            "1",
            "0",
            "80",
            "0x1/0x1",
            "10.0.0.1",
            "10.0.0.0/24",
            "10.0.0.1/255.0.0.0",
            "+new-est+trk",
            "-new+est-rpl+trk",
            "1.2.3.4/3",
            "1.2.3.4/33",
            "0x1 2",
            "5(6)",
            "+trk(",
            "+tr",
            "0x0/0x00",
            "1/0",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        texts.extend(
            crate::text::random_texts(alphabet, 0x0e_ba55, 0, 18, 30000)
                .into_iter()
                .map(|t| t.into_iter().map(char::from).collect::<String>()),
        );
        let tails = ["", ",", ",x=1", " y", "\t1", "(a,b)", "=", "/", "+trk", "5"];
        for f in crate::field::ALL {
            for (k, t) in texts.iter().enumerate() {
                let tail = tails[k % tails.len()];
                let line = format!("k={t}{tail}");
                let b = line.as_bytes();
                // The value as the tokenizer finds it.
                let end = crate::text::value_end(b, 2, b'=');
                let value = &line[2..end];
                let fast = parse_value_fast(f, value);
                match parse_value_fast_at(f, b, 2) {
                    Some((v, m, at)) => {
                        assert_eq!(at, end, "{} {line:?}", f.name());
                        assert_eq!(Some((v, m)), fast, "{} {line:?}", f.name());
                    }
                    None => {
                        // Declined: only values the one-pass parser leaves to the general
                        // path on purpose (white space right after hex digits).
                        if let Some(x) = fast {
                            let after = b.get(end).copied();
                            assert!(
                                matches!(after, Some(b' ' | b'\t' | b'\r' | b'\n')),
                                "{} {line:?}: declined {x:?}",
                                f.name()
                            );
                        }
                    }
                }
            }
        }
    }

    /// The usual spellings are all taken by the fast path (else it would be no faster).
    #[test]
    fn fast_path_takes_usual_values() {
        let ct = |s: &str| parse_value_fast(Field::CtState, s);
        assert_eq!(ct("+new-est+trk"), Some((0x21, 0x23)));
        assert_eq!(ct("-new+est-rpl+trk"), Some((0x22, 0x2b)));
        assert_eq!(ct("+new+est+rel+rpl+inv+trk+snat+dnat"), Some((0xff, 0xff)));
        assert_eq!(ct("-snat-dnat"), Some((0, 0xc0)));
        for bad in [
            "", "+", "+tr", "+trkx", "+new+", "+new/est", "trk", "+est-est", "+NEW",
        ] {
            assert_eq!(ct(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_value_fast(Field::Reg0, "0xAbC/0xFFff"),
            Some((0xabc, 0xffff))
        );
        for c in 0..=255u8 {
            assert_eq!(
                hex_digit(c),
                char::from(c).to_digit(16).map(|d| d as u8),
                "{c}"
            );
        }
    }

    #[test]
    fn parses_like_mf_parse() {
        assert_eq!(parse_value(Field::TcpDst, "80").unwrap(), (80, None));
        assert_eq!(
            parse_value(Field::TcpDst, "0x50/0xfff0").unwrap(),
            (80, Some(0xfff0))
        );
        assert_eq!(parse_value(Field::TcpDst, "010").unwrap(), (8, None));
        assert_eq!(parse_value(Field::TcpDst, "*").unwrap(), (0, Some(0)));
        assert!(parse_value(Field::TcpDst, "65536").is_err());
        assert!(parse_value(Field::TcpDst, "0x10000").is_err());
        assert_eq!(parse_value(Field::TcpDst, "0x0000050").unwrap(), (80, None));
        assert!(parse_value(Field::VlanPcp, "1/1").is_err());
        assert_eq!(
            parse_value(Field::Metadata, "-1").unwrap(),
            (u64::MAX as u128, None)
        );
        assert_eq!(parse_value(Field::InPort, "local").unwrap(), (0xfffe, None));
        assert_eq!(
            parse_value(Field::InPortOxm, "LOCAL").unwrap(),
            (0xfffffffe, None)
        );
        assert_eq!(
            parse_value(Field::InPort, "4294967294").unwrap(),
            (0xfffe, None)
        );
        assert!(parse_value(Field::InPort, "70000").is_err());
        assert!(parse_value(Field::InPort, "-1").is_err());
        assert_eq!(
            parse_value(Field::IpDst, "10.0.0.0/8").unwrap(),
            (0x0a00_0000, Some(0xff00_0000))
        );
        assert_eq!(
            parse_value(Field::IpDst, "10.0.0.0/255.255.0.0").unwrap(),
            (0x0a00_0000, Some(0xffff_0000))
        );
        assert!(parse_value(Field::IpDst, "10.0.0.0/33").is_err());
        assert!(parse_value(Field::IpDst, "10.0.0").is_err());
        assert_eq!(
            parse_value(Field::Ipv6Dst, "fe80::1/64").unwrap(),
            ((0xfe80 << 112) | 1, Some(prefix_mask128(64)))
        );
        assert_eq!(
            parse_value(Field::EthSrc, "0:1:2:3:4:5/ff:ff:ff:00:00:00").unwrap(),
            (0x0001_0203_0405, Some(0xffff_ff00_0000))
        );
        assert_eq!(
            parse_value(Field::CtState, "+trk-new").unwrap(),
            (0x20, Some(0x21))
        );
        assert_eq!(
            parse_value(Field::CtState, "trk|est").unwrap(),
            (0x22, None)
        );
        assert_eq!(
            parse_value(Field::CtState, "0x20/0x20").unwrap(),
            (0x20, Some(0x20))
        );
        assert!(parse_value(Field::CtState, "+trk+trk").is_err());
        assert!(parse_value(Field::CtState, "+bogus").is_err());
        assert_eq!(
            parse_value(Field::TcpFlags, "+syn-ack").unwrap(),
            (2, Some(0x12))
        );
        assert!(parse_value(Field::TunFlags, "+df").is_err());
        assert_eq!(parse_value(Field::IpFrag, "yes").unwrap(), (1, Some(0xfd)));
        assert_eq!(parse_value(Field::IpFrag, "NO").unwrap(), (0, None));
        assert_eq!(
            parse_value(Field::PacketType, "(1,0x800)").unwrap(),
            (0x1_0800, None)
        );
        assert_eq!(
            parse_value(Field::TunMetadata3, "0x0102030405060708090a0b0c0d0e0f10").unwrap(),
            (0x0102030405060708090a0b0c0d0e0f10, None)
        );
        assert!(parse_value(Field::TunMetadata3, "0x0102030405060708090a0b0c0d0e0f1011").is_err());
    }
}
