//! `OFPT_ERROR`, and the names of every OpenFlow 1.3-1.5, Nicira and ONF error (as
//! ovs-ofctl prints them; the table follows Open vSwitch 3.1's `ofp-errors.h`).

use crate::ErrorKind;
use crate::error::{Error, Result};
use crate::version::Version;
use crate::wire::{Reader, Writer};

/// `OFPET_EXPERIMENTER` (OpenFlow 1.2+).
const OFPET_EXPERIMENTER: u16 = 0xffff;

/// `OFPT_ERROR`: an error type and code, and data (usually the start of the request that
/// failed).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ErrorMsg {
    /// The error (for an experimenter error `type_` is `0xffff`, `code` the experimenter's
    /// error type and `experimenter` its id).
    pub kind: ErrorKind,
    /// The data.
    pub data: Vec<u8>,
}

impl ErrorMsg {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<ErrorMsg> {
        let type_ = r.u16()?;
        let code = r.u16()?;
        let experimenter = if type_ == OFPET_EXPERIMENTER {
            Some(r.u32()?)
        } else {
            None
        };
        Ok(ErrorMsg {
            kind: ErrorKind {
                type_,
                code,
                experimenter,
            },
            data: r.rest().to_vec(),
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer, _v: Version) -> Result<()> {
        let k = self.kind;
        match k.experimenter {
            Some(e) if k.type_ == OFPET_EXPERIMENTER => {
                w.u16(k.type_);
                w.u16(k.code);
                w.u32(e);
            }
            None if k.type_ != OFPET_EXPERIMENTER => {
                w.u16(k.type_);
                w.u16(k.code);
            }
            _ => {
                return Err(Error::encode(
                    "OFPT_ERROR",
                    format_args!(
                        "error type {:#x} with experimenter {:?}: experimenter errors have \
                         type 0xffff and an experimenter id, others neither",
                        k.type_, k.experimenter
                    ),
                ));
            }
        }
        w.bytes(&self.data);
        Ok(())
    }
}

/// One named error: the versions it exists in (10 * major + minor), its experimenter id (0
/// for standard errors), its type (`0xffff` for experimenter errors) and code (the
/// experimenter's type for experimenter errors).
struct E {
    lo: u8,
    hi: u8,
    exp: u32,
    type_: u16,
    code: u16,
    name: &'static str,
}

fn minor(v: Version) -> u8 {
    match v {
        Version::Of13 => 13,
        Version::Of14 => 14,
        Version::Of15 => 15,
    }
}

impl ErrorKind {
    /// The error's name as ovs-ofctl prints it (`OFPBRC_BAD_TYPE`, `NXBRC_...`), if Open
    /// vSwitch knows it in any of OpenFlow 1.3 to 1.5 (no type and code means different
    /// errors in different versions among those, so no version is needed).
    pub fn name(&self) -> Option<&'static str> {
        let exp = self.experimenter.unwrap_or(0);
        ERRORS
            .iter()
            .find(|e| e.exp == exp && e.type_ == self.type_ && e.code == self.code)
            .map(|e| e.name)
    }

    /// The error's name if it exists in `version`.
    pub fn name_in(&self, version: Version) -> Option<&'static str> {
        let exp = self.experimenter.unwrap_or(0);
        let m = minor(version);
        ERRORS
            .iter()
            .find(|e| {
                e.exp == exp
                    && e.type_ == self.type_
                    && e.code == self.code
                    && (e.lo..=e.hi).contains(&m)
            })
            .map(|e| e.name)
    }

    /// The error named `name` (as [`ErrorKind::name`] spells it) in `version`, if it exists
    /// there (e.g. `OFPBPC_BAD_TYPE` is `(13, 2)` in OpenFlow 1.3 and `(14, 0)` in 1.4).
    pub fn from_name(name: &str, version: Version) -> Option<ErrorKind> {
        let m = minor(version);
        ERRORS
            .iter()
            .find(|e| e.name == name && (e.lo..=e.hi).contains(&m))
            .map(|e| ErrorKind {
                type_: e.type_,
                code: e.code,
                experimenter: (e.exp != 0).then_some(e.exp),
            })
    }

