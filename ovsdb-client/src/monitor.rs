//! Monitor requests and the updates they produce.
//!
//! Three generations of the protocol exist, and this module speaks all of them:
//!
//! | method | notification | row updates |
//! |---|---|---|
//! | `monitor` (RFC 7047) | `update` | [`TableUpdates`]: old and new rows |
//! | `monitor_cond` (OVS 2.6) | `update2` | [`TableUpdates2`]: initial, insert, modify (a diff), delete |
//! | `monitor_cond_since` (OVS 2.12) | `update3` | [`TableUpdates2`] plus the id of the last transaction |
//!
//! In an update2 `modify`, each column holds a diff rather than the new value: for sets the
//! symmetric difference, for maps the changed pairs (see [`crate::value::Datum::apply_diff`]); a
//! scalar column holds its new value.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::transact::Condition;
use serde::de::DeserializeSeed;

use crate::value::{BareUuidSeed, CowStr, Row, Uuid};

/// Which kinds of change a monitor reports (`"select"` in RFC 7047). All are on by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorSelect {
    /// Report the rows present when the monitor starts.
    pub initial: bool,
    /// Report inserted rows.
    pub insert: bool,
    /// Report deleted rows.
    pub delete: bool,
    /// Report modified rows.
    pub modify: bool,
}

impl Default for MonitorSelect {
    fn default() -> MonitorSelect {
        MonitorSelect {
            initial: true,
            insert: true,
            delete: true,
            modify: true,
        }
    }
}

/// What to monitor in one table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MonitorRequest {
    /// The columns to report; `None` means all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// For `monitor_cond` and `monitor_cond_since`: only rows matching any of these conditions.
    /// `None` means all rows. Ignored (and not sent) by plain `monitor`.
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// Which changes to report; `None` means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<MonitorSelect>,
}

impl MonitorRequest {
    /// Monitors every column of every row.
    pub fn all() -> MonitorRequest {
        MonitorRequest::default()
    }

    /// Monitors the given columns.
    pub fn columns<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> MonitorRequest {
        MonitorRequest {
            columns: Some(columns.into_iter().map(Into::into).collect()),
            ..MonitorRequest::default()
        }
    }

    /// Only rows matching any of `conditions` (for the conditional monitor methods).
    pub fn with_conditions(mut self, conditions: impl IntoIterator<Item = Condition>) -> Self {
        self.conditions = Some(conditions.into_iter().collect());
        self
    }

    /// Only the given kinds of change.
    pub fn with_select(mut self, select: MonitorSelect) -> Self {
        self.select = Some(select);
        self
    }
}

/// The monitor requests of one monitor: table name to requests.
pub type MonitorRequests = BTreeMap<String, Vec<MonitorRequest>>;

/// The `where` changes of `monitor_cond_change`: table name to the new conditions.
pub type ConditionChanges = BTreeMap<String, Vec<Condition>>;

/// Serializes [`MonitorRequests`] for plain `monitor`, leaving out `where`.
pub(crate) struct PlainRequests<'a>(pub &'a MonitorRequests);

impl Serialize for PlainRequests<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (table, reqs) in self.0 {
            let plain: Vec<MonitorRequest> = reqs
                .iter()
                .map(|r| MonitorRequest {
                    conditions: None,
                    ..r.clone()
                })
                .collect();
            m.serialize_entry(table, &plain)?;
        }
        m.end()
    }
}

/// Serializes [`ConditionChanges`] as `{table: [{"where": [..]}]}`.
pub(crate) struct CondChanges<'a>(pub &'a ConditionChanges);

impl Serialize for CondChanges<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Where<'b> {
            #[serde(rename = "where")]
            conditions: &'b [Condition],
        }
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (table, conds) in self.0 {
            m.serialize_entry(table, &[Where { conditions: conds }])?;
        }
        m.end()
    }
}

/// One row's change in an `update` (RFC 7047).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct RowUpdate {
    /// The row before the change (absent for an insert or the initial contents).
    #[serde(default)]
    pub old: Option<Row>,
    /// The row after the change (absent for a delete).
    #[serde(default)]
    pub new: Option<Row>,
}

