//! The few messages the connection layer builds and reads itself, as bytes: hello with its
//! version bitmap, echo, error, barrier, multipart flags, and bundle control/add (OpenFlow
//! 1.4+ and the ONF extension for 1.3).

use bytes::Bytes;

use super::Frame;
use crate::ErrorKind;
use crate::error::{Error, Result};
use crate::version::{Version, VersionSet};

/// Bytes in an OpenFlow header.
pub const HEADER_LEN: usize = 8;
/// `OFPT_HELLO`.
pub const OFPT_HELLO: u8 = 0;
/// `OFPT_ERROR`.
pub const OFPT_ERROR: u8 = 1;
/// `OFPT_ECHO_REQUEST`.
pub const OFPT_ECHO_REQUEST: u8 = 2;
/// `OFPT_ECHO_REPLY`.
pub const OFPT_ECHO_REPLY: u8 = 3;
/// `OFPT_EXPERIMENTER`.
pub const OFPT_EXPERIMENTER: u8 = 4;
/// `OFPT_MULTIPART_REPLY`.
pub const OFPT_MULTIPART_REPLY: u8 = 19;
/// `OFPT_BARRIER_REQUEST`.
pub const OFPT_BARRIER_REQUEST: u8 = 20;
/// `OFPT_BUNDLE_CONTROL` (OpenFlow 1.4+).
pub const OFPT_BUNDLE_CONTROL: u8 = 33;
/// `OFPT_BUNDLE_ADD_MESSAGE` (OpenFlow 1.4+).
pub const OFPT_BUNDLE_ADD_MESSAGE: u8 = 34;
/// The ONF experimenter id (bundles under OpenFlow 1.3).
pub const ONF_EXPERIMENTER: u32 = 0x4f4e_4600;
/// `ONFT_BUNDLE_CONTROL`.
pub const ONFT_BUNDLE_CONTROL: u32 = 2300;
/// `ONFT_BUNDLE_ADD_MESSAGE`.
pub const ONFT_BUNDLE_ADD_MESSAGE: u32 = 2301;
/// Bundle control type `OFPBCT_OPEN_REQUEST`.
pub const BUNDLE_OPEN_REQUEST: u16 = 0;
/// Bundle control type `OFPBCT_COMMIT_REQUEST`.
pub const BUNDLE_COMMIT_REQUEST: u16 = 4;
/// Bundle control type `OFPBCT_DISCARD_REQUEST`.
pub const BUNDLE_DISCARD_REQUEST: u16 = 6;
/// Bundle flag `OFPBF_ATOMIC`.
pub const BUNDLE_ATOMIC: u16 = 1;
/// Bundle flag `OFPBF_ORDERED`.
pub const BUNDLE_ORDERED: u16 = 2;

fn header(out: &mut Vec<u8>, version: u8, msg_type: u8, len: usize, xid: u32) {
    out.push(version);
    out.push(msg_type);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&xid.to_be_bytes());
}

/// A hello with header version `version` and a version-bitmap element for `versions`.
pub fn hello(version: u8, versions: VersionSet, xid: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    header(&mut out, version, OFPT_HELLO, 16, xid);
    // OFPHET_VERSIONBITMAP: type 1, length 8 (4 + one 32-bit bitmap).
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&8u16.to_be_bytes());
    out.extend_from_slice(&versions.0.to_be_bytes());
    out
}

/// The version bitmap of a hello, if it carries one. Elements are checked for length; the
/// bitmap's first 32 bits are used (versions above 31 do not exist).
pub fn hello_bitmap(frame: &Frame) -> Result<Option<VersionSet>> {
    let mut r = crate::wire::Reader::new(frame.body(), "hello element");
    while r.remaining() >= 4 {
        let t = r.u16()?;
        let len = r.u16()? as usize;
        if len < 4 {
            return Err(r.error(format_args!("element length {len} is less than 4")));
        }
        let mut body = r.sub(len - 4, "hello element")?;
        let pad = len.next_multiple_of(8) - len;
        r.skip(pad.min(r.remaining()))?;
        if t == 1 {
            let bits = body.u32()?;
            return Ok(Some(VersionSet(bits)));
        }
    }
    Ok(None)
}

/// An error message of `type_`/`code` carrying `data`.
pub fn error(version: u8, xid: u32, type_: u16, code: u16, data: &[u8]) -> Vec<u8> {
    let len = HEADER_LEN + 4 + data.len();
    let mut out = Vec::with_capacity(len);
    header(&mut out, version, OFPT_ERROR, len, xid);
    out.extend_from_slice(&type_.to_be_bytes());
    out.extend_from_slice(&code.to_be_bytes());
    out.extend_from_slice(data);
    out
}