    /// Every error name known in `version`, with its kind.
    pub fn all(version: Version) -> impl Iterator<Item = (&'static str, ErrorKind)> {
        let m = minor(version);
        ERRORS
            .iter()
            .filter(move |e| (e.lo..=e.hi).contains(&m))
            .map(|e| {
                (
                    e.name,
                    ErrorKind {
                        type_: e.type_,
                        code: e.code,
                        experimenter: (e.exp != 0).then_some(e.exp),
                    },
                )
            })
    }
}

#[rustfmt::skip]
static ERRORS: &[E] = &[
    E { lo: 13, hi: 15, exp: 0x0, type_: 0, code: 0, name: "OFPHFC_INCOMPATIBLE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 0, code: 1, name: "OFPHFC_EPERM" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 0, name: "OFPBRC_BAD_VERSION" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 1, name: "OFPBRC_BAD_TYPE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 2, name: "OFPBRC_BAD_STAT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 3, name: "OFPBRC_BAD_VENDOR" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 4, name: "OFPBRC_BAD_SUBTYPE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 5, name: "OFPBRC_EPERM" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 6, name: "OFPBRC_BAD_LEN" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 7, name: "OFPBRC_BUFFER_EMPTY" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 8, name: "OFPBRC_BUFFER_UNKNOWN" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 9, name: "OFPBRC_BAD_TABLE_ID" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 10, name: "OFPBRC_IS_SECONDARY" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 11, name: "OFPBRC_BAD_PORT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 12, name: "OFPBRC_BAD_PACKET" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 1, code: 13, name: "OFPBRC_MULTIPART_BUFFER_OVERFLOW" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2640, name: "OFPBRC_MULTIPART_REQUEST_TIMEOUT" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 1, code: 14, name: "OFPBRC_MULTIPART_REQUEST_TIMEOUT" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2641, name: "OFPBRC_MULTIPART_REPLY_TIMEOUT" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 1, code: 15, name: "OFPBRC_MULTIPART_REPLY_TIMEOUT" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 1, code: 16, name: "OFPBRC_MULTIPART_BAD_SCHED" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 1, code: 17, name: "OFPBRC_PIPELINE_FIELDS_ONLY" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 1, code: 18, name: "OFPBRC_UNKNOWN" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 2, name: "NXBRC_NXM_INVALID" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 3, name: "NXBRC_NXM_BAD_TYPE" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 4, name: "NXBRC_MUST_BE_ZERO" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 5, name: "NXBRC_BAD_REASON" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 9, name: "NXBRC_FM_BAD_EVENT" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 10, name: "NXBRC_UNENCODABLE_ERROR" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 0, name: "OFPBAC_BAD_TYPE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 1, name: "OFPBAC_BAD_LEN" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 2, name: "OFPBAC_BAD_VENDOR" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 3, name: "OFPBAC_BAD_VENDOR_TYPE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 4, name: "OFPBAC_BAD_OUT_PORT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 5, name: "OFPBAC_BAD_ARGUMENT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 6, name: "OFPBAC_EPERM" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 7, name: "OFPBAC_TOO_MANY" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 8, name: "OFPBAC_BAD_QUEUE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 9, name: "OFPBAC_BAD_OUT_GROUP" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 10, name: "OFPBAC_MATCH_INCONSISTENT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 11, name: "OFPBAC_UNSUPPORTED_ORDER" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 12, name: "OFPBAC_BAD_TAG" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 13, name: "OFPBAC_BAD_SET_TYPE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 14, name: "OFPBAC_BAD_SET_LEN" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 2, code: 15, name: "OFPBAC_BAD_SET_ARGUMENT" },
    E { lo: 13, hi: 14, exp: 0x4f4e4600, type_: 65535, code: 4250, name: "OFPBAC_BAD_SET_MASK" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 2, code: 16, name: "OFPBAC_BAD_SET_MASK" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 2, code: 17, name: "OFPBAC_BAD_METER" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 11, name: "NXBAC_MUST_BE_ZERO" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 15, name: "NXBAC_BAD_CONJUNCTION" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 39, name: "NXBAC_BAD_HEADER_TYPE" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 40, name: "NXBAC_UNKNOWN_ED_PROP" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 41, name: "NXBAC_BAD_ED_PROP" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 42, name: "NXBAC_CT_DATAPATH_SUPPORT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 3, code: 0, name: "OFPBIC_UNKNOWN_INST" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 3, code: 1, name: "OFPBIC_UNSUP_INST" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 3, code: 2, name: "OFPBIC_BAD_TABLE_ID" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 3, code: 3, name: "OFPBIC_UNSUP_METADATA" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 3, code: 4, name: "OFPBIC_UNSUP_METADATA_MASK" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 3, code: 5, name: "OFPBIC_BAD_EXPERIMENTER" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 3, code: 6, name: "OFPBIC_BAD_EXP_TYPE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 3, code: 7, name: "OFPBIC_BAD_LEN" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 3, code: 8, name: "OFPBIC_EPERM" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2600, name: "OFPBIC_DUP_INST" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 3, code: 9, name: "OFPBIC_DUP_INST" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 0, name: "OFPBMC_BAD_TYPE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 1, name: "OFPBMC_BAD_LEN" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 2, name: "OFPBMC_BAD_TAG" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 3, name: "OFPBMC_BAD_DL_ADDR_MASK" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 4, name: "OFPBMC_BAD_NW_ADDR_MASK" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 5, name: "OFPBMC_BAD_WILDCARDS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 6, name: "OFPBMC_BAD_FIELD" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 7, name: "OFPBMC_BAD_VALUE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 8, name: "OFPBMC_BAD_MASK" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 9, name: "OFPBMC_BAD_PREREQ" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 10, name: "OFPBMC_DUP_FIELD" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 4, code: 11, name: "OFPBMC_EPERM" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 43, name: "NXBMC_CT_DATAPATH_SUPPORT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 5, code: 0, name: "OFPFMFC_UNKNOWN" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 5, code: 1, name: "OFPFMFC_TABLE_FULL" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 5, code: 2, name: "OFPFMFC_BAD_TABLE_ID" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 5, code: 3, name: "OFPFMFC_OVERLAP" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 5, code: 4, name: "OFPFMFC_EPERM" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 5, code: 5, name: "OFPFMFC_BAD_TIMEOUT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 5, code: 6, name: "OFPFMFC_BAD_COMMAND" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 5, code: 7, name: "OFPFMFC_BAD_FLAGS" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 5, code: 8, name: "OFPFMFC_CANT_SYNC" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2360, name: "OFPFMFC_BAD_PRIORITY" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 5, code: 9, name: "OFPFMFC_BAD_PRIORITY" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 5, code: 10, name: "OFPFMFC_IS_SYNC" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 12, name: "NXFMFC_HARDWARE" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 13, name: "NXFMFC_BAD_TABLE_ID" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 37, name: "NXFMFC_INVALID_TLV_FIELD" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 0, name: "OFPGMFC_GROUP_EXISTS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 1, name: "OFPGMFC_INVALID_GROUP" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 2, name: "OFPGMFC_WEIGHT_UNSUPPORTED" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 3, name: "OFPGMFC_OUT_OF_GROUPS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 4, name: "OFPGMFC_OUT_OF_BUCKETS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 5, name: "OFPGMFC_CHAINING_UNSUPPORTED" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 6, name: "OFPGMFC_WATCH_UNSUPPORTED" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 7, name: "OFPGMFC_LOOP" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 8, name: "OFPGMFC_UNKNOWN_GROUP" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 9, name: "OFPGMFC_CHAINED_GROUP" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 10, name: "OFPGMFC_BAD_TYPE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 11, name: "OFPGMFC_BAD_COMMAND" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 12, name: "OFPGMFC_BAD_BUCKET" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 13, name: "OFPGMFC_BAD_WATCH" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 6, code: 14, name: "OFPGMFC_EPERM" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 6, code: 15, name: "OFPGMFC_UNKNOWN_BUCKET" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 6, code: 16, name: "OFPGMFC_BUCKET_EXISTS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 7, code: 0, name: "OFPPMFC_BAD_PORT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 7, code: 1, name: "OFPPMFC_BAD_HW_ADDR" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 7, code: 2, name: "OFPPMFC_BAD_CONFIG" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 7, code: 3, name: "OFPPMFC_BAD_ADVERTISE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 7, code: 4, name: "OFPPMFC_EPERM" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 8, code: 0, name: "OFPTMFC_BAD_TABLE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 8, code: 1, name: "OFPTMFC_BAD_CONFIG" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 8, code: 2, name: "OFPTMFC_EPERM" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 9, code: 0, name: "OFPQOFC_BAD_PORT" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 9, code: 1, name: "OFPQOFC_BAD_QUEUE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 9, code: 2, name: "OFPQOFC_EPERM" },
    E { lo: 14, hi: 15, exp: 0x2320, type_: 65535, code: 23, name: "NXQOFC_QUEUE_ERROR" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 10, code: 0, name: "OFPSCFC_BAD_FLAGS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 10, code: 1, name: "OFPSCFC_BAD_LEN" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 10, code: 2, name: "OFPSCFC_EPERM" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 11, code: 0, name: "OFPRRFC_STALE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 11, code: 1, name: "OFPRRFC_UNSUP" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 11, code: 2, name: "OFPRRFC_BAD_ROLE" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 11, code: 3, name: "OFPRRFC_ID_UNSUP" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 11, code: 4, name: "OFPRRFC_ID_IN_USE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 0, name: "OFPMMFC_UNKNOWN" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 1, name: "OFPMMFC_METER_EXISTS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 2, name: "OFPMMFC_INVALID_METER" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 3, name: "OFPMMFC_UNKNOWN_METER" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 4, name: "OFPMMFC_BAD_COMMAND" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 5, name: "OFPMMFC_BAD_FLAGS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 6, name: "OFPMMFC_BAD_RATE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 7, name: "OFPMMFC_BAD_BURST" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 8, name: "OFPMMFC_BAD_BAND" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 9, name: "OFPMMFC_BAD_BAND_VALUE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 10, name: "OFPMMFC_OUT_OF_METERS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 12, code: 11, name: "OFPMMFC_OUT_OF_BANDS" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 13, code: 0, name: "OFPTFFC_BAD_TABLE" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 13, code: 1, name: "OFPTFFC_BAD_METADATA" },
    E { lo: 13, hi: 15, exp: 0x0, type_: 13, code: 5, name: "OFPTFFC_EPERM" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 13, code: 6, name: "OFPTFFC_BAD_CAPA" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 13, code: 7, name: "OFPTFFC_BAD_MAX_ENT" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 13, code: 8, name: "OFPTFFC_BAD_FEATURES" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 13, code: 9, name: "OFPTFFC_BAD_COMMAND" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 13, code: 10, name: "OFPTFFC_TOO_MANY" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 44, name: "NXTFFC_DUP_TABLE" },
    E { lo: 13, hi: 13, exp: 0x0, type_: 13, code: 2, name: "OFPBPC_BAD_TYPE" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 14, code: 0, name: "OFPBPC_BAD_TYPE" },
    E { lo: 13, hi: 13, exp: 0x0, type_: 13, code: 3, name: "OFPBPC_BAD_LEN" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 14, code: 1, name: "OFPBPC_BAD_LEN" },
    E { lo: 13, hi: 13, exp: 0x0, type_: 13, code: 4, name: "OFPBPC_BAD_VALUE" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 14, code: 2, name: "OFPBPC_BAD_VALUE" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 4443, name: "OFPBPC_TOO_MANY" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 14, code: 3, name: "OFPBPC_TOO_MANY" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 4444, name: "OFPBPC_DUP_TYPE" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 14, code: 4, name: "OFPBPC_DUP_TYPE" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 4445, name: "OFPBPC_BAD_EXPERIMENTER" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 14, code: 5, name: "OFPBPC_BAD_EXPERIMENTER" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 4446, name: "OFPBPC_BAD_EXP_TYPE" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 14, code: 6, name: "OFPBPC_BAD_EXP_TYPE" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 4447, name: "OFPBPC_BAD_EXP_VALUE" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 14, code: 7, name: "OFPBPC_BAD_EXP_VALUE" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 4448, name: "OFPBPC_EPERM" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 14, code: 8, name: "OFPBPC_EPERM" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2370, name: "OFPACFC_INVALID" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 15, code: 0, name: "OFPACFC_INVALID" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2371, name: "OFPACFC_UNSUPPORTED" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 15, code: 1, name: "OFPACFC_UNSUPPORTED" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2372, name: "OFPACFC_EPERM" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 15, code: 2, name: "OFPACFC_EPERM" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2300, name: "OFPBFC_UNKNOWN" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 0, name: "OFPBFC_UNKNOWN" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2301, name: "OFPBFC_EPERM" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 1, name: "OFPBFC_EPERM" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2302, name: "OFPBFC_BAD_ID" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 2, name: "OFPBFC_BAD_ID" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2303, name: "OFPBFC_BUNDLE_EXIST" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 3, name: "OFPBFC_BUNDLE_EXIST" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2304, name: "OFPBFC_BUNDLE_CLOSED" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 4, name: "OFPBFC_BUNDLE_CLOSED" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2305, name: "OFPBFC_OUT_OF_BUNDLES" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 5, name: "OFPBFC_OUT_OF_BUNDLES" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2306, name: "OFPBFC_BAD_TYPE" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 6, name: "OFPBFC_BAD_TYPE" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2307, name: "OFPBFC_BAD_FLAGS" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 7, name: "OFPBFC_BAD_FLAGS" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2308, name: "OFPBFC_MSG_BAD_LEN" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 8, name: "OFPBFC_MSG_BAD_LEN" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2309, name: "OFPBFC_MSG_BAD_XID" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 9, name: "OFPBFC_MSG_BAD_XID" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2310, name: "OFPBFC_MSG_UNSUP" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 10, name: "OFPBFC_MSG_UNSUP" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2311, name: "OFPBFC_MSG_CONFLICT" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 11, name: "OFPBFC_MSG_CONFLICT" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2312, name: "OFPBFC_MSG_TOO_MANY" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 12, name: "OFPBFC_MSG_TOO_MANY" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2313, name: "OFPBFC_MSG_FAILED" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 13, name: "OFPBFC_MSG_FAILED" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2314, name: "OFPBFC_TIMEOUT" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 14, name: "OFPBFC_TIMEOUT" },
    E { lo: 13, hi: 13, exp: 0x4f4e4600, type_: 65535, code: 2315, name: "OFPBFC_BUNDLE_IN_PROGRESS" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 17, code: 15, name: "OFPBFC_BUNDLE_IN_PROGRESS" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 17, code: 16, name: "OFPBFC_SCHED_NOT_SUPPORTED" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 17, code: 17, name: "OFPBFC_SCHED_FUTURE" },
    E { lo: 15, hi: 15, exp: 0x0, type_: 17, code: 18, name: "OFPBFC_SCHED_PAST" },
    E { lo: 14, hi: 15, exp: 0x2320, type_: 65535, code: 22, name: "OFPBFC_BAD_VERSION" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 16, code: 0, name: "OFPMOFC_UNKNOWN" },
    E { lo: 13, hi: 13, exp: 0x2320, type_: 65535, code: 6, name: "OFPMOFC_MONITOR_EXISTS" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 16, code: 1, name: "OFPMOFC_MONITOR_EXISTS" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 16, code: 2, name: "OFPMOFC_INVALID_MONITOR" },
    E { lo: 13, hi: 13, exp: 0x2320, type_: 65535, code: 8, name: "OFPMOFC_UNKNOWN_MONITOR" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 16, code: 3, name: "OFPMOFC_UNKNOWN_MONITOR" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 16, code: 4, name: "OFPMOFC_BAD_COMMAND" },
    E { lo: 13, hi: 13, exp: 0x2320, type_: 65535, code: 7, name: "OFPMOFC_BAD_FLAGS" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 16, code: 5, name: "OFPMOFC_BAD_FLAGS" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 16, code: 6, name: "OFPMOFC_BAD_TABLE_ID" },
    E { lo: 14, hi: 15, exp: 0x0, type_: 16, code: 7, name: "OFPMOFC_BAD_OUT" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 16, name: "NXTTMFC_BAD_COMMAND" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 17, name: "NXTTMFC_BAD_OPT_LEN" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 18, name: "NXTTMFC_BAD_FIELD_IDX" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 19, name: "NXTTMFC_TABLE_FULL" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 20, name: "NXTTMFC_ALREADY_MAPPED" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 21, name: "NXTTMFC_DUP_ENTRY" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 38, name: "NXTTMFC_INVALID_TLV_DEL" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 34, name: "NXR_NOT_SUPPORTED" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 35, name: "NXR_STALE" },
    E { lo: 13, hi: 15, exp: 0x2320, type_: 65535, code: 36, name: "NXST_NOT_CONFIGURED" },
];
