//! Tables: table mod and table features.

use super::{Property, get_str, next_prop, put_prop, put_str, unsupported};
use crate::error::Result;
use crate::version::Version;
use crate::wire::{Reader, Writer};

const TMPROP_EVICTION: u16 = 2;
const TMPROP_VACANCY: u16 = 3;

/// A table mod property (OpenFlow 1.4+).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TableModProp {
    /// `OFPTMPT_EVICTION`: `OFPTMPEF_*` flags.
    Eviction(u32),
    /// `OFPTMPT_VACANCY`.
    Vacancy {
        /// Vacancy threshold when space decreases (%).
        down: u8,
        /// Vacancy threshold when space increases (%).
        up: u8,
        /// Current vacancy (%), in table desc replies.
        vacancy: u8,
    },
    /// Another property (experimenter).
    Other(Property),
}

/// `OFPT_TABLE_MOD`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TableMod {
    /// The table, or `OFPTT_ALL`.
    pub table_id: u8,
    /// `OFPTC_*` config bits.
    pub config: u32,
    /// Properties (OpenFlow 1.4+; empty for OpenFlow 1.3).
    pub properties: Vec<TableModProp>,
}

impl TableMod {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<TableMod> {
        let table_id = r.u8()?;
        r.skip(3)?;
        let config = r.u32()?;
        let mut properties = Vec::new();
        if v >= Version::Of14 {
            while !r.is_empty() {
                let mut p = next_prop(r, "table mod property")?;
                let b = &mut p.body;
                match (p.type_, b.remaining()) {
                    (TMPROP_EVICTION, 4) => properties.push(TableModProp::Eviction(b.u32()?)),
                    (TMPROP_VACANCY, 4) => properties.push(TableModProp::Vacancy {
                        down: b.u8()?,
                        up: b.u8()?,
                        vacancy: b.u8()?,
                    }),
                    _ => properties.push(TableModProp::Other(p.to_property())),
                }
            }
        } else {
            r.finish("the table mod")?;
        }
        Ok(TableMod {
            table_id,
            config,
            properties,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        if v < Version::Of14 && !self.properties.is_empty() {
            return Err(unsupported(
                "OFPT_TABLE_MOD",
                v,
                "table mod properties do not exist",
            ));
        }
        w.u8(self.table_id);
        w.zeros(3);
        w.u32(self.config);
        for p in &self.properties {
            match p {
                TableModProp::Eviction(f) => put_prop(w, TMPROP_EVICTION, "eviction", |w| {
                    w.u32(*f);
                    Ok(())
                })?,
                TableModProp::Vacancy { down, up, vacancy } => {
                    put_prop(w, TMPROP_VACANCY, "vacancy", |w| {
                        w.u8(*down);
                        w.u8(*up);
                        w.u8(*vacancy);
                        w.zeros(1);
                        Ok(())
                    })?
                }
                TableModProp::Other(p) => p.encode(w, "table mod property")?,
            }
        }
        Ok(())
    }
}

/// An instruction or action id in table features: its type and, for experimenter ids,
/// the bytes after the 4-byte header (experimenter id, subtype).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct WireId {
    /// The instruction or action type.
    pub type_: u16,
    /// Bytes after the header (empty for standard ids).
    pub data: Vec<u8>,
}

/// An OXM field id in table features: its 32-bit header and, for experimenter fields
/// (class `0xffff`), the experimenter id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OxmId {
    /// The OXM/NXM header.
    pub header: u32,
    /// The experimenter id, present exactly when the class is `0xffff`.
    pub experimenter: Option<u32>,
}

