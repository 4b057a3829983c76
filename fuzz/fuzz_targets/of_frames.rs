//! Stream framing: whatever the bytes and however the stream is cut into reads, splitting
//! with `frame_len` (as the connection's reader does) never panics, yields the same frames
//! as splitting the whole stream at once, and every frame is a whole message whose header
//! length is its size. Each frame is then decoded (never panicking).
//!
//! The first byte is the read size (0 meaning 1).
#![no_main]

use bytes::{Buf, BytesMut};
use libfuzzer_sys::fuzz_target;
use openflow::message::{Message, frame_len};

/// Takes whole frames off the front of `buf`, as the connection's `split_frame` does.
/// `Err` once the stream is corrupt (a header shorter than itself).
fn split(buf: &mut BytesMut, out: &mut Vec<Vec<u8>>) -> Result<(), ()> {
    loop {
        match frame_len(buf) {
            Ok(None) => {
                assert!(buf.len() < 8, "no frame length with a whole header");
                return Ok(());
            }
            Ok(Some(n)) => {
                assert!(n >= 8, "frame shorter than the header");
                assert_eq!(n, usize::from(u16::from_be_bytes([buf[2], buf[3]])));
                if buf.len() < n {
                    return Ok(());
                }
                out.push(buf[..n].to_vec());
                buf.advance(n);
            }
            Err(_) => return Err(()),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);

    let mut whole = Vec::new();
    let mut buf = BytesMut::from(stream);
    let whole_ok = split(&mut buf, &mut whole);
    let whole_rest = buf.len();

    let mut pieces = Vec::new();
    let mut buf = BytesMut::new();
    let mut ok = Ok(());
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        ok = split(&mut buf, &mut pieces);
        if ok.is_err() {
            break;
        }
    }
    assert_eq!(
        ok, whole_ok,
        "chunking changed whether the stream is corrupt"
    );
    assert_eq!(pieces, whole, "chunking changed the frames");
    if whole_ok.is_ok() {
        assert_eq!(buf.len(), whole_rest, "chunking changed what is left over");
        let total: usize = whole.iter().map(Vec::len).sum();
        assert_eq!(total + whole_rest, stream.len(), "bytes lost or duplicated");
    }
    for f in &whole {
        if let Ok((version, xid, msg)) = Message::decode(f) {
            let _ = msg.name();
            let _ = msg.encode(version, xid);
        }
    }
});
