//! Groups: group mod, buckets, group desc, group stats, group features.

use super::{OFPG_ANY, OFPP_ANY, Property, next_prop, put_prop, unsupported, write_props};
use crate::action::{Action, decode_actions, encode_actions};
use crate::error::{Error, Result};
use crate::version::Version;
use crate::wire::{Reader, Writer};

const BPROP_WEIGHT: u16 = 0;
const BPROP_WATCH_PORT: u16 = 1;
const BPROP_WATCH_GROUP: u16 = 2;

/// `OFPG15_BUCKET_ALL`: the command bucket id of group mods that do not name a bucket.
pub const BUCKET_ALL: u32 = 0xffff_ffff;

/// A group bucket.
///
/// OpenFlow 1.3 and 1.4 always carry weight, watch port and watch group (decoding gives
/// `Some`; encoding `None` writes 0, `OFPP_ANY`, `OFPG_ANY`) and no bucket id (it must be
/// 0). OpenFlow 1.5 carries a bucket id, and weight, watch port and watch group as
/// optional properties.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bucket {
    /// The bucket id (OpenFlow 1.5).
    pub bucket_id: u32,
    /// Relative weight (select groups).
    pub weight: Option<u16>,
    /// Port whose liveness decides (fast failover groups).
    pub watch_port: Option<u32>,
    /// Group whose liveness decides (fast failover groups).
    pub watch_group: Option<u32>,
    /// The bucket's actions.
    pub actions: Vec<Action>,
    /// Other bucket properties (OpenFlow 1.5; experimenter).
    pub properties: Vec<Property>,
}

impl Bucket {
    fn decode(r: &mut Reader<'_>, v: Version) -> Result<Bucket> {
        let left = r.remaining();
        let len = r.peek_u16(0)? as usize;
        let fixed = if v >= Version::Of15 { 8 } else { 16 };
        if len < fixed || len > left {
            return Err(r.error(format_args!(
                "bucket length {len} is shorter than {fixed} bytes or overruns its container \
                 ({left} bytes)"
            )));
        }
        let mut b = r.sub(len, "group bucket")?;
        b.skip(2)?;
        let mut out = Bucket::default();
        if v >= Version::Of15 {
            let actions_len = b.u16()? as usize;
            out.bucket_id = b.u32()?;
            if actions_len > b.remaining() {
                return Err(b.error(format_args!(
                    "action_array_len {actions_len} overruns the bucket ({} bytes left)",
                    b.remaining()
                )));
            }
            out.actions = decode_actions(&mut b, actions_len, v)?;
            while !b.is_empty() {
                let mut p = next_prop(&mut b, "group bucket property")?;
                match p.type_ {
                    BPROP_WEIGHT => out.weight = Some(p.body.u16()?),
                    BPROP_WATCH_PORT => {
                        out.watch_port = Some(p.body.u32()?);
                        p.body.finish("the watch port")?;
                    }
                    BPROP_WATCH_GROUP => {
                        out.watch_group = Some(p.body.u32()?);
                        p.body.finish("the watch group")?;
                    }
                    _ => out.properties.push(p.to_property()),
                }
            }
        } else {
            out.weight = Some(b.u16()?);
            out.watch_port = Some(b.u32()?);
            out.watch_group = Some(b.u32()?);
            b.skip(4)?;
            let n = b.remaining();
            out.actions = decode_actions(&mut b, n, v)?;
        }
        Ok(out)
    }

    fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        let start = w.len();
        w.u16(0);
        if v >= Version::Of15 {
            w.u16(0);
            w.u32(self.bucket_id);
            let n = encode_actions(&self.actions, w, v)?;
            let n = u16::try_from(n)
                .map_err(|_| Error::encode("group bucket", "actions exceed 65,535 bytes"))?;
            w.patch_u16(start + 2, n);
            if let Some(x) = self.weight {
                put_prop(w, BPROP_WEIGHT, "bucket weight", |w| {
                    w.u16(x);
                    w.zeros(2);
                    Ok(())
                })?;
            }
            if let Some(x) = self.watch_port {
                put_prop(w, BPROP_WATCH_PORT, "bucket watch port", |w| {
                    w.u32(x);
                    Ok(())
                })?;
            }
            if let Some(x) = self.watch_group {
                put_prop(w, BPROP_WATCH_GROUP, "bucket watch group", |w| {
                    w.u32(x);
                    Ok(())
                })?;
            }
            write_props(w, &self.properties, "group bucket property")?;
        } else {
            if self.bucket_id != 0 || !self.properties.is_empty() {
                return Err(unsupported(
                    "group bucket",
                    v,
                    "bucket ids and bucket properties do not exist",
                ));
            }
            w.u16(self.weight.unwrap_or(0));
            w.u32(self.watch_port.unwrap_or(OFPP_ANY));
            w.u32(self.watch_group.unwrap_or(OFPG_ANY));
            w.zeros(4);
            encode_actions(&self.actions, w, v)?;
        }
        w.patch_len(start, start, "group bucket")
    }
}

