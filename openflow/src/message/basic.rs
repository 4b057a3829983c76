//! Connection setup and switch configuration: hello, features, config, role, async config.

use super::{Property, next_prop, put_prop, read_props, unsupported, write_props};
use crate::error::{Error, Result};
use crate::version::{Version, VersionSet};
use crate::wire::{Reader, Writer};

/// `OFPHET_VERSIONBITMAP`.
const HELLO_VERSIONBITMAP: u16 = 1;

/// One element of a hello message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HelloElement {
    /// `OFPHET_VERSIONBITMAP`: bit `n` of word `i` stands for wire version `32 * i + n`.
    VersionBitmap(Vec<u32>),
    /// An element of another type, kept as its body (without header and padding).
    Unknown(Property),
}

/// `OFPT_HELLO`: a list of elements (possibly empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Hello {
    /// The elements, in wire order.
    pub elements: Vec<HelloElement>,
}

impl Hello {
    /// A hello announcing `versions` in a version bitmap element.
    pub fn new(versions: VersionSet) -> Hello {
        Hello {
            elements: vec![HelloElement::VersionBitmap(vec![versions.0])],
        }
    }

    /// The versions of the first version bitmap element, if there is one (versions above
    /// 31 are not representable in a [`VersionSet`] and are left out).
    pub fn versions(&self) -> Option<VersionSet> {
        self.elements.iter().find_map(|e| match e {
            HelloElement::VersionBitmap(words) => {
                Some(VersionSet(words.first().copied().unwrap_or(0)))
            }
            HelloElement::Unknown(_) => None,
        })
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Hello> {
        let mut r = r.clone().with_context("OFPT_HELLO element");
        let mut elements = Vec::new();
        while !r.is_empty() {
            let p = next_prop(&mut r, "OFPT_HELLO element")?;
            if p.type_ == HELLO_VERSIONBITMAP {
                let mut b = p.body;
                if !b.remaining().is_multiple_of(4) {
                    return Err(b.error(format_args!(
                        "version bitmap of {} bytes is not a whole number of 32-bit words",
                        b.remaining()
                    )));
                }
                let mut words = Vec::new();
                while !b.is_empty() {
                    words.push(b.u32()?);
                }
                elements.push(HelloElement::VersionBitmap(words));
            } else {
                elements.push(HelloElement::Unknown(p.to_property()));
            }
        }
        Ok(Hello { elements })
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        for e in &self.elements {
            match e {
                HelloElement::VersionBitmap(words) => {
                    put_prop(w, HELLO_VERSIONBITMAP, "hello version bitmap", |w| {
                        words.iter().for_each(|&x| w.u32(x));
                        Ok(())
                    })?
                }
                HelloElement::Unknown(p) => p.encode(w, "hello element")?,
            }
        }
        Ok(())
    }
}

/// `OFPT_FEATURES_REPLY` (OpenFlow 1.3+ layout: no port list).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FeaturesReply {
    /// The datapath id.
    pub datapath_id: u64,
    /// Packets the switch can buffer.
    pub n_buffers: u32,
    /// Number of flow tables.
    pub n_tables: u8,
    /// Auxiliary connection id (0 for the main connection).
    pub auxiliary_id: u8,
    /// `OFPC_*` capability bits.
    pub capabilities: u32,
    /// Reserved (zero).
    pub reserved: u32,
}

impl FeaturesReply {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<FeaturesReply> {
        let f = FeaturesReply {
            datapath_id: r.u64()?,
            n_buffers: r.u32()?,
            n_tables: r.u8()?,
            auxiliary_id: r.u8()?,
            capabilities: {
                r.skip(2)?;
                r.u32()?
            },
            reserved: r.u32()?,
        };
        r.finish("the features")?;
        Ok(f)
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u64(self.datapath_id);
        w.u32(self.n_buffers);
        w.u8(self.n_tables);
        w.u8(self.auxiliary_id);
        w.zeros(2);
        w.u32(self.capabilities);
        w.u32(self.reserved);
    }
}

/// The body of `OFPT_GET_CONFIG_REPLY` and `OFPT_SET_CONFIG`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SwitchConfig {
    /// `OFPC_FRAG_*` flags.
    pub flags: u16,
    /// Bytes of a packet sent to the controller on a table miss.
    pub miss_send_len: u16,
}

impl SwitchConfig {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<SwitchConfig> {
        let c = SwitchConfig {
            flags: r.u16()?,
            miss_send_len: r.u16()?,
        };
        r.finish("the switch config")?;
        Ok(c)
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u16(self.flags);
        w.u16(self.miss_send_len);
    }
}

/// The body of `OFPT_ROLE_REQUEST` and `OFPT_ROLE_REPLY`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Role {
    /// `OFPCR_ROLE_*`: 0 no change, 1 equal, 2 primary, 3 secondary.
    pub role: u32,
    /// The primary election generation id.
    pub generation_id: u64,
}