/// One row's change in an `update2` or `update3`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowUpdate2 {
    /// The row was present when the monitor started (the monitored columns).
    Initial(Row),
    /// The row was inserted (the monitored columns).
    Insert(Row),
    /// The row was modified: the changed columns, as diffs (see the module docs).
    Modify(Row),
    /// The row was deleted.
    Delete,
}

impl<'de> Deserialize<'de> for RowUpdate2 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RowUpdate2, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RowUpdate2;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"{"initial"|"insert"|"modify"|"delete": ..}"#)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RowUpdate2, A::Error> {
                let CowStr(key) = map
                    .next_key()?
                    .ok_or_else(|| de::Error::custom("empty row update"))?;
                let upd = match &*key {
                    "initial" => RowUpdate2::Initial(map.next_value()?),
                    "insert" => RowUpdate2::Insert(map.next_value()?),
                    "modify" => RowUpdate2::Modify(map.next_value()?),
                    "delete" => {
                        map.next_value::<de::IgnoredAny>()?;
                        RowUpdate2::Delete
                    }
                    other => {
                        return Err(de::Error::unknown_field(
                            other,
                            &["initial", "insert", "modify", "delete"],
                        ));
                    }
                };
                if map.next_key::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom("row update with more than one member"));
                }
                Ok(upd)
            }
        }
        d.deserialize_map(V)
    }
}

/// Decodes `{uuid-string: update, ...}` into a vector.
struct RowsVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for RowsVisitor<T> {
    type Value = Vec<(Uuid, T)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of row updates keyed by UUID")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(uuid) = map.next_key_seed(BareUuidSeed)? {
            out.push((uuid, map.next_value()?));
        }
        Ok(out)
    }
}

macro_rules! table_updates {
    ($(#[$doc:meta])* $name:ident, $row:ty) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct $name {
            /// Table name to the changed rows, in the order the server sent them.
            pub tables: BTreeMap<String, Vec<(Uuid, $row)>>,
        }

        impl $name {
            /// The total number of row changes.
            pub fn len(&self) -> usize {
                self.tables.values().map(Vec::len).sum()
            }

            /// Whether there are no changes.
            pub fn is_empty(&self) -> bool {
                self.tables.values().all(Vec::is_empty)
            }

            /// The changes to one table.
            pub fn table(&self, name: &str) -> &[(Uuid, $row)] {
                self.tables.get(name).map(Vec::as_slice).unwrap_or(&[])
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                struct Tables;
                impl<'de> Visitor<'de> for Tables {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("an object of table updates")
                    }
                    fn visit_unit<E: de::Error>(self) -> Result<$name, E> {
                        Ok($name::default())
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        let mut tables = BTreeMap::new();
                        while let Some(table) = map.next_key::<String>()? {
                            let rows = map.next_value::<Rows<$row>>()?.0;
                            tables.insert(table, rows);
                        }
                        Ok($name { tables })
                    }
                }
                d.deserialize_any(Tables)
            }
        }
    };
}

struct Rows<T>(Vec<(Uuid, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Rows<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Rows<T>, D::Error> {
        d.deserialize_map(RowsVisitor(std::marker::PhantomData))
            .map(Rows)
    }
}

table_updates!(
    /// The `<table-updates>` of `monitor` replies and `update` notifications.
    TableUpdates,
    RowUpdate
);
table_updates!(
    /// The `<table-updates2>` of `monitor_cond`/`monitor_cond_since` replies and `update2`/`update3`
    /// notifications.
    TableUpdates2,
    RowUpdate2
);

/// The reply to `monitor_cond_since`: `[found, last-txn-id, table-updates2]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CondSinceReply {
    /// Whether the server found the requested transaction id in its history, in which case
    /// `updates` holds only the changes after it; otherwise `updates` is the full contents.
    pub found: bool,
    /// The id of the last transaction reflected in `updates`. All zeros on standalone servers,
    /// which keep no transaction history.
    pub last_txn_id: Uuid,
    /// The changes.
    pub updates: TableUpdates2,
}

