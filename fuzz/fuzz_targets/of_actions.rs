//! Action and instruction lists: decoding arbitrary bytes never panics, and whatever decodes
//! re-encodes to bytes that decode and re-encode byte-identically (encode → decode → encode
//! is the identity on our own encodings).
//!
//! The first byte picks the version (bits 0-1: OpenFlow 1.3, 1.4, 1.5) and whether the rest
//! is an action list or an instruction list (bit 2); the rest is the list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openflow::Version;
use openflow::action::{decode_actions, decode_instructions, encode_actions, encode_instructions};
use openflow::wire::{Reader, Writer};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let version = Version::ALL[usize::from(sel & 3) % 3];
    if sel & 4 == 0 {
        let mut r = Reader::new(body, "fuzz");
        let Ok(acts) = decode_actions(&mut r, body.len(), version) else {
            return;
        };
        assert!(r.is_empty(), "decode_actions left bytes unread");
        let mut w = Writer::new();
        if encode_actions(&acts, &mut w, version).is_err() {
            return;
        }
        let once = w.into_vec();
        let mut r = Reader::new(&once, "again");
        let again = decode_actions(&mut r, once.len(), version)
            .unwrap_or_else(|e| panic!("our encoding of {acts:?} does not decode: {e}"));
        let mut w = Writer::new();
        encode_actions(&again, &mut w, version)
            .unwrap_or_else(|e| panic!("decoded {again:?} does not re-encode: {e}"));
        assert_eq!(
            w.as_slice(),
            &once[..],
            "encode(decode(encode(a))) != encode(a)"
        );
    } else {
        let mut r = Reader::new(body, "fuzz");
        let Ok(insts) = decode_instructions(&mut r, body.len(), version) else {
            return;
        };
        assert!(r.is_empty(), "decode_instructions left bytes unread");
        let mut w = Writer::new();
        if encode_instructions(&insts, &mut w, version).is_err() {
            return;
        }
        let once = w.into_vec();
        let mut r = Reader::new(&once, "again");
        let again = decode_instructions(&mut r, once.len(), version)
            .unwrap_or_else(|e| panic!("our encoding of {insts:?} does not decode: {e}"));
        let mut w = Writer::new();
        encode_instructions(&again, &mut w, version)
            .unwrap_or_else(|e| panic!("decoded {again:?} does not re-encode: {e}"));
        assert_eq!(
            w.as_slice(),
            &once[..],
            "encode(decode(encode(i))) != encode(i)"
        );
    }
});
