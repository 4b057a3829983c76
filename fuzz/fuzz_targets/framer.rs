//! The framer must never panic, whatever the bytes and however they are cut, and every frame
//! it returns must be a prefix-free piece of the input starting with '{' and ending with '}'.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use ovsdb_client::framing::Framer;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, data)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let mut framer = Framer::new(4096);
    let mut buf = BytesMut::new();
    let mut total = 0usize;
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match framer.next_frame(&mut buf) {
                Ok(Some(frame)) => {
                    assert_eq!(frame.first(), Some(&b'{'));
                    assert_eq!(frame.last(), Some(&b'}'));
                    assert!(frame.len() <= 4096);
                    total += frame.len();
                    assert!(total <= data.len());
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