/// Decodes a bare UUID string (as in `last-txn-id`), not the `["uuid",..]` form.
struct BareUuid(Uuid);

impl<'de> Deserialize<'de> for BareUuid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BareUuid, D::Error> {
        BareUuidSeed.deserialize(d).map(BareUuid)
    }
}

impl<'de> Deserialize<'de> for CondSinceReply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CondSinceReply, D::Error> {
        let (found, BareUuid(last_txn_id), updates) =
            <(bool, BareUuid, TableUpdates2)>::deserialize(d)?;
        Ok(CondSinceReply {
            found,
            last_txn_id,
            updates,
        })
    }
}

/// What [`decode_cond_since_with`] hands its callbacks.
pub trait CondSinceSink {
    /// The reply's `found` and `last-txn-id`, before any row.
    fn header(&mut self, found: bool, last_txn_id: Uuid) -> Result<(), String>;
    /// One row update of `table`, in the order the server sent them.
    fn row(&mut self, table: &str, uuid: Uuid, update: RowUpdate2) -> Result<(), String>;
}

/// Decodes a `monitor_cond_since` reply (the JSON text of its `result`) without building a
/// [`CondSinceReply`]: the header and then each row update go to `sink` as soon as they are
/// decoded, so that a consumer (the replica) can work on them while the rest is decoded.
/// An error from the sink stops the decoding and is returned as a decode error.
pub fn decode_cond_since_with(json: &str, sink: &mut dyn CondSinceSink) -> crate::Result<()> {
    let mut de = serde_json::Deserializer::from_str(json);
    CondSinceSeed(sink)
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| crate::Error::decode("monitor_cond_since reply", e))
}

struct CondSinceSeed<'a>(&'a mut dyn CondSinceSink);

impl<'de> DeserializeSeed<'de> for CondSinceSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for CondSinceSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[found, last-txn-id, table-updates2]")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let missing = || de::Error::custom("a monitor_cond_since reply needs 3 elements");
        let found: bool = seq.next_element()?.ok_or_else(missing)?;
        let BareUuid(last_txn_id) = seq.next_element()?.ok_or_else(missing)?;
        self.0
            .header(found, last_txn_id)
            .map_err(de::Error::custom)?;
        seq.next_element_seed(TablesSeed(self.0))?
            .ok_or_else(missing)?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(
                "a monitor_cond_since reply has only 3 elements",
            ));
        }
        Ok(())
    }
}

struct TablesSeed<'a>(&'a mut dyn CondSinceSink);

impl<'de> DeserializeSeed<'de> for TablesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of table updates")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(CowStr(table)) = map.next_key()? {
            map.next_value_seed(TableRowsSeed {
                table: &table,
                sink: &mut *self.0,
            })?;
        }
        Ok(())
    }
}

struct TableRowsSeed<'a> {
    table: &'a str,
    sink: &'a mut dyn CondSinceSink,
}

impl<'de> DeserializeSeed<'de> for TableRowsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TableRowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of row updates keyed by UUID")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(uuid) = map.next_key_seed(BareUuidSeed)? {
            let update: RowUpdate2 = map.next_value()?;
            self.sink
                .row(self.table, uuid, update)
                .map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

/// The parameters of an `update3` notification after the monitor id.
pub(crate) struct Update3Params {
    pub last_txn_id: Uuid,
    pub updates: TableUpdates2,
}

impl<'de> Deserialize<'de> for Update3Params {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Update3Params, D::Error> {
        let (_id, BareUuid(last_txn_id), updates) =
            <(de::IgnoredAny, BareUuid, TableUpdates2)>::deserialize(d)?;
        Ok(Update3Params {
            last_txn_id,
            updates,
        })
    }
}

/// One event from a running monitor, in the order the server sent them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MonitorEvent {
    /// An `update` (plain `monitor`).
    Update(TableUpdates),
    /// An `update2` (`monitor_cond`).
    Update2(TableUpdates2),
    /// An `update3` (`monitor_cond_since`).
    Update3 {
        /// The transaction these changes come from; resume from it after a reconnect.
        last_txn_id: Uuid,
        /// The changes.
        updates: TableUpdates2,
    },
    /// The server canceled the monitor (`monitor_canceled`), for example because the database
    /// was removed or converted while the client was `db_change_aware`. No events follow.
    Canceled,
}