/// The kind and data of an error message (`None` for other messages or a short body).
pub fn parse_error(frame: &Frame) -> Option<(ErrorKind, Vec<u8>)> {
    if frame.msg_type() != OFPT_ERROR {
        return None;
    }
    let b = frame.body();
    let type_ = u16::from_be_bytes([*b.first()?, *b.get(1)?]);
    if type_ == 0xffff {
        let code = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
        let exp = u32::from_be_bytes([*b.get(4)?, *b.get(5)?, *b.get(6)?, *b.get(7)?]);
        return Some((
            ErrorKind {
                type_,
                code,
                experimenter: Some(exp),
            },
            b[8..].to_vec(),
        ));
    }
    let code = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
    Some((
        ErrorKind {
            type_,
            code,
            experimenter: None,
        },
        b[4..].to_vec(),
    ))
}

/// An echo request with no data.
pub fn echo_request(version: Version, xid: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    header(&mut out, version.wire(), OFPT_ECHO_REQUEST, HEADER_LEN, xid);
    out
}

/// The echo reply to `request` (same version, xid and data).
pub fn echo_reply(request: &Frame) -> Bytes {
    let mut out = request.bytes().to_vec();
    out[1] = OFPT_ECHO_REPLY;
    Bytes::from(out)
}

/// A barrier request.
pub fn barrier_request(version: Version, xid: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    header(
        &mut out,
        version.wire(),
        OFPT_BARRIER_REQUEST,
        HEADER_LEN,
        xid,
    );
    out
}

/// Whether `frame` is a multipart reply with more parts to come (`OFPMPF_REPLY_MORE`).
pub fn is_multipart_more(frame: &Frame) -> bool {
    frame.msg_type() == OFPT_MULTIPART_REPLY
        && frame.body().get(3).is_some_and(|flags| flags & 1 != 0)
}

/// A bundle control message (`OFPT_BUNDLE_CONTROL`, or the ONF experimenter message under
/// OpenFlow 1.3).
pub fn bundle_control(
    version: Version,
    xid: u32,
    bundle_id: u32,
    ctrl: u16,
    flags: u16,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    let onf = version == Version::Of13;
    let len = if onf { 24 } else { 16 };
    header(
        &mut out,
        version.wire(),
        if onf {
            OFPT_EXPERIMENTER
        } else {
            OFPT_BUNDLE_CONTROL
        },
        len,
        xid,
    );
    if onf {
        out.extend_from_slice(&ONF_EXPERIMENTER.to_be_bytes());
        out.extend_from_slice(&ONFT_BUNDLE_CONTROL.to_be_bytes());
    }
    out.extend_from_slice(&bundle_id.to_be_bytes());
    out.extend_from_slice(&ctrl.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out
}

/// Appends a bundle add message carrying `inner` (a whole message, whose xid the add takes,
/// as Open vSwitch requires) to `out`.
pub fn bundle_add(
    version: Version,
    bundle_id: u32,
    flags: u16,
    inner: &[u8],
    out: &mut Vec<u8>,
) -> Result<()> {
    if inner.len() < HEADER_LEN {
        return Err(Error::encode(
            "bundle add",
            "inner message shorter than a header",
        ));
    }
    let xid = u32::from_be_bytes([inner[4], inner[5], inner[6], inner[7]]);
    let start = out.len();
    bundle_add_head(version, bundle_id, flags, xid, out);
    out.extend_from_slice(inner);
    finish_bundle_add(out, start).inspect_err(|_| out.truncate(start))
}

/// Appends the head of a bundle add message with transaction id `xid` (that of the message
/// it will carry), its length left for [`finish_bundle_add`] to fill in once the inner
/// message follows it.
#[inline]
pub fn bundle_add_head(version: Version, bundle_id: u32, flags: u16, xid: u32, out: &mut Vec<u8>) {
    // Gathered and written at once (one bundle add per flow of a large bundle).
    let mut b = [0u8; 24];
    b[0] = version.wire();
    b[4..8].copy_from_slice(&xid.to_be_bytes());
    let rest = if version == Version::Of13 {
        b[1] = OFPT_EXPERIMENTER;
        b[8..12].copy_from_slice(&ONF_EXPERIMENTER.to_be_bytes());
        b[12..16].copy_from_slice(&ONFT_BUNDLE_ADD_MESSAGE.to_be_bytes());
        16
    } else {
        b[1] = OFPT_BUNDLE_ADD_MESSAGE;
        8
    };
    b[rest..rest + 4].copy_from_slice(&bundle_id.to_be_bytes());
    b[rest + 6..rest + 8].copy_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&b[..rest + 8]);
}

/// Sets the length of the bundle add message that starts at `start` of `out` and runs to its
/// end; errors when it exceeds 65,535 bytes.
#[inline]
pub fn finish_bundle_add(out: &mut [u8], start: usize) -> Result<()> {
    let len = out.len().saturating_sub(start);
    if len > crate::wire::MAX_MESSAGE_LEN {
        return Err(Error::encode(
            "bundle add",
            format_args!("{len} bytes exceed the 65,535-byte message limit"),
        ));
    }
    if let Some(field) = out.get_mut(start + 2..start + 4) {
        field.copy_from_slice(&(len as u16).to_be_bytes());
    }
    Ok(())
}
