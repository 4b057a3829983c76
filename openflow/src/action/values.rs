//! Field values in text, as `set_field` and `learn` write them. A stand-in for
//! `field::value` (being written on another branch) covering the common formats.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};
use crate::field::{Field, Format};

use super::port::OfpPort;

/// `ds_put_hex`: `0x` and the bytes without leading zero bytes (`0` for zero).
pub(crate) fn put_hex_bytes(out: &mut String, bytes: &[u8]) {
    use std::fmt::Write;
    let mut printed = false;
    for &b in bytes {
        if b != 0 || printed {
            if printed {
                let _ = write!(out, "{b:02x}");
            } else {
                let _ = write!(out, "0x{b:x}");
            }
            printed = true;
        }
    }
    if !printed {
        out.push('0');
    }
}

pub(crate) fn put_hex_value(out: &mut String, v: u128, n_bytes: usize) {
    let b = v.to_be_bytes();
    put_hex_bytes(out, &b[16 - n_bytes.min(16)..]);
}

fn put_mac(out: &mut String, v: u128) {
    use std::fmt::Write;
    let b = v.to_be_bytes();
    let m = &b[10..16];
    let _ = write!(
        out,
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    );
}

/// Writes `value` (and `mask`, unless it is all ones over the field's bytes) as ovs-ofctl's
/// `mf_format` does.
pub(crate) fn format_value(field: Field, value: u128, mask: Option<u128>, out: &mut String) {
    use std::fmt::Write;
    let n = field.bytes().min(16);
    let full = super::bytes_mask(field);
    let mask = mask.filter(|m| *m != full);
    if mask == Some(0) {
        out.push_str("ANY");
        return;
    }
    match field.info().format {
        Format::Decimal if mask.is_none() && n <= 8 => {
            let _ = write!(out, "{value}");
        }
        Format::OfpPort if mask.is_none() => {
            let _ = write!(out, "{}", OfpPort(value as u16));
        }
        Format::OfpPortOxm if mask.is_none() => match OfpPort::from_ofp11(value as u32) {
            Some(p) => {
                let _ = write!(out, "{p}");
            }
            None => {
                let _ = write!(out, "{}", value as u32);
            }
        },
        Format::Ethernet => {
            put_mac(out, value);
            if let Some(m) = mask {
                out.push('/');
                put_mac(out, m);
            }
            return;
        }
        Format::Ipv4 => {
            let _ = write!(out, "{}", Ipv4Addr::from(value as u32));
            if let Some(m) = mask {
                let m = m as u32;
                if m.leading_ones() + m.trailing_zeros() == 32 {
                    let _ = write!(out, "/{}", m.leading_ones());
                } else {
                    let _ = write!(out, "/{}", Ipv4Addr::from(m));
                }
            }
            return;
        }
        Format::Ipv6 => {
            let _ = write!(out, "{}", Ipv6Addr::from(value));
            if let Some(m) = mask {
                if m.leading_ones() + m.trailing_zeros() == 128 {
                    let _ = write!(out, "/{}", m.leading_ones());
                } else {
                    let _ = write!(out, "/{}", Ipv6Addr::from(m));
                }
            }
            return;
        }
        _ => put_hex_value(out, value, n),
    }
    if let Some(m) = mask {
        out.push('/');
        put_hex_value(out, m, n);
    }
}

/// Parses a C-style unsigned integer (`0x` hex, leading `0` octal, else decimal).
pub(crate) fn parse_c_u128(s: &str) -> Option<u128> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let h = h.trim_start_matches('0');
        if h.len() > 32 {
            return None;
        }
        return if h.is_empty() {
            Some(0)
        } else {
            u128::from_str_radix(h, 16).ok()
        };
    }
    if s.len() > 1 && s.starts_with('0') {
        if !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return None;
        }
        return u128::from_str_radix(&s[1..], 8).ok();
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_mac(s: &str) -> Option<u128> {
    let mut v: u128 = 0;
    let mut n = 0;
    for part in s.split(':') {
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        v = v << 8 | u128::from(u8::from_str_radix(part, 16).ok()?);
        n += 1;
    }
    (n == 6).then_some(v)
}

fn parse_one(field: Field, s: &str) -> Option<u128> {
    match field.info().format {
        Format::Ethernet => parse_mac(s),
        Format::Ipv4 => s.parse::<Ipv4Addr>().ok().map(|a| u128::from(u32::from(a))),
        Format::Ipv6 => s.parse::<Ipv6Addr>().ok().map(u128::from),
        Format::OfpPort => OfpPort::try_parse(s).map(|p| u128::from(p.0)),
        Format::OfpPortOxm => OfpPort::try_parse(s).map(|p| u128::from(p.to_ofp11())),
        _ => parse_c_u128(s),
    }
}

/// Parses `VALUE[/MASK]` for `field`.
pub(crate) fn parse_value(field: Field, s: &str) -> Result<(u128, Option<u128>)> {
    let bad = || {
        Error::parse(
            s,
            1,
            format_args!("invalid value for field {}", field.name()),
        )
    };
    let (v, m) = match s.split_once('/') {
        Some((v, m)) => (v, Some(m)),
        None => (s, None),
    };
    let value = parse_one(field, v).ok_or_else(bad)?;
    let full = super::bytes_mask(field);
    if value & !full != 0 {
        return Err(bad());
    }
    let mask = match m {
        None => None,
        Some(m) => {
            let mv = match field.info().format {
                Format::Ipv4 if m.bytes().all(|b| b.is_ascii_digit()) => {
                    let p: u32 = m.parse().map_err(|_| bad())?;
                    if p > 32 {
                        return Err(bad());
                    }
                    u128::from(if p == 0 { 0 } else { u32::MAX << (32 - p) })
                }
                Format::Ipv6 if m.bytes().all(|b| b.is_ascii_digit()) => {
                    let p: u32 = m.parse().map_err(|_| bad())?;
                    if p > 128 {
                        return Err(bad());
                    }
                    if p == 0 { 0 } else { u128::MAX << (128 - p) }
                }
                _ => parse_one(field, m).ok_or_else(bad)?,
            };
            Some(mv & full)
        }
    };
    Ok((value, mask))
}