/// A table features property.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TableFeatureProp {
    /// `OFPTFPT_INSTRUCTIONS` (or `_MISS`).
    Instructions {
        /// The table-miss variant.
        miss: bool,
        /// Instruction ids.
        ids: Vec<WireId>,
    },
    /// `OFPTFPT_NEXT_TABLES` (or `_MISS`).
    NextTables {
        /// The table-miss variant.
        miss: bool,
        /// Table ids.
        tables: Vec<u8>,
    },
    /// `OFPTFPT_WRITE_ACTIONS` (or `_MISS`).
    WriteActions {
        /// The table-miss variant.
        miss: bool,
        /// Action ids.
        ids: Vec<WireId>,
    },
    /// `OFPTFPT_APPLY_ACTIONS` (or `_MISS`).
    ApplyActions {
        /// The table-miss variant.
        miss: bool,
        /// Action ids.
        ids: Vec<WireId>,
    },
    /// `OFPTFPT_MATCH`: fields the table can match.
    Match(Vec<OxmId>),
    /// `OFPTFPT_WILDCARDS`: fields the table can wildcard.
    Wildcards(Vec<OxmId>),
    /// `OFPTFPT_WRITE_SETFIELD` (or `_MISS`).
    WriteSetfield {
        /// The table-miss variant.
        miss: bool,
        /// Fields.
        fields: Vec<OxmId>,
    },
    /// `OFPTFPT_APPLY_SETFIELD` (or `_MISS`).
    ApplySetfield {
        /// The table-miss variant.
        miss: bool,
        /// Fields.
        fields: Vec<OxmId>,
    },
    /// Another property (experimenter `0xfffe`/`0xffff`, OpenFlow 1.5 additions), kept
    /// as is.
    Other(Property),
}

fn read_wire_ids(r: &mut Reader<'_>) -> Result<Vec<WireId>> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let type_ = r.peek_u16(0)?;
        let len = r.peek_u16(2)? as usize;
        if len < 4 || len > r.remaining() {
            return Err(r.error(format_args!(
                "id of type {type_:#x} has length {len}, shorter than 4 or overrunning its \
                 property ({} bytes left)",
                r.remaining()
            )));
        }
        r.skip(4)?;
        out.push(WireId {
            type_,
            data: r.bytes(len - 4)?.to_vec(),
        });
    }
    Ok(out)
}

fn write_wire_ids(w: &mut Writer, ids: &[WireId]) -> Result<()> {
    for id in ids {
        let start = w.len();
        w.u16(id.type_);
        w.u16(0);
        w.bytes(&id.data);
        w.patch_len(start + 2, start, "table features id")?;
    }
    Ok(())
}

fn read_oxm_ids(r: &mut Reader<'_>) -> Result<Vec<OxmId>> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let header = r.u32()?;
        let experimenter = if header >> 16 == 0xffff {
            Some(r.u32()?)
        } else {
            None
        };
        out.push(OxmId {
            header,
            experimenter,
        });
    }
    Ok(out)
}

fn write_oxm_ids(w: &mut Writer, ids: &[OxmId]) -> Result<()> {
    for id in ids {
        if (id.header >> 16 == 0xffff) != id.experimenter.is_some() {
            return Err(crate::error::Error::encode(
                "table features OXM id",
                format_args!(
                    "header {:#x} and experimenter {:?} disagree (experimenter ids go with \
                     class 0xffff only)",
                    id.header, id.experimenter
                ),
            ));
        }
        w.u32(id.header);
        if let Some(e) = id.experimenter {
            w.u32(e);
        }
    }
    Ok(())
}

impl TableFeatureProp {
    fn decode(r: &mut Reader<'_>) -> Result<TableFeatureProp> {
        let p = next_prop(r, "table features property")?;
        let miss = p.type_ & 1 == 1;
        let mut b = p.body.clone();
        Ok(match p.type_ {
            0 | 1 => TableFeatureProp::Instructions {
                miss,
                ids: read_wire_ids(&mut b)?,
            },
            2 | 3 => TableFeatureProp::NextTables {
                miss,
                tables: b.rest().to_vec(),
            },
            4 | 5 => TableFeatureProp::WriteActions {
                miss,
                ids: read_wire_ids(&mut b)?,
            },
            6 | 7 => TableFeatureProp::ApplyActions {
                miss,
                ids: read_wire_ids(&mut b)?,
            },
            8 => TableFeatureProp::Match(read_oxm_ids(&mut b)?),
            10 => TableFeatureProp::Wildcards(read_oxm_ids(&mut b)?),
            12 | 13 => TableFeatureProp::WriteSetfield {
                miss,
                fields: read_oxm_ids(&mut b)?,
            },
            14 | 15 => TableFeatureProp::ApplySetfield {
                miss,
                fields: read_oxm_ids(&mut b)?,
            },
            _ => TableFeatureProp::Other(p.to_property()),
        })
    }