impl Role {
    /// `OFPCR_ROLE_NOCHANGE`.
    pub const NOCHANGE: u32 = 0;
    /// `OFPCR_ROLE_EQUAL`.
    pub const EQUAL: u32 = 1;
    /// `OFPCR_ROLE_MASTER` (primary).
    pub const PRIMARY: u32 = 2;
    /// `OFPCR_ROLE_SLAVE` (secondary).
    pub const SECONDARY: u32 = 3;

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Role> {
        let role = r.u32()?;
        r.skip(4)?;
        let generation_id = r.u64()?;
        r.finish("the role")?;
        Ok(Role {
            role,
            generation_id,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u32(self.role);
        w.zeros(4);
        w.u64(self.generation_id);
    }
}

/// `OFPT_ROLE_STATUS` (OpenFlow 1.4+; `ONFT_ROLE_STATUS` in OpenFlow 1.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoleStatus {
    /// The new role (`OFPCR_ROLE_*`).
    pub role: u32,
    /// `OFPCRR_*`: 0 another controller asked to be primary, 1 config, 2 experimenter.
    pub reason: u8,
    /// The primary election generation id.
    pub generation_id: u64,
    /// Properties (experimenter only).
    pub properties: Vec<Property>,
}

impl RoleStatus {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<RoleStatus> {
        let role = r.u32()?;
        let reason = r.u8()?;
        r.skip(3)?;
        let generation_id = r.u64()?;
        let properties = read_props(r, "role status property")?;
        Ok(RoleStatus {
            role,
            reason,
            generation_id,
            properties,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        w.u32(self.role);
        w.u8(self.reason);
        w.zeros(3);
        w.u64(self.generation_id);
        write_props(w, &self.properties, "role status property")
    }
}

/// The OpenFlow 1.3 async configuration: for each message, one mask of reasons for the
/// primary/equal role (index 0) and one for the secondary role (index 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AsyncMasks {
    /// Bitmasks of `OFPR_*` packet-in reasons.
    pub packet_in: [u32; 2],
    /// Bitmasks of `OFPPR_*` port status reasons.
    pub port_status: [u32; 2],
    /// Bitmasks of `OFPRR_*` flow removed reasons.
    pub flow_removed: [u32; 2],
}

/// One async config property (OpenFlow 1.4+ `OFPT_SET_ASYNC`, and `NXT_SET_ASYNC_CONFIG2`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AsyncProp {
    /// `OFPACPT_*` (0 to 11: packet-in, port status, flow removed, role status, table
    /// status, request forward; even types for the secondary role, odd for primary): a
    /// bitmask of reasons.
    Mask {
        /// The property type (below `0xfffe`).
        type_: u16,
        /// The bitmask of reasons.
        mask: u32,
    },
    /// An experimenter property (type `0xfffe` or `0xffff`) or a property whose body is not
    /// a 32-bit mask.
    Other(Property),
}

pub(crate) fn decode_async_props(r: &mut Reader<'_>) -> Result<Vec<AsyncProp>> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let mut p = next_prop(r, "async config property")?;
        if p.type_ < 0xfffe && p.body.remaining() == 4 {
            out.push(AsyncProp::Mask {
                type_: p.type_,
                mask: p.body.u32()?,
            });
        } else {
            out.push(AsyncProp::Other(p.to_property()));
        }
    }
    Ok(out)
}

pub(crate) fn encode_async_props(w: &mut Writer, props: &[AsyncProp]) -> Result<()> {
    for p in props {
        match p {
            AsyncProp::Mask { type_, mask } => {
                if *type_ >= 0xfffe {
                    return Err(Error::encode(
                        "async config property",
                        format_args!("mask property type {type_:#x} is an experimenter type"),
                    ));
                }
                put_prop(w, *type_, "async config property", |w| {
                    w.u32(*mask);
                    Ok(())
                })?;
            }
            AsyncProp::Other(p) => p.encode(w, "async config property")?,
        }
    }
    Ok(())
}

/// The body of `OFPT_GET_ASYNC_REPLY` and `OFPT_SET_ASYNC`: fixed masks in OpenFlow 1.3,
/// properties in OpenFlow 1.4+.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AsyncConfig {
    /// OpenFlow 1.3's `ofp13_async_config`.
    Masks(AsyncMasks),
    /// OpenFlow 1.4+'s property list.
    Props(Vec<AsyncProp>),
}

impl AsyncConfig {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<AsyncConfig> {
        if v == Version::Of13 {
            let m = AsyncMasks {
                packet_in: [r.u32()?, r.u32()?],
                port_status: [r.u32()?, r.u32()?],
                flow_removed: [r.u32()?, r.u32()?],
            };
            r.finish("the async config")?;
            Ok(AsyncConfig::Masks(m))
        } else {
            Ok(AsyncConfig::Props(decode_async_props(r)?))
        }
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        match (self, v) {
            (AsyncConfig::Masks(m), Version::Of13) => {
                for x in m
                    .packet_in
                    .iter()
                    .chain(&m.port_status)
                    .chain(&m.flow_removed)
                {
                    w.u32(*x);
                }
                Ok(())
            }
            (AsyncConfig::Props(p), v) if v != Version::Of13 => encode_async_props(w, p),
            (AsyncConfig::Masks(_), v) => Err(unsupported(
                "async config",
                v,
                "fixed masks do not exist (use properties)",
            )),
            (AsyncConfig::Props(_), v) => Err(unsupported(
                "async config",
                v,
                "properties do not exist (use fixed masks)",
            )),
        }
    }
}