fn decode_buckets(r: &mut Reader<'_>, len: usize, v: Version) -> Result<Vec<Bucket>> {
    if len > r.remaining() {
        return Err(r.error(format_args!(
            "bucket list length {len} overruns its container ({} bytes left)",
            r.remaining()
        )));
    }
    let mut b = r.sub(len, "group bucket list")?;
    let mut out = Vec::new();
    while !b.is_empty() {
        out.push(Bucket::decode(&mut b, v)?);
    }
    Ok(out)
}

/// Encodes buckets; returns their length.
fn encode_buckets(w: &mut Writer, buckets: &[Bucket], v: Version) -> Result<u16> {
    let start = w.len();
    buckets.iter().try_for_each(|b| b.encode(w, v))?;
    u16::try_from(w.len() - start)
        .map_err(|_| Error::encode("group bucket list", "buckets exceed 65,535 bytes"))
}

/// `OFPT_GROUP_MOD`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GroupMod {
    /// `OFPGC_*`: 0 add, 1 modify, 2 delete; OpenFlow 1.5 adds 3 insert bucket, 5 remove
    /// bucket; Open vSwitch's `0x8000` add-or-modify.
    pub command: u16,
    /// `OFPGT_*`: 0 all, 1 select, 2 indirect, 3 fast failover.
    pub type_: u8,
    /// The group.
    pub group_id: u32,
    /// The bucket an insert/remove bucket command refers to (OpenFlow 1.5; must be
    /// [`BUCKET_ALL`] for earlier versions, which is what decoding them gives).
    pub command_bucket_id: u32,
    /// The buckets.
    pub buckets: Vec<Bucket>,
    /// Group properties (OpenFlow 1.5).
    pub properties: Vec<Property>,
}

impl Default for GroupMod {
    fn default() -> GroupMod {
        GroupMod {
            command: 0,
            type_: 0,
            group_id: 0,
            command_bucket_id: BUCKET_ALL,
            buckets: Vec::new(),
            properties: Vec::new(),
        }
    }
}

impl GroupMod {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<GroupMod> {
        let command = r.u16()?;
        let type_ = r.u8()?;
        r.skip(1)?;
        let group_id = r.u32()?;
        if v >= Version::Of15 {
            let blen = r.u16()? as usize;
            r.skip(2)?;
            let command_bucket_id = r.u32()?;
            let buckets = decode_buckets(r, blen, v)?;
            let properties = super::read_props(r, "group property")?;
            Ok(GroupMod {
                command,
                type_,
                group_id,
                command_bucket_id,
                buckets,
                properties,
            })
        } else {
            let n = r.remaining();
            let buckets = decode_buckets(r, n, v)?;
            Ok(GroupMod {
                command,
                type_,
                group_id,
                command_bucket_id: BUCKET_ALL,
                buckets,
                properties: Vec::new(),
            })
        }
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        w.u16(self.command);
        w.u8(self.type_);
        w.zeros(1);
        w.u32(self.group_id);
        if v >= Version::Of15 {
            let at = w.len();
            w.u16(0);
            w.zeros(2);
            w.u32(self.command_bucket_id);
            let n = encode_buckets(w, &self.buckets, v)?;
            w.patch_u16(at, n);
            write_props(w, &self.properties, "group property")
        } else {
            if self.command_bucket_id != BUCKET_ALL || !self.properties.is_empty() {
                return Err(unsupported(
                    "OFPT_GROUP_MOD",
                    v,
                    "command bucket ids and group properties do not exist",
                ));
            }
            encode_buckets(w, &self.buckets, v)?;
            Ok(())
        }
    }
}

/// One group's description (`OFPMP_GROUP_DESC` reply entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GroupDesc {
    /// `OFPGT_*`.
    pub type_: u8,
    /// The group.
    pub group_id: u32,
    /// The buckets.
    pub buckets: Vec<Bucket>,
    /// Group properties (OpenFlow 1.5).
    pub properties: Vec<Property>,
}

