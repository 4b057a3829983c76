//! Value text helpers for actions; field values themselves are `field::value`'s.

use std::fmt::Write;

pub(crate) use crate::field::value::{format_value, parse_int, parse_value};

/// `ds_put_hex` over bytes: `0x` and the bytes without leading zero bytes (`0` for
/// all zeros), the way `learn` prints immediates.
pub(crate) fn put_hex_bytes(out: &mut String, bytes: &[u8]) {
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

/// Parses a C-style unsigned integer as `strtoull(s, NULL, 0)` with full consumption
/// (`0x` hex, leading `0` octal, else decimal), up to 64 bits.
pub(crate) fn parse_c_u128(s: &str) -> Option<u128> {
    if s.starts_with("0x") || s.starts_with("0X") {
        if s.len() == 2 {
            return None;
        }
        return parse_int(s, 8);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        if !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return None;
        }
        return u64::from_str_radix(&s[1..], 8).ok().map(u128::from);
    }
    s.parse::<u64>().ok().map(u128::from)
}