/// The three monitor methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MonitorMethod {
    /// `monitor`: update notifications.
    Monitor,
    /// `monitor_cond`: update2 notifications.
    MonitorCond,
    /// `monitor_cond_since`: update3 notifications.
    MonitorCondSince,
}

impl MonitorMethod {
    /// The JSON-RPC method name.
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorMethod::Monitor => "monitor",
            MonitorMethod::MonitorCond => "monitor_cond",
            MonitorMethod::MonitorCondSince => "monitor_cond_since",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Datum;

    const U1: &str = "11111111-1111-1111-1111-111111111111";
    const U2: &str = "22222222-2222-2222-2222-222222222222";

    #[test]
    fn update2_forms() {
        let text = format!(
            r#"{{"Logical_Switch":{{"{U1}":{{"initial":{{"name":"a","ports":["set",[]]}}}},
                "{U2}":{{"modify":{{"ports":["uuid","{U1}"]}}}}}},
                "ACL":{{"{U1}":{{"delete":null}}}}}}"#
        );
        let u: TableUpdates2 = serde_json::from_str(&text).unwrap();
        assert_eq!(u.len(), 3);
        let ls = u.table("Logical_Switch");
        assert!(matches!(&ls[0].1, RowUpdate2::Initial(r) if r.get_str("name") == Some("a")));
        assert!(
            matches!(&ls[1].1, RowUpdate2::Modify(r) if r.get("ports") == Some(&Datum::scalar(U1.parse::<Uuid>().unwrap())))
        );
        assert_eq!(u.table("ACL")[0], (U1.parse().unwrap(), RowUpdate2::Delete));
        assert!(u.table("Nope").is_empty());
        assert!(serde_json::from_str::<TableUpdates2>(r#"{"T":{"x":{"insert":{}}}}"#).is_err());
        assert!(
            serde_json::from_str::<TableUpdates2>(&format!(
                r#"{{"T":{{"{U1}":{{"bogus":{{}}}}}}}}"#
            ))
            .is_err()
        );
        assert!(
            serde_json::from_str::<TableUpdates2>(&format!(r#"{{"T":{{"{U1}":{{}}}}}}"#)).is_err()
        );
    }

    #[test]
    fn update1_and_since() {
        let text = format!(r#"{{"T":{{"{U1}":{{"old":{{"a":1}},"new":{{"a":2}}}}}}}}"#);
        let u: TableUpdates = serde_json::from_str(&text).unwrap();
        assert_eq!(
            u.table("T")[0].1.old.as_ref().unwrap().get_integer("a"),
            Some(1)
        );
        let r: CondSinceReply = serde_json::from_str(&format!(r#"[false,"{U2}",{{}}]"#)).unwrap();
        assert!(!r.found);
        assert_eq!(r.last_txn_id.to_string(), U2);
        assert!(r.updates.is_empty());
    }

    #[test]
    fn request_encoding() {
        let mut reqs = MonitorRequests::new();
        reqs.insert(
            "Logical_Switch".into(),
            vec![
                MonitorRequest::columns(["name"])
                    .with_conditions([Condition::eq("name", "a")])
                    .with_select(MonitorSelect {
                        initial: false,
                        ..Default::default()
                    }),
            ],
        );
        let cond = serde_json::to_value(&reqs).unwrap();
        assert_eq!(
            cond,
            serde_json::json!({"Logical_Switch":[{"columns":["name"],"where":[["name","==","a"]],
                "select":{"initial":false,"insert":true,"delete":true,"modify":true}}]})
        );
        let plain = serde_json::to_value(PlainRequests(&reqs)).unwrap();
        assert!(plain["Logical_Switch"][0].get("where").is_none());
        let mut ch = ConditionChanges::new();
        ch.insert("T".into(), vec![Condition::TRUE]);
        assert_eq!(
            serde_json::to_value(CondChanges(&ch)).unwrap(),
            serde_json::json!({"T":[{"where":[true]}]})
        );
    }
}