impl GroupDesc {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<GroupDesc> {
        let left = r.remaining();
        let len = r.peek_u16(0)? as usize;
        let fixed = if v >= Version::Of15 { 16 } else { 8 };
        if len < fixed || len > left {
            return Err(r.error(format_args!(
                "group desc length {len} is shorter than {fixed} bytes or overruns its \
                 container ({left} bytes)"
            )));
        }
        let mut e = r.sub(len, "group desc")?;
        e.skip(2)?;
        let type_ = e.u8()?;
        e.skip(1)?;
        let group_id = e.u32()?;
        if v >= Version::Of15 {
            let blen = e.u16()? as usize;
            e.skip(6)?;
            let buckets = decode_buckets(&mut e, blen, v)?;
            let properties = super::read_props(&mut e, "group property")?;
            Ok(GroupDesc {
                type_,
                group_id,
                buckets,
                properties,
            })
        } else {
            let n = e.remaining();
            Ok(GroupDesc {
                type_,
                group_id,
                buckets: decode_buckets(&mut e, n, v)?,
                properties: Vec::new(),
            })
        }
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        let start = w.len();
        w.u16(0);
        w.u8(self.type_);
        w.zeros(1);
        w.u32(self.group_id);
        if v >= Version::Of15 {
            let at = w.len();
            w.u16(0);
            w.zeros(6);
            let n = encode_buckets(w, &self.buckets, v)?;
            w.patch_u16(at, n);
            write_props(w, &self.properties, "group property")?;
        } else {
            if !self.properties.is_empty() {
                return Err(unsupported(
                    "group desc",
                    v,
                    "group properties do not exist",
                ));
            }
            encode_buckets(w, &self.buckets, v)?;
        }
        w.patch_len(start, start, "group desc")
    }
}

/// One group's statistics (`OFPMP_GROUP` reply entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GroupStats {
    /// The group.
    pub group_id: u32,
    /// Flows and groups forwarding to it.
    pub ref_count: u32,
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Seconds the group has been alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Per bucket: (packets, bytes).
    pub buckets: Vec<(u64, u64)>,
}

impl GroupStats {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<GroupStats> {
        let left = r.remaining();
        let len = r.peek_u16(0)? as usize;
        if len < 40 || len > left || !(len - 40).is_multiple_of(16) {
            return Err(r.error(format_args!(
                "group stats length {len} is not 40 plus a multiple of 16 within its \
                 container ({left} bytes)"
            )));
        }
        let mut e = r.sub(len, "group stats")?;
        e.skip(4)?;
        let group_id = e.u32()?;
        let ref_count = e.u32()?;
        e.skip(4)?;
        let mut s = GroupStats {
            group_id,
            ref_count,
            packet_count: e.u64()?,
            byte_count: e.u64()?,
            duration_sec: e.u32()?,
            duration_nsec: e.u32()?,
            buckets: Vec::new(),
        };
        while !e.is_empty() {
            s.buckets.push((e.u64()?, e.u64()?));
        }
        Ok(s)
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        let start = w.len();
        w.u16(0);
        w.zeros(2);
        w.u32(self.group_id);
        w.u32(self.ref_count);
        w.zeros(4);
        w.u64(self.packet_count);
        w.u64(self.byte_count);
        w.u32(self.duration_sec);
        w.u32(self.duration_nsec);
        for (p, b) in &self.buckets {
            w.u64(*p);
            w.u64(*b);
        }
        w.patch_len(start, start, "group stats")
    }
}

/// The `OFPMP_GROUP_FEATURES` reply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GroupFeatures {
    /// Bitmap of supported `OFPGT_*` types.
    pub types: u32,
    /// `OFPGFC_*` capability bits.
    pub capabilities: u32,
    /// Maximum groups per type.
    pub max_groups: [u32; 4],
    /// Bitmaps of supported `OFPAT_*` actions per type.
    pub actions: [u32; 4],
}

impl GroupFeatures {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<GroupFeatures> {
        let mut g = GroupFeatures {
            types: r.u32()?,
            capabilities: r.u32()?,
            ..GroupFeatures::default()
        };
        for x in &mut g.max_groups {
            *x = r.u32()?;
        }
        for x in &mut g.actions {
            *x = r.u32()?;
        }
        Ok(g)
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u32(self.types);
        w.u32(self.capabilities);
        self.max_groups.iter().for_each(|&x| w.u32(x));
        self.actions.iter().for_each(|&x| w.u32(x));
    }
}
