//! Matches: decoding an `ofp_match` or a bare NXM/OXM field list never panics, and whatever
//! decodes encodes, decodes to the same match and re-encodes byte-identically.
//!
//! The first byte picks the version (bits 0-1: OpenFlow 1.3, 1.4, 1.5) and the form (bit 2:
//! `ofp_match` with its header and padding, or a bare field list); the rest is the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openflow::Version;
use openflow::matching::Match;
use openflow::wire::{Reader, Writer};

fn round_trip(m: &Match, version: Version) {
    // As an ofp_match.
    let mut w = Writer::new();
    if m.encode(&mut w, version).is_ok() {
        let once = w.into_vec();
        assert_eq!(once.len() % 8, 0, "ofp_match not padded to 8 bytes");
        let mut r = Reader::new(&once, "again");
        let back = Match::decode(&mut r, version)
            .unwrap_or_else(|e| panic!("our ofp_match for {m:?} does not decode: {e}"));
        assert!(r.is_empty(), "ofp_match decode left bytes");
        assert_eq!(&back, m, "decode(encode(m)) != m");
        let mut w = Writer::new();
        back.encode(&mut w, version).expect("re-encode");
        assert_eq!(w.as_slice(), &once[..], "ofp_match not byte-identical");
    }
    // As a bare OXM list and as NXM.
    let mut w = Writer::new();
    if let Ok(n) = m.encode_fields(&mut w, version) {
        let mut r = Reader::new(w.as_slice(), "again");
        let back = Match::decode_fields(&mut r, n)
            .unwrap_or_else(|e| panic!("our OXM fields for {m:?} do not decode: {e}"));
        assert_eq!(&back, m, "decode_fields(encode_fields(m)) != m");
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
