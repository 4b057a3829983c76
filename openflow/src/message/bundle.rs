//! Bundles: `OFPT_BUNDLE_CONTROL` and `OFPT_BUNDLE_ADD_MESSAGE` (OpenFlow 1.4+), and their
//! ONF experimenter forms for OpenFlow 1.3 (`ONFT_BUNDLE_CONTROL` 2300,
//! `ONFT_BUNDLE_ADD_MESSAGE` 2301), which have the same body.

use super::{HEADER_LEN, Header, Message, Property, decode_body, read_props, write_props};
use crate::error::{Error, Result};
use crate::version::Version;
use crate::wire::{Reader, Writer};

/// `OFPT_BUNDLE_CONTROL`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BundleControl {
    /// The bundle.
    pub bundle_id: u32,
    /// `OFPBCT_*`: 0 open request, 1 open reply, 2 close request, 3 close reply, 4 commit
    /// request, 5 commit reply, 6 discard request, 7 discard reply.
    pub type_: u16,
    /// `OFPBF_*`: 1 atomic, 2 ordered (4 time, OpenFlow 1.5).
    pub flags: u16,
    /// Properties (experimenter, or OpenFlow 1.5's time property).
    pub properties: Vec<Property>,
}

impl BundleControl {
    /// `OFPBCT_OPEN_REQUEST`.
    pub const OPEN_REQUEST: u16 = 0;
    /// `OFPBCT_OPEN_REPLY`.
    pub const OPEN_REPLY: u16 = 1;
    /// `OFPBCT_CLOSE_REQUEST`.
    pub const CLOSE_REQUEST: u16 = 2;
    /// `OFPBCT_CLOSE_REPLY`.
    pub const CLOSE_REPLY: u16 = 3;
    /// `OFPBCT_COMMIT_REQUEST`.
    pub const COMMIT_REQUEST: u16 = 4;
    /// `OFPBCT_COMMIT_REPLY`.
    pub const COMMIT_REPLY: u16 = 5;
    /// `OFPBCT_DISCARD_REQUEST`.
    pub const DISCARD_REQUEST: u16 = 6;
    /// `OFPBCT_DISCARD_REPLY`.
    pub const DISCARD_REPLY: u16 = 7;
    /// `OFPBF_ATOMIC`.
    pub const ATOMIC: u16 = 1;
    /// `OFPBF_ORDERED`.
    pub const ORDERED: u16 = 2;

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<BundleControl> {
        let bundle_id = r.u32()?;
        let type_ = r.u16()?;
        let flags = r.u16()?;
        let properties = read_props(r, "bundle property")?;
        Ok(BundleControl {
            bundle_id,
            type_,
            flags,
            properties,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        w.u32(self.bundle_id);
        w.u16(self.type_);
        w.u16(self.flags);
        write_props(w, &self.properties, "bundle property")
    }
}

/// The message inside a bundle add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleInner {
    /// A message that decoded. It is encoded with the bundle add's version and xid.
    Message(Box<Message>),
    /// A message that did not decode, kept whole (header included). Encoding checks that its
    /// header's version, length and xid agree with the bundle add.
    Raw(Vec<u8>),
}

/// `OFPT_BUNDLE_ADD_MESSAGE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleAdd {
    /// The bundle.
    pub bundle_id: u32,
    /// `OFPBF_*` flags (as in the bundle's open request).
    pub flags: u16,
    /// The message to add (its xid is the bundle add's).
    pub message: BundleInner,
    /// Properties.
    pub properties: Vec<Property>,
}

impl BundleAdd {
    /// A bundle add of `message` to bundle `bundle_id`.
    pub fn new(bundle_id: u32, flags: u16, message: Message) -> BundleAdd {
        BundleAdd {
            bundle_id,
            flags,
            message: BundleInner::Message(Box::new(message)),
            properties: Vec::new(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, v: Version, xid: u32) -> Result<BundleAdd> {
        let bundle_id = r.u32()?;
        r.skip(2)?;
        let flags = r.u16()?;
        if r.remaining() < HEADER_LEN {
            return Err(r.error(format_args!(
                "{} bytes left are too short for the inner message's header",
                r.remaining()
            )));
        }
        let h = Header::decode(r.rest())?;
        let len = h.length as usize;
        if len < HEADER_LEN || len > r.remaining() {
            return Err(r.error(format_args!(
                "inner message length {len} is shorter than its header or overruns the \
                 bundle add ({} bytes left)",
                r.remaining()
            )));
        }
        if h.version != v.wire() {
            return Err(r.error(format_args!(
                "inner message version {:#04x} differs from the bundle add's {:#04x}",
                h.version,
                v.wire()
            )));
        }
        if h.xid != xid {
            return Err(r.error(format_args!(
                "inner message xid {:#x} differs from the bundle add's xid {xid:#x}",
                h.xid
            )));
        }
        let mut inner = r.sub(len, "bundled message")?;
        let bytes = inner.rest();
        inner.skip(HEADER_LEN)?;
        let message = match decode_body(v, h.type_, h.xid, inner, false) {
            Ok(m) => BundleInner::Message(Box::new(m)),
            Err(_) => BundleInner::Raw(bytes.to_vec()),
        };
        let properties = if r.is_empty() {
            Vec::new()
        } else {
            // Padding to 8 bytes, then the properties.
            let pad = len.next_multiple_of(8) - len;
            if r.remaining() < pad || r.rest().iter().take(pad).any(|&b| b != 0) {
                return Err(r.error("bad padding between the bundled message and properties"));
            }
            r.skip(pad)?;
            read_props(r, "bundle property")?
        };
        Ok(BundleAdd {
            bundle_id,
            flags,
            message,
            properties,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version, xid: u32) -> Result<()> {
        w.u32(self.bundle_id);
        w.u16(0);
        w.u16(self.flags);
        let start = w.len();
        match &self.message {
            BundleInner::Message(m) => {
                if matches!(**m, Message::BundleAdd(_) | Message::BundleControl(_)) {
                    return Err(Error::encode(
                        "OFPT_BUNDLE_ADD_MESSAGE",
                        "a bundle message cannot be nested in a bundle add",
                    ));
                }
                m.encode_into(v, xid, w)?;
            }
            BundleInner::Raw(b) => {
                let h = Header::decode(b).map_err(|_| {
                    Error::encode(
                        "OFPT_BUNDLE_ADD_MESSAGE",
                        "raw inner message lacks a header",
                    )
                })?;
                if h.length as usize != b.len() || h.version != v.wire() || h.xid != xid {
                    return Err(Error::encode(
                        "OFPT_BUNDLE_ADD_MESSAGE",
                        format_args!(
                            "raw inner message header (version {:#04x}, length {}, xid {:#x}) \
                             disagrees with the bundle add (version {:#04x}, {} bytes, xid \
                             {xid:#x})",
                            h.version,
                            h.length,
                            h.xid,
                            v.wire(),
                            b.len()
                        ),
                    ));
                }
                w.bytes(b);
            }
        }
        if !self.properties.is_empty() {
            w.pad_from(start, 8);
            write_props(w, &self.properties, "bundle property")?;
        }
        Ok(())
    }
}
