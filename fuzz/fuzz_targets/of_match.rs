//! Matches: decoding an `ofp_match` or a bare NXM/OXM field list never panics, and whatever
//! decodes encodes and decodes to the same match, re-encoding byte-identically.
//!
//! One lossy step is allowed for `vlan_tci`, as in Open vSwitch: some NXM `vlan_tci` matches
//! (CFI clear with VID or PCP bits set; exact `0x0000`) change once they go through OXM
//! (`vlan_vid` + `vlan_pcp`). From the second encoding on, everything must be exact.
//!
//! The first byte picks the version (bits 0-1: OpenFlow 1.3, 1.4, 1.5) and the form (bit 2:
//! `ofp_match` with its header and padding, or a bare field list); the rest is the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openflow::Version;
use openflow::field::Field;
use openflow::matching::Match;
use openflow::wire::{Reader, Writer};

/// Encodes as an `ofp_match` and decodes again, checking the framing.
fn ofp_match_round(m: &Match, version: Version) -> Option<(Vec<u8>, Match)> {
    let mut w = Writer::new();
    m.encode(&mut w, version).ok()?;
    let bytes = w.into_vec();
    assert_eq!(bytes.len() % 8, 0, "ofp_match not padded to 8 bytes");
    let mut r = Reader::new(&bytes, "again");
    let back = Match::decode(&mut r, version)
        .unwrap_or_else(|e| panic!("our ofp_match for {m:?} does not decode: {e}"));
    assert!(r.is_empty(), "ofp_match decode left bytes");
    Some((bytes, back))
}

/// Whether `m` matches `vlan_tci`, which OXM (`vlan_vid` + `vlan_pcp`) cannot always carry
/// exactly: a VLAN TCI with CFI clear but other bits set, or exact `0x0000` (which comes back
/// as `0x0000/0x1fff`), change once, as in Open vSwitch.
fn lossy_vlan(m: &Match) -> bool {
    m.get(Field::VlanTci).is_some()
}

fn round_trip(m: &Match, version: Version) {
    // As an ofp_match: m -> b1 -> m2 -> b2 -> m3; b1 == b2 and m == m2 unless lossy.
    if let Some((b1, m2)) = ofp_match_round(m, version) {
        if !lossy_vlan(m) {
            assert_eq!(&m2, m, "decode(encode(m)) != m");
        }
        let (b2, m3) = ofp_match_round(&m2, version).expect("a decoded match re-encodes");
        assert_eq!(m3, m2, "not stable after one normalisation");
        if !lossy_vlan(m) {
            assert_eq!(b2, b1, "ofp_match not byte-identical");
        }
    }
    // As a bare OXM list and as NXM.
    let mut w = Writer::new();
    if let Ok(n) = m.encode_fields(&mut w, version) {
        let mut r = Reader::new(w.as_slice(), "again");
        let back = Match::decode_fields(&mut r, n)
            .unwrap_or_else(|e| panic!("our OXM fields for {m:?} do not decode: {e}"));
        if !lossy_vlan(m) {
            assert_eq!(&back, m, "decode_fields(encode_fields(m)) != m");
        }
    }
    let mut w = Writer::new();
    if let Ok(n) = m.encode_nxm(&mut w) {
        let mut r = Reader::new(w.as_slice(), "again");
        let back = Match::decode_fields(&mut r, n)
            .unwrap_or_else(|e| panic!("our NXM fields for {m:?} do not decode: {e}"));
        assert_eq!(&back, m, "decode_fields(encode_nxm(m)) != m");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let version = Version::ALL[usize::from(sel & 3) % 3];
    let mut r = Reader::new(body, "fuzz");
    let decoded = if sel & 4 == 0 {
        Match::decode(&mut r, version)
    } else {
        Match::decode_fields(&mut r, body.len())
    };
    if let Ok(m) = decoded {
        // Printing never panics either.
        let _ = m.to_text();
        round_trip(&m, version);
    }
});