    fn encode(&self, w: &mut Writer) -> Result<()> {
        let what = "table features property";
        let m = |miss: bool, t: u16| t | u16::from(miss);
        match self {
            TableFeatureProp::Instructions { miss, ids } => {
                put_prop(w, m(*miss, 0), what, |w| write_wire_ids(w, ids))
            }
            TableFeatureProp::NextTables { miss, tables } => put_prop(w, m(*miss, 2), what, |w| {
                w.bytes(tables);
                Ok(())
            }),
            TableFeatureProp::WriteActions { miss, ids } => {
                put_prop(w, m(*miss, 4), what, |w| write_wire_ids(w, ids))
            }
            TableFeatureProp::ApplyActions { miss, ids } => {
                put_prop(w, m(*miss, 6), what, |w| write_wire_ids(w, ids))
            }
            TableFeatureProp::Match(ids) => put_prop(w, 8, what, |w| write_oxm_ids(w, ids)),
            TableFeatureProp::Wildcards(ids) => put_prop(w, 10, what, |w| write_oxm_ids(w, ids)),
            TableFeatureProp::WriteSetfield { miss, fields } => {
                put_prop(w, m(*miss, 12), what, |w| write_oxm_ids(w, fields))
            }
            TableFeatureProp::ApplySetfield { miss, fields } => {
                put_prop(w, m(*miss, 14), what, |w| write_oxm_ids(w, fields))
            }
            TableFeatureProp::Other(p) => p.encode(w, what),
        }
    }
}

/// One table's features (`OFPMP_TABLE_FEATURES` request and reply entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TableFeatures {
    /// The table.
    pub table_id: u8,
    /// The table's name (at most 32 bytes).
    pub name: String,
    /// Metadata bits the table can match.
    pub metadata_match: u64,
    /// Metadata bits the table can write.
    pub metadata_write: u64,
    /// `OFPTC_*` capability bits (`config` in OpenFlow 1.3).
    pub capabilities: u32,
    /// Maximum number of flows.
    pub max_entries: u32,
    /// The properties.
    pub properties: Vec<TableFeatureProp>,
}

impl TableFeatures {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<TableFeatures> {
        let left = r.remaining();
        let len = r.peek_u16(0)? as usize;
        if len < 64 || len > left {
            return Err(r.error(format_args!(
                "table features length {len} is shorter than 64 bytes or overruns its \
                 container ({left} bytes)"
            )));
        }
        let mut e = r.sub(len, "table features")?;
        e.skip(2)?;
        let table_id = e.u8()?;
        e.skip(5)?;
        let mut t = TableFeatures {
            table_id,
            name: get_str(&mut e, 32)?,
            metadata_match: e.u64()?,
            metadata_write: e.u64()?,
            capabilities: e.u32()?,
            max_entries: e.u32()?,
            properties: Vec::new(),
        };
        while !e.is_empty() {
            t.properties.push(TableFeatureProp::decode(&mut e)?);
        }
        Ok(t)
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        let start = w.len();
        w.u16(0);
        w.u8(self.table_id);
        w.zeros(5);
        put_str(w, &self.name, 32, "table name")?;
        w.u64(self.metadata_match);
        w.u64(self.metadata_write);
        w.u32(self.capabilities);
        w.u32(self.max_entries);
        self.properties.iter().try_for_each(|p| p.encode(w))?;
        w.patch_len(start, start, "table features")
    }
}
