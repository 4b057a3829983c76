//! The replica's pure core: a copy of the monitored tables kept current by applying monitor
//! updates, with indexes, cheap snapshots and a change stream that never loses a change.
//!
//! [`Store`] is the writer. It is owned by whoever receives the monitor's updates and does no
//! I/O. Each successful [`Store::apply_update2`] (or [`Store::apply_update`],
//! [`Store::resync`]) is atomic: it either applies every row change of the update or, if the
//! update does not fit the store (a modify of an unknown row, a table not monitored), none, and
//! returns an error so the caller can resynchronize.
//!
//! Readers take a [`Snapshot`]: an immutable view of every table as of one update, cloned in
//! O(number of tables) thanks to persistent maps. Later updates do not disturb a snapshot
//! already taken.
//!
//! Rows are stored as the server sends them in `update2`: a column that holds its default
//! value (RFC 7047 section 5.1: empty for optional and set columns, else 0, 0.0, false, `""`
//! or the all-zero UUID) is left out of the [`Row`], which keeps a typical OVN row to a third
//! of its columns. Typed reads ([`Snapshot::get_typed`]) fill the defaults in, index keys
//! use them, and [`TableSchema::fill_defaults`](crate::schema::TableSchema::fill_defaults)
//! restores them on an untyped row. The `_uuid` column is not stored either: it is the key.
//!
//! Consumers of changes call [`Store::subscribe`]. A [`Subscription`] holds at most one pending
//! [`Change`] per row: when a consumer falls behind, later changes to a row it has not read yet
//! are merged into the pending one (the old row it last saw, the newest row), and a row
//! inserted and deleted in between vanishes. Applying the changes of every batch, in any order
//! within a batch, to the state the consumer had reproduces the store's state: the consumer is
//! never silently wrong, and memory is bounded by the number of rows, not of updates.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use crate::error::{Error, Result};
use crate::monitor::{RowUpdate2, TableUpdates, TableUpdates2};
use crate::schema::{DatabaseSchema, TableSchema};
use crate::typed::Table as TypedTable;
use crate::value::{Datum, Row, Uuid};

type Rows = imbl::HashMap<Uuid, Arc<Row>>;

/// A user-supplied index key function.
type CustomKey = Arc<dyn Fn(&Row) -> Option<Vec<Datum>> + Send + Sync>;

/// How an index computes a row's key.
#[derive(Clone)]
enum KeyFn {
    Columns(Vec<String>),
    Custom(CustomKey),
}

/// An index over one table: a key computed from each row, and the rows with each key.
///
/// The schema's own indexes are added automatically under the name `Table(col1,col2)`.
#[derive(Clone)]
pub struct IndexSpec {
    name: String,
    table: String,
    key: KeyFn,
    unique: bool,
}

impl fmt::Debug for IndexSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("IndexSpec");
        d.field("name", &self.name).field("table", &self.table);
        match &self.key {
            KeyFn::Columns(c) => d.field("columns", c),
            KeyFn::Custom(_) => d.field("key", &"custom"),
        };
        d.finish()
    }
}

impl IndexSpec {
    /// An index on the values of `columns` of `table`.
    pub fn columns<S: Into<String>>(
        name: impl Into<String>,
        table: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> IndexSpec {
        IndexSpec {
            name: name.into(),
            table: table.into(),
            key: KeyFn::Columns(columns.into_iter().map(Into::into).collect()),
            unique: false,
        }
    }

    /// An index on a key computed by `key`; rows for which it returns `None` are not indexed.
    /// For example, Kube-OVN looks ports up by `external_ids:pod`.
    pub fn custom(
        name: impl Into<String>,
        table: impl Into<String>,
        key: impl Fn(&Row) -> Option<Vec<Datum>> + Send + Sync + 'static,
    ) -> IndexSpec {
        IndexSpec {
            name: name.into(),
            table: table.into(),
            key: KeyFn::Custom(Arc::new(key)),
            unique: false,
        }
    }

    /// Declares that no two rows share a key (as for the schema's own indexes, which
    /// ovsdb-server enforces). A unique index stores one UUID per key, a much smaller entry.
    /// Within one update a key may briefly belong to two rows (one deleted, one inserted); the
    /// index ends right once the update is applied.
    pub fn unique(mut self) -> IndexSpec {
        self.unique = true;
        self
    }

    /// The index's name, used in [`Snapshot::lookup`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The table the index covers.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The key of `row`; a column the (sparse) row leaves out has its default value.
    fn key_of(&self, row: &Row, table: &TableInfo) -> Option<Vec<Datum>> {
        match &self.key {
            KeyFn::Columns(cols) => Some(
                cols.iter()
                    .map(|c| match row.get(c) {
                        Some(d) => d.clone(),
                        None => table.default_of(c),
                    })
                    .collect(),
            ),
            KeyFn::Custom(f) => f(row),
        }
    }
}

#[derive(Clone)]
enum IndexData {
    Unique(imbl::HashMap<Vec<Datum>, Uuid>),
    Multi(imbl::HashMap<Vec<Datum>, imbl::OrdSet<Uuid>>),
}

impl IndexData {
    fn new(unique: bool) -> IndexData {
        if unique {
            IndexData::Unique(imbl::HashMap::new())
        } else {
            IndexData::Multi(imbl::HashMap::new())
        }
    }

    fn add(&mut self, key: Vec<Datum>, uuid: Uuid) {
        match self {
            IndexData::Unique(m) => {
                m.insert(key, uuid);
            }
            IndexData::Multi(m) => {
                m.entry(key).or_default().insert(uuid);
            }
        }
    }

    fn remove(&mut self, key: &Vec<Datum>, uuid: Uuid) {
        match self {
            IndexData::Unique(m) => {
                if m.get(key) == Some(&uuid) {
                    m.remove(key);
                }
            }
            IndexData::Multi(m) => {
                if let Some(set) = m.get_mut(key) {
                    set.remove(&uuid);
                    if set.is_empty() {
                        m.remove(key);
                    }
                }
            }
        }
    }

    fn clear(&mut self) {
        match self {
            IndexData::Unique(m) => m.clear(),
            IndexData::Multi(m) => m.clear(),
        }
    }

    fn get(&self, key: &[Datum]) -> Vec<Uuid> {
        match self {
            IndexData::Unique(m) => m.get(key).copied().into_iter().collect(),
            IndexData::Multi(m) => m
                .get(key)
                .map(|set| set.iter().copied().collect())
                .unwrap_or_default(),
        }
    }
}

/// One monitored table's rows and indexes.
#[derive(Clone)]
struct TableData {
    rows: Rows,
    /// Parallel to [`TableInfo::indexes`].
    indexes: Vec<IndexData>,
}

/// What the store knows about a monitored table.
struct TableInfo {
    name: Arc<str>,
    schema: TableSchema,
    /// The monitored columns; `None` for all.
    columns: Option<Vec<String>>,
    indexes: Vec<IndexSpec>,
}

impl TableInfo {
    /// The stored form of a row: without `_uuid`, without the columns that hold their
    /// default value (as the server sends rows), and with no spare capacity.
    fn complete(&self, mut row: Row) -> Row {
        row.retain(|name, datum| {
            name != "_uuid"
                && self
                    .schema
                    .columns
                    .get(name)
                    .is_none_or(|c| !c.ty.is_default(datum))
        });
        row.shrink_to_fit();
        row
    }

    /// The default value of column `name` (an empty set for a column the schema lacks).
    fn default_of(&self, name: &str) -> Datum {
        self.schema
            .columns
            .get(name)
            .map(|c| c.ty.default_datum())
            .unwrap_or_default()
    }

    fn index_insert(&self, data: &mut TableData, uuid: Uuid, row: &Row) {
        for (spec, idx) in self.indexes.iter().zip(data.indexes.iter_mut()) {
            if let Some(k) = spec.key_of(row, self) {
                idx.add(k, uuid);
            }
        }
    }

    fn index_remove(&self, data: &mut TableData, uuid: Uuid, row: &Row) {
        for (spec, idx) in self.indexes.iter().zip(data.indexes.iter_mut()) {
            if let Some(k) = spec.key_of(row, self) {
                idx.remove(&k, uuid);
            }
        }
    }
}

/// One row's change, with the row before and after (shared, not copied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The table.
    pub table: Arc<str>,
    /// The row's UUID.
    pub uuid: Uuid,
    /// The row before the change; `None` for an insert.
    pub old: Option<Arc<Row>>,
    /// The row after the change; `None` for a delete.
    pub new: Option<Arc<Row>>,
}

/// The kind of a [`Change`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// A new row.
    Insert,
    /// A changed row.
    Modify,
    /// A removed row.
    Delete,
}

impl Change {
    /// Whether the change inserts, modifies or deletes its row.
    pub fn kind(&self) -> ChangeKind {
        match (&self.old, &self.new) {
            (None, _) => ChangeKind::Insert,
            (Some(_), Some(_)) => ChangeKind::Modify,
            (Some(_), None) => ChangeKind::Delete,
        }
    }
}

/// An immutable view of the replica as of one update. Cheap to clone and to keep.
#[derive(Clone)]
pub struct Snapshot {
    inner: Arc<State>,
}

#[derive(Clone, Default)]
struct State {
    tables: BTreeMap<Arc<str>, TableData>,
    /// Index name to (table, position in the table's indexes).
    index_names: Arc<HashMap<String, (Arc<str>, usize)>>,
    last_txn_id: Option<Uuid>,
    version: u64,
    journal: Journal,
    /// Tells stores apart: versions count from zero in every store.
    store_id: u64,
}

/// The rows changed by the most recent commits, oldest first: (version, table, row).
#[derive(Clone, Default)]
struct Journal {
    entries: imbl::Vector<(u64, Arc<str>, Uuid)>,
    /// The changes of every version after this one are all in `entries`.
    complete_after: u64,
}

/// How many row changes the journal keeps (see [`Snapshot::changed_since`]).
pub const JOURNAL_LEN: usize = 1 << 18;

impl Journal {
    fn record(&mut self, version: u64, changes: &[Change]) {
        if changes.len() > JOURNAL_LEN {
            self.entries.clear();
            self.complete_after = version;
            return;
        }
        for c in changes {
            self.entries.push_back((version, c.table.clone(), c.uuid));
        }
        while self.entries.len() > JOURNAL_LEN {
            if let Some((v, _, _)) = self.entries.pop_front() {
                // Version v may now be partly gone: only what came after it is whole.
                self.complete_after = self.complete_after.max(v);
            }
        }
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Snapshot");
        d.field("version", &self.inner.version);
        for (name, t) in &self.inner.tables {
            d.field(name, &t.rows.len());
        }
        d.finish()
    }
}

impl Snapshot {
    fn table(&self, table: &str) -> Result<&TableData> {
        self.inner.tables.get(table).ok_or_else(|| {
            Error::schema(Some(table), None, "table is not monitored by this replica")
        })
    }

    /// How many updates the store had applied when this snapshot was taken.
    pub fn version(&self) -> u64 {
        self.inner.version
    }

    /// The identity of the store this snapshot comes from, unique within the process (a
    /// replica starts a new store when the schema changes, and versions count from zero in
    /// each): a version means something only together with it.
    pub fn store_id(&self) -> u64 {
        self.inner.store_id
    }

    /// The rows changed after version `since` up to this snapshot's version, as (table,
    /// row), oldest first (a row changed twice is listed twice); `None` when the store no
    /// longer remembers all of them (it keeps the last [`JOURNAL_LEN`] row changes) or when
    /// `since` is newer than this snapshot. A consumer that remembers what it saw at one
    /// version (a cache, a differ) learns from this what to look at again, without
    /// comparing every row; a change counts whether or not it altered the row's contents.
    pub fn changed_since(&self, since: u64) -> Option<impl Iterator<Item = (Arc<str>, Uuid)>> {
        let j = &self.inner.journal;
        if since < j.complete_after || since > self.inner.version {
            return None;
        }
        // Entries are in version order: skip those at or before `since`.
        let (mut lo, mut hi) = (0, j.entries.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if j.entries[mid].0 <= since {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Some(j.entries.skip(lo).into_iter().map(|(_, t, u)| (t, u)))
    }

    /// The id of the last transaction applied (from `monitor_cond_since`), if known.
    pub fn last_txn_id(&self) -> Option<Uuid> {
        self.inner.last_txn_id
    }

    /// The monitored tables.
    pub fn tables(&self) -> impl Iterator<Item = &str> {
        self.inner.tables.keys().map(|k| &**k)
    }

    /// The number of rows in `table`.
    pub fn len(&self, table: &str) -> Result<usize> {
        Ok(self.table(table)?.rows.len())
    }

    /// Whether `table` has no rows.
    pub fn is_empty(&self, table: &str) -> Result<bool> {
        Ok(self.table(table)?.rows.is_empty())
    }

    /// An estimate of the heap bytes `table`'s rows take: each row's own data
    /// ([`Row::heap_size`]), its shared header, and the map entry that holds it. Allocator
    /// overhead and index entries are not counted.
    pub fn heap_estimate(&self, table: &str) -> Result<usize> {
        const ENTRY: usize = std::mem::size_of::<(Uuid, Arc<Row>)>();
        // An Arc allocation holds two counters before the value.
        const HEADER: usize = 2 * std::mem::size_of::<usize>() + std::mem::size_of::<Row>();
        Ok(self
            .table(table)?
            .rows
            .values()
            .map(|r| ENTRY + HEADER + r.heap_size())
            .sum())
    }

    /// One row by UUID, without its default-valued columns (see the
    /// [module documentation](self)).
    pub fn get(&self, table: &str, uuid: Uuid) -> Result<Option<&Arc<Row>>> {
        Ok(self.table(table)?.rows.get(&uuid))
    }

    /// One row as a typed struct (for example a generated binding of `ovn-model`).
    pub fn get_typed<T: TypedTable>(&self, uuid: Uuid) -> Result<Option<T>> {
        self.get(T::NAME, uuid)?
            .map(|r| T::from_row(uuid, r))
            .transpose()
    }

    /// Every row of `T`'s table as typed structs, in no particular order.
    pub fn iter_typed<T: TypedTable>(&self) -> Result<impl Iterator<Item = Result<T>> + '_> {
        Ok(self.rows(T::NAME)?.map(|(u, r)| T::from_row(u, r)))
    }

    /// Every row of `table`, in no particular order.
    pub fn rows(&self, table: &str) -> Result<impl Iterator<Item = (Uuid, &Arc<Row>)>> {
        Ok(self.table(table)?.rows.iter().map(|(u, r)| (*u, r)))
    }

    /// The rows whose key in index `index` is `key`, in UUID order.
    pub fn lookup<'a>(
        &'a self,
        index: &str,
        key: &[Datum],
    ) -> Result<impl Iterator<Item = (Uuid, &'a Arc<Row>)> + 'a> {
        let (table, pos) = self.inner.index_names.get(index).ok_or_else(|| {
            Error::schema(
                None,
                None,
                format!("no index named {index:?} in this replica"),
            )
        })?;
        let data = self.table(table)?;
        let uuids = data.indexes[*pos].get(key);
        Ok(uuids
            .into_iter()
            .filter_map(move |u| data.rows.get(&u).map(|r| (u, r))))
    }
}

/// The writer of a replica. See the [module documentation](self).
pub struct Store {
    schema: Arc<DatabaseSchema>,
    tables: BTreeMap<Arc<str>, TableInfo>,
    state: State,
    hub: Hub,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("db", &self.schema.name)
            .field("snapshot", &self.snapshot())
            .field("subscribers", &self.hub.lock().subscribers.len())
            .finish()
    }
}

impl Store {
    /// A store for `tables` of `schema`, each with the columns monitored (`None`: all), plus
    /// the schema's indexes of those tables and the `indexes` given. Errors name an unknown
    /// table, column or duplicated index name.
    pub fn new(
        schema: Arc<DatabaseSchema>,
        tables: impl IntoIterator<Item = (String, Option<Vec<String>>)>,
        indexes: impl IntoIterator<Item = IndexSpec>,
    ) -> Result<Store> {
        let mut out: BTreeMap<Arc<str>, TableInfo> = BTreeMap::new();
        for (name, columns) in tables {
            let ts = schema.table(&name)?.clone();
            if let Some(cols) = &columns {
                for c in cols {
                    ts.column(c)?;
                }
            }
            let mut idx = Vec::new();
            // A schema index on a column that is not monitored would give every row the same
            // (default) key: leave it out.
            let monitored = |c: &String| columns.as_ref().is_none_or(|m| m.contains(c));
            for cols in ts.indexes.iter().filter(|cols| cols.iter().all(monitored)) {
                idx.push(
                    IndexSpec::columns(
                        format!("{name}({})", cols.join(",")),
                        name.clone(),
                        cols.iter().cloned(),
                    )
                    .unique(),
                );
            }
            let name: Arc<str> = Arc::from(name);
            out.insert(
                name.clone(),
                TableInfo {
                    name,
                    schema: ts,
                    columns,
                    indexes: idx,
                },
            );
        }
        for spec in indexes {
            let table = out.get_mut(spec.table.as_str()).ok_or_else(|| {
                Error::schema(
                    Some(&spec.table),
                    None,
                    format!(
                        "index {:?} is on a table this replica does not monitor",
                        spec.name
                    ),
                )
            })?;
            if let KeyFn::Columns(cols) = &spec.key {
                for c in cols {
                    table.schema.column(c)?;
                    if table.columns.as_ref().is_some_and(|m| !m.contains(c)) {
                        return Err(Error::schema(
                            Some(&spec.table),
                            Some(c),
                            format!("index {:?} is on a column that is not monitored", spec.name),
                        ));
                    }
                }
            }
            table.indexes.push(spec);
        }
        let mut names = HashMap::new();
        static STORES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut state = State {
            store_id: STORES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ..State::default()
        };
        for (name, t) in &out {
            for (pos, spec) in t.indexes.iter().enumerate() {
                if names
                    .insert(spec.name.clone(), (name.clone(), pos))
                    .is_some()
                {
                    return Err(Error::schema(
                        Some(name),
                        None,
                        format!("two indexes are named {:?}", spec.name),
                    ));
                }
            }
            state.tables.insert(
                name.clone(),
                TableData {
                    rows: Rows::new(),
                    indexes: t.indexes.iter().map(|i| IndexData::new(i.unique)).collect(),
                },
            );
        }
        state.index_names = Arc::new(names);
        Ok(Store {
            schema,
            tables: out,
            state,
            hub: Hub::default(),
        })
    }

    /// The database schema.
    pub fn schema(&self) -> &Arc<DatabaseSchema> {
        &self.schema
    }

    /// The monitored tables and columns (`None`: all), for building monitor requests.
    pub fn monitored(&self) -> impl Iterator<Item = (&str, Option<&[String]>)> {
        self.tables
            .values()
            .map(|t| (&*t.name, t.columns.as_deref()))
    }

    /// Forgets the id of the last transaction applied, so that the next monitor starts from
    /// the full contents (for example after an update failed to apply).
    pub fn forget_last_txn_id(&mut self) {
        self.state.last_txn_id = None;
    }

    /// A snapshot of the current state.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            inner: Arc::new(self.state.clone()),
        }
    }

    fn table(&self, name: &str) -> Result<&TableInfo> {
        self.tables.get(name).ok_or_else(|| {
            Error::Protocol(format!(
                "update for table {name}, which this replica does not monitor"
            ))
        })
    }

    /// Applies an update2/update3 (or the initial contents of `monitor_cond`) atomically and
    /// publishes the changes. `last_txn_id` is the update3's transaction id, if any; the
    /// store's [`Snapshot::last_txn_id`] becomes exactly that (`None` when not given). Returns
    /// the number of row changes.
    pub fn apply_update2(
        &mut self,
        update: TableUpdates2,
        last_txn_id: Option<Uuid>,
    ) -> Result<usize> {
        let mut tables = self.state.tables.clone();
        let mut changes = Vec::with_capacity(update.len());
        for (name, rows) in update.tables {
            let table = self.table(&name)?;
            let data = tables
                .get_mut(&*table.name)
                .ok_or_else(|| Error::Protocol(format!("no data for table {name}")))?;
            for (uuid, ru) in rows {
                let old = data.rows.get(&uuid).cloned();
                let new = match ru {
                    RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => {
                        Some(Arc::new(table.complete(r)))
                    }
                    RowUpdate2::Modify(diff) => {
                        let Some(old) = &old else {
                            return Err(Error::Protocol(format!(
                                "modify of row {uuid} of {name}, which the replica does not have"
                            )));
                        };
                        let mut row = Row::clone(old);
                        table.schema.apply_diff(&mut row, &diff);
                        Some(Arc::new(table.complete(row)))
                    }
                    RowUpdate2::Delete => {
                        if old.is_none() {
                            return Err(Error::Protocol(format!(
                                "delete of row {uuid} of {name}, which the replica does not have"
                            )));
                        }
                        None
                    }
                };
                apply_row(table, data, uuid, old.as_deref(), new.clone());
                changes.push(Change {
                    table: table.name.clone(),
                    uuid,
                    old,
                    new,
                });
            }
        }
        Ok(self.commit(tables, changes, last_txn_id))
    }

    /// Applies an `update` (plain `monitor`) atomically; see [`Store::apply_update2`].
    pub fn apply_update(&mut self, update: &TableUpdates) -> Result<usize> {
        let mut tables = self.state.tables.clone();
        let mut changes = Vec::with_capacity(update.len());
        for (name, rows) in &update.tables {
            let table = self.table(name)?;
            let data = tables
                .get_mut(&*table.name)
                .ok_or_else(|| Error::Protocol(format!("no data for table {name}")))?;
            for (uuid, ru) in rows {
                let old = data.rows.get(uuid).cloned();
                let new = match (&ru.new, &old) {
                    (None, _) => None,
                    // A modify's `new` holds every monitored column (RFC 7047 4.1.6), but
                    // start from the old row in case a server sends only the changed ones.
                    (Some(n), Some(o)) => {
                        let mut row = Row::clone(o);
                        for (c, d) in n.iter() {
                            row.insert(c, d.clone());
                        }
                        Some(Arc::new(table.complete(row)))
                    }
                    (Some(n), None) => Some(Arc::new(table.complete(n.clone()))),
                };
                if old.is_none() && new.is_none() {
                    continue;
                }
                apply_row(table, data, *uuid, old.as_deref(), new.clone());
                changes.push(Change {
                    table: table.name.clone(),
                    uuid: *uuid,
                    old,
                    new,
                });
            }
        }
        Ok(self.commit(tables, changes, None))
    }

    /// Replaces the whole contents with `full` (the initial rows of a new monitor after a
    /// reconnect the server could not resume), publishing only the differences: rows that
    /// vanished as deletes, new rows as inserts, changed rows as modifies. Nothing is purged:
    /// a row that did not change keeps its shared copy, so snapshots and subscribers see it
    /// unchanged. The indexes are rebuilt. See [`Store::begin_resync`] to feed the rows in
    /// as they are decoded.
    pub fn resync(&mut self, full: TableUpdates2, last_txn_id: Option<Uuid>) -> Result<usize> {
        let mut resync = self.begin_resync();
        for (name, rows) in full.tables {
            let rows = rows
                .into_iter()
                .map(|(uuid, ru)| Ok((uuid, full_row(&name, uuid, ru)?)));
            resync.add_rows(&name, rows)?;
        }
        Ok(resync.finish(last_txn_id))
    }

    /// Starts a [`Store::resync`] whose rows come in batches ([`Resync::add_rows`]), for
    /// example while the rest of a large monitor reply is still being decoded. Nothing
    /// changes until [`Resync::finish`]; dropping the [`Resync`] abandons it.
    pub fn begin_resync(&mut self) -> Resync<'_> {
        let tables = self.state.tables.clone();
        Resync {
            store: self,
            tables,
            old: BTreeMap::new(),
            deletes: Vec::new(),
            upserts: Vec::new(),
        }
    }

    fn commit(
        &mut self,
        tables: BTreeMap<Arc<str>, TableData>,
        changes: Vec<Change>,
        last_txn_id: Option<Uuid>,
    ) -> usize {
        self.state.tables = tables;
        self.state.version += 1;
        self.state.journal.record(self.state.version, &changes);
        // The id describes exactly the state just committed: an update without one (update,
        // update2) leaves the state at no known transaction, and the all-zero id some servers
        // send means none.
        self.state.last_txn_id = last_txn_id.filter(|u| *u != Uuid::ZERO);
        let snapshot = self.snapshot();
        let mut hub = self.hub.lock();
        // Publish the snapshot and the changes together, so a subscriber registered between
        // two commits starts exactly at the snapshot it was given.
        hub.published = Some(snapshot);
        hub.subscribers.retain(|s| Arc::strong_count(s) > 1);
        if !changes.is_empty() {
            for sub in &hub.subscribers {
                sub.offer(&changes);
            }
        }
        changes.len()
    }

    /// A cloneable handle for taking snapshots and subscribing from other tasks.
    pub fn hub(&self) -> Hub {
        if self.hub.lock().published.is_none() {
            self.hub.lock().published = Some(self.snapshot());
        }
        self.hub.clone()
    }

    /// A new subscription to the changes of `tables` (`None`: every monitored table) after
    /// the current state. See [`Hub::subscribe`].
    pub fn subscribe(&self, tables: Option<&[&str]>) -> Result<Subscription> {
        self.hub().subscribe(tables).map(|(_, s)| s)
    }
}

/// The row of an update that is part of a table's full contents: an initial or inserted row;
/// a modify or delete there is a protocol error.
pub(crate) fn full_row(table: &str, uuid: Uuid, update: RowUpdate2) -> Result<Row> {
    match update {
        RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => Ok(r),
        RowUpdate2::Modify(_) | RowUpdate2::Delete => Err(Error::Protocol(format!(
            "the full contents of {table} hold a modify or delete for row {uuid}"
        ))),
    }
}

/// A resync in progress; see [`Store::begin_resync`].
pub struct Resync<'a> {
    store: &'a mut Store,
    /// The new state being built.
    tables: BTreeMap<Arc<str>, TableData>,
    /// The rows each table had before, for the tables rows were added to.
    old: BTreeMap<Arc<str>, Rows>,
    deletes: Vec<Change>,
    upserts: Vec<Change>,
}

impl fmt::Debug for Resync<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resync")
            .field("tables", &self.old.keys().collect::<Vec<_>>())
            .field("changes", &(self.deletes.len() + self.upserts.len()))
            .finish()
    }
}

impl Resync<'_> {
    /// Adds rows of `table` (as monitored, `_uuid` optional) to the new contents. A table may
    /// get rows in several batches. Errors (an unmonitored table, a row given twice, an
    /// error from `rows`) leave the resync unusable: drop it.
    pub fn add_rows(
        &mut self,
        table: &str,
        rows: impl IntoIterator<Item = Result<(Uuid, Row)>>,
    ) -> Result<()> {
        let info = self.store.table(table)?;
        let data = self
            .tables
            .get_mut(&*info.name)
            .ok_or_else(|| Error::Protocol(format!("no data for table {table}")))?;
        if !self.old.contains_key(&info.name) {
            // First rows for this table: start it empty, keeping the old rows to compare.
            self.old
                .insert(info.name.clone(), std::mem::take(&mut data.rows));
            for idx in &mut data.indexes {
                idx.clear();
            }
        }
        let old_rows = &self.old[&info.name];
        for item in rows {
            let (uuid, row) = item?;
            let row = info.complete(row);
            let old = old_rows.get(&uuid);
            let row = match old {
                // Unchanged: keep the copy snapshots already share.
                Some(o) if **o == row => o.clone(),
                _ => {
                    let new = Arc::new(row);
                    self.upserts.push(Change {
                        table: info.name.clone(),
                        uuid,
                        old: old.cloned(),
                        new: Some(new.clone()),
                    });
                    new
                }
            };
            info.index_insert(data, uuid, &row);
            if data.rows.insert(uuid, row).is_some() {
                return Err(Error::Protocol(format!(
                    "a full resync of {table} holds row {uuid} twice"
                )));
            }
        }
        Ok(())
    }

    /// Commits the new contents: every monitored table holds exactly the rows added (none
    /// for a table that got no rows). Publishes the differences, deletes first (so that a
    /// consumer never sees two rows with one unique key), and returns their number. The
    /// store's transaction id becomes `last_txn_id`.
    pub fn finish(mut self, last_txn_id: Option<Uuid>) -> usize {
        for (name, table) in &self.store.tables {
            let Some(data) = self.tables.get_mut(name) else {
                continue;
            };
            match self.old.get(name) {
                Some(old_rows) => {
                    for (uuid, old) in old_rows {
                        if !data.rows.contains_key(uuid) {
                            self.deletes.push(Change {
                                table: table.name.clone(),
                                uuid: *uuid,
                                old: Some(old.clone()),
                                new: None,
                            });
                        }
                    }
                }
                None => {
                    for (uuid, old) in std::mem::take(&mut data.rows) {
                        self.deletes.push(Change {
                            table: table.name.clone(),
                            uuid,
                            old: Some(old),
                            new: None,
                        });
                    }
                    for idx in &mut data.indexes {
                        idx.clear();
                    }
                }
            }
        }
        let mut changes = self.deletes;
        changes.append(&mut self.upserts);
        self.store.commit(self.tables, changes, last_txn_id)
    }
}

/// Where a [`Store`] publishes: the latest snapshot and the subscribers. Cheap to clone and
/// safe to use from any task while the store is written.
#[derive(Clone, Default)]
pub struct Hub {
    inner: Arc<Mutex<HubInner>>,
}

#[derive(Default)]
struct HubInner {
    published: Option<Snapshot>,
    subscribers: Vec<Arc<SubShared>>,
    /// The store is gone: no change will ever be published here again.
    closed: bool,
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub").finish_non_exhaustive()
    }
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HubInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latest published snapshot (empty until the store is first used).
    pub fn snapshot(&self) -> Snapshot {
        self.lock().published.clone().unwrap_or_else(|| Snapshot {
            inner: Arc::new(State::default()),
        })
    }

    /// A snapshot and a subscription to every change after it, taken atomically: applying
    /// the subscription's batches to the snapshot follows the store exactly. `tables` limits
    /// the changes to those tables (`None`: all monitored tables).
    ///
    /// Fails with [`Error::Closed`] once the store is gone (a replica replaces its store when
    /// the schema changes): such a subscription would never see a change.
    pub fn subscribe(&self, tables: Option<&[&str]>) -> Result<(Snapshot, Subscription)> {
        let mut hub = self.lock();
        if hub.closed {
            return Err(Error::Closed(Some(
                "the store publishing here is gone".into(),
            )));
        }
        let snapshot = hub.published.clone().unwrap_or_else(|| Snapshot {
            inner: Arc::new(State::default()),
        });
        let filter = match tables {
            None => None,
            Some(list) => {
                let mut set = BTreeSet::new();
                for t in list {
                    let (name, _) = snapshot.inner.tables.get_key_value(*t).ok_or_else(|| {
                        Error::schema(Some(t), None, "table is not monitored by this replica")
                    })?;
                    set.insert(name.clone());
                }
                Some(set)
            }
        };
        let shared = Arc::new(SubShared {
            filter,
            state: Mutex::new(SubState::default()),
            notify: Notify::new(),
        });
        hub.subscribers.push(shared.clone());
        Ok((snapshot, Subscription { shared }))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let mut hub = self.hub.lock();
        hub.closed = true;
        for sub in hub.subscribers.drain(..) {
            sub.lock().closed = true;
            sub.notify.notify_one();
        }
    }
}

fn apply_row(
    table: &TableInfo,
    data: &mut TableData,
    uuid: Uuid,
    old: Option<&Row>,
    new: Option<Arc<Row>>,
) {
    if let Some(old) = old {
        table.index_remove(data, uuid, old);
    }
    match new {
        Some(row) => {
            table.index_insert(data, uuid, &row);
            data.rows.insert(uuid, row);
        }
        None => {
            data.rows.remove(&uuid);
        }
    }
}

#[derive(Default)]
struct SubState {
    /// At most one pending change per row, with the order it was first queued in.
    pending: HashMap<(Arc<str>, Uuid), (u64, Change)>,
    next: u64,
    closed: bool,
}

struct SubShared {
    filter: Option<BTreeSet<Arc<str>>>,
    state: Mutex<SubState>,
    notify: Notify,
}

impl SubShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, SubState> {
        // The state stays consistent even if a holder panicked: every update is one insert or
        // remove.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn offer(&self, changes: &[Change]) {
        let mut st = self.lock();
        let mut any = false;
        for c in changes {
            if self.filter.as_ref().is_some_and(|f| !f.contains(&c.table)) {
                continue;
            }
            any = true;
            let key = (c.table.clone(), c.uuid);
            match st.pending.remove(&key) {
                Some((order, mut prev)) => {
                    prev.new = c.new.clone();
                    let unchanged = match (&prev.old, &prev.new) {
                        (None, None) => true,
                        (Some(a), Some(b)) => a == b,
                        _ => false,
                    };
                    if !unchanged {
                        st.pending.insert(key, (order, prev));
                    }
                }
                None => {
                    let order = st.next;
                    st.next += 1;
                    st.pending.insert(key, (order, c.clone()));
                }
            }
        }
        drop(st);
        if any {
            self.notify.notify_one();
        }
    }
}

/// Changes from a [`Store`], coalesced per row. See the [module documentation](self).
pub struct Subscription {
    shared: Arc<SubShared>,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("pending", &self.shared.lock().pending.len())
            .finish()
    }
}

impl Subscription {
    /// Takes every pending change, oldest first; empty if there is none.
    pub fn try_batch(&mut self) -> Vec<Change> {
        let mut st = self.shared.lock();
        let mut out: Vec<(u64, Change)> = st.pending.drain().map(|(_, v)| v).collect();
        drop(st);
        out.sort_unstable_by_key(|(order, _)| *order);
        out.into_iter().map(|(_, c)| c).collect()
    }

    /// Waits for changes and takes them all. `None` once the store is gone and nothing is
    /// pending.
    pub async fn next_batch(&mut self) -> Option<Vec<Change>> {
        let shared = self.shared.clone();
        loop {
            let notified = shared.notify.notified();
            let batch = self.try_batch();
            if !batch.is_empty() {
                return Some(batch);
            }
            if shared.lock().closed {
                return None;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::RowUpdate;
    use proptest::prelude::*;

    const SCHEMA: &str = r#"{"name":"T","version":"1.0.0","tables":{
        "Sw":{"columns":{"name":{"type":"string"},
                          "ports":{"type":{"key":{"type":"uuid","refTable":"Port"},"min":0,"max":"unlimited"}},
                          "ext":{"type":{"key":"string","value":"string","min":0,"max":"unlimited"}},
                          "tag":{"type":{"key":"integer","min":0,"max":1}}},
              "indexes":[["name"]],"isRoot":true},
        "Port":{"columns":{"name":{"type":"string"},"up":{"type":"boolean"}}}}}"#;

    fn u(n: u128) -> Uuid {
        Uuid(n)
    }

    fn store() -> Store {
        let schema = Arc::new(DatabaseSchema::from_json(SCHEMA).unwrap());
        Store::new(
            schema,
            [("Sw".to_owned(), None), ("Port".to_owned(), None)],
            [IndexSpec::custom("Sw.ext:pod", "Sw", |r| {
                r.get("ext")?
                    .get(&"pod".into())
                    .map(|v| vec![Datum::scalar(v.clone())])
            })],
        )
        .unwrap()
    }

    fn upd(table: &str, rows: Vec<(Uuid, RowUpdate2)>) -> TableUpdates2 {
        let mut t = TableUpdates2::default();
        t.tables.insert(table.into(), rows);
        t
    }

    #[test]
    fn the_journal_lists_changes_since_a_version() {
        let port = |n: u128| {
            (
                u(n),
                RowUpdate2::Insert(Row::new().with("name", format!("p{n}"))),
            )
        };
        let mut s = store();
        let v0 = s.snapshot().version();
        s.apply_update2(upd("Port", vec![port(1)]), None).unwrap();
        s.apply_update2(upd("Port", vec![port(2)]), None).unwrap();
        let snap = s.snapshot();
        let since = |v| -> Vec<Uuid> {
            snap.changed_since(v)
                .expect("remembered")
                .map(|(t, id)| {
                    assert_eq!(&*t, "Port");
                    id
                })
                .collect()
        };
        assert_eq!(since(v0), vec![u(1), u(2)]);
        assert_eq!(since(v0 + 1), vec![u(2)]);
        assert!(since(snap.version()).is_empty());
        assert!(snap.changed_since(snap.version() + 1).is_none());
        assert_ne!(snap.store_id(), store().snapshot().store_id());
        // A commit of more changes than the journal keeps forgets everything before it.
        let many = (10..10 + JOURNAL_LEN as u128 + 1).map(port).collect();
        s.apply_update2(upd("Port", many), None).unwrap();
        let snap = s.snapshot();
        assert!(snap.changed_since(v0).is_none());
        assert!(snap.changed_since(snap.version() - 1).is_none());
        assert_eq!(
            snap.changed_since(snap.version()).map(Iterator::count),
            Some(0)
        );
    }

    #[test]
    fn apply_leaves_out_defaults_indexes_and_snapshots() {
        let mut s = store();
        let before = s.snapshot();
        s.apply_update2(
            upd(
                "Sw",
                vec![(
                    u(1),
                    RowUpdate2::Initial(
                        Row::new()
                            .with("name", "a")
                            .with("ext", Datum::map([("pod", "p1")])),
                    ),
                )],
            ),
            None,
        )
        .unwrap();
        let snap = s.snapshot();
        let row = snap.get("Sw", u(1)).unwrap().unwrap();
        // Default-valued columns are left out, as the server sends them.
        assert_eq!(row.get("ports"), None);
        assert_eq!(row.get("tag"), None);
        assert_eq!(row.len(), 2);
        assert_eq!(
            snap.lookup("Sw(name)", &[Datum::scalar("a")])
                .unwrap()
                .count(),
            1
        );
        assert_eq!(
            snap.lookup("Sw.ext:pod", &[Datum::scalar("p1")])
                .unwrap()
                .count(),
            1
        );
        assert!(snap.lookup("nope", &[]).is_err());
        // The earlier snapshot is untouched.
        assert_eq!(before.len("Sw").unwrap(), 0);

        // A modify moves the row in its indexes.
        s.apply_update2(
            upd(
                "Sw",
                vec![(
                    u(1),
                    RowUpdate2::Modify(
                        Row::new()
                            .with("name", "b")
                            .with("ext", Datum::map([("pod", "p1")])),
                    ),
                )],
            ),
            Some(u(99)),
        )
        .unwrap();
        let snap2 = s.snapshot();
        assert_eq!(
            snap2
                .lookup("Sw(name)", &[Datum::scalar("a")])
                .unwrap()
                .count(),
            0
        );
        assert_eq!(
            snap2
                .lookup("Sw(name)", &[Datum::scalar("b")])
                .unwrap()
                .count(),
            1
        );
        // The map diff removed pod=p1.
        assert_eq!(
            snap2
                .lookup("Sw.ext:pod", &[Datum::scalar("p1")])
                .unwrap()
                .count(),
            0
        );
        assert_eq!(snap2.last_txn_id(), Some(u(99)));
        assert_eq!(
            snap.get("Sw", u(1)).unwrap().unwrap().get_str("name"),
            Some("a")
        );
        // The map diff emptied ext, so the column is gone from the row.
        assert_eq!(snap2.get("Sw", u(1)).unwrap().unwrap().get("ext"), None);

        // A column set to its default value is left out too, and an index on it finds the row
        // by the default value.
        s.apply_update2(
            upd(
                "Sw",
                vec![(u(1), RowUpdate2::Modify(Row::new().with("name", "")))],
            ),
            None,
        )
        .unwrap();
        let snap3 = s.snapshot();
        let row = snap3.get("Sw", u(1)).unwrap().unwrap();
        assert_eq!(row.len(), 0, "{row:?}");
        assert_eq!(
            snap3
                .lookup("Sw(name)", &[Datum::scalar("")])
                .unwrap()
                .count(),
            1
        );
        // An insert that spells out a default value is stored without it.
        s.apply_update2(
            upd(
                "Sw",
                vec![(
                    u(2),
                    RowUpdate2::Insert(Row::new().with("name", "x").with("tag", Datum::empty())),
                )],
            ),
            None,
        )
        .unwrap();
        assert_eq!(s.snapshot().get("Sw", u(2)).unwrap().unwrap().len(), 1);
    }

    /// The transaction id always describes the state committed with it: an update without an
    /// id, or a resync to contents of unknown history, leaves none (so a later resume cannot
    /// replay changes the store already has), and the all-zero id means none.
    #[test]
    fn last_txn_id_tracks_the_state_exactly() {
        let mut s = store();
        let ins = |n: u128| {
            upd(
                "Port",
                vec![(u(n), RowUpdate2::Insert(Row::new().with("name", "p")))],
            )
        };
        s.apply_update2(ins(1), Some(u(7))).unwrap();
        assert_eq!(s.snapshot().last_txn_id(), Some(u(7)));
        s.apply_update2(ins(2), None).unwrap();
        assert_eq!(s.snapshot().last_txn_id(), None);
        s.apply_update2(ins(3), Some(u(8))).unwrap();
        s.resync(upd("Port", vec![]), None).unwrap();
        assert_eq!(s.snapshot().last_txn_id(), None);
        s.apply_update2(ins(4), Some(Uuid::ZERO)).unwrap();
        assert_eq!(s.snapshot().last_txn_id(), None);
        s.apply_update2(ins(5), Some(u(9))).unwrap();
        s.forget_last_txn_id();
        assert_eq!(s.snapshot().last_txn_id(), None);
    }

    #[test]
    fn bad_updates_change_nothing() {
        let mut s = store();
        s.apply_update2(
            upd(
                "Port",
                vec![(u(1), RowUpdate2::Insert(Row::new().with("name", "x")))],
            ),
            None,
        )
        .unwrap();
        let v = s.snapshot().version();
        // A valid insert followed by a modify of an unknown row: all or nothing.
        let bad = upd(
            "Port",
            vec![
                (u(2), RowUpdate2::Insert(Row::new().with("name", "y"))),
                (u(3), RowUpdate2::Modify(Row::new().with("name", "z"))),
            ],
        );
        assert!(s.apply_update2(bad, None).is_err());
        assert!(s.apply_update2(upd("Nope", vec![]), None).is_err());
        assert!(
            s.apply_update2(upd("Port", vec![(u(9), RowUpdate2::Delete)]), None)
                .is_err()
        );
        let snap = s.snapshot();
        assert_eq!(snap.version(), v);
        assert_eq!(snap.len("Port").unwrap(), 1);
    }

    #[test]
    fn update_v1_and_resync() {
        let mut s = store();
        let mut v1 = TableUpdates::default();
        v1.tables.insert(
            "Port".into(),
            vec![
                (
                    u(1),
                    RowUpdate {
                        old: None,
                        new: Some(Row::new().with("name", "a")),
                    },
                ),
                (
                    u(2),
                    RowUpdate {
                        old: None,
                        new: Some(Row::new().with("name", "b")),
                    },
                ),
            ],
        );
        assert_eq!(s.apply_update(&v1).unwrap(), 2);
        let mut sub = s.subscribe(None).unwrap();
        // Resync: a gone, b changed, c new.
        let full = upd(
            "Port",
            vec![
                (
                    u(2),
                    RowUpdate2::Initial(Row::new().with("name", "b").with("up", true)),
                ),
                (u(3), RowUpdate2::Initial(Row::new().with("name", "c"))),
            ],
        );
        assert_eq!(s.resync(full.clone(), None).unwrap(), 3);
        let kinds: Vec<(Uuid, ChangeKind)> =
            sub.try_batch().iter().map(|c| (c.uuid, c.kind())).collect();
        assert_eq!(
            kinds,
            vec![
                (u(1), ChangeKind::Delete),
                (u(2), ChangeKind::Modify),
                (u(3), ChangeKind::Insert)
            ]
        );
        // Resyncing to the same contents changes nothing.
        assert_eq!(s.resync(full, None).unwrap(), 0);
        assert!(sub.try_batch().is_empty());
    }

    /// A hub outliving its store refuses new subscriptions rather than hand out one that
    /// would never see a change.
    #[test]
    fn a_hub_without_its_store_refuses_subscriptions() {
        let s = store();
        let hub = s.hub();
        let (_, sub) = hub.subscribe(None).unwrap();
        drop(s);
        assert!(matches!(hub.subscribe(None), Err(Error::Closed(_))));
        // The subscription taken before ends.
        assert!(sub.shared.lock().closed);
    }

    #[test]
    fn subscriptions_coalesce_and_end() {
        let mut s = store();
        let mut sub = s.subscribe(Some(&["Port"])).unwrap();
        let ins = |n: u128, name: &str| {
            upd(
                "Port",
                vec![(u(n), RowUpdate2::Insert(Row::new().with("name", name)))],
            )
        };
        s.apply_update2(ins(1, "a"), None).unwrap();
        s.apply_update2(
            upd(
                "Port",
                vec![(u(1), RowUpdate2::Modify(Row::new().with("name", "b")))],
            ),
            None,
        )
        .unwrap();
        s.apply_update2(ins(2, "x"), None).unwrap();
        s.apply_update2(upd("Port", vec![(u(2), RowUpdate2::Delete)]), None)
            .unwrap();
        // Changes to another table are filtered out.
        s.apply_update2(
            upd(
                "Sw",
                vec![(u(5), RowUpdate2::Insert(Row::new().with("name", "s")))],
            ),
            None,
        )
        .unwrap();
        let batch = sub.try_batch();
        // Row 1: one insert with the newest row; row 2 (inserted then deleted): nothing.
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].kind(), ChangeKind::Insert);
        assert_eq!(batch[0].new.as_ref().unwrap().get_str("name"), Some("b"));
        drop(s);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(sub.next_batch()).is_none());
    }

    /// A random sequence of updates; a consumer reading coalesced batches at random moments
    /// and replaying them onto its own copy always ends equal to the store.
    fn arb_ops() -> impl Strategy<Value = Vec<(u8, u8, u8, bool)>> {
        proptest::collection::vec((0u8..4, 0u8..6, 0u8..4, any::<bool>()), 1..60)
    }

    proptest! {
        #[test]
        fn coalesced_replay_equals_store(ops in arb_ops()) {
            let mut s = store();
            let mut sub = s.subscribe(None).unwrap();
            let mut copy: HashMap<(Arc<str>, Uuid), Arc<Row>> = HashMap::new();
            let replay = |copy: &mut HashMap<(Arc<str>, Uuid), Arc<Row>>, batch: Vec<Change>| {
                for c in batch {
                    match c.new {
                        Some(n) => { copy.insert((c.table.clone(), c.uuid), n); }
                        None => { copy.remove(&(c.table.clone(), c.uuid)); }
                    }
                }
            };
            for (op, row, name, read) in ops {
                let uuid = u(u128::from(row));
                let exists = s.snapshot().get("Port", uuid).unwrap().is_some();
                let ru = match (op, exists) {
                    (0, false) | (1, false) => RowUpdate2::Insert(Row::new().with("name", format!("n{name}"))),
                    (0, true) | (1, true) => RowUpdate2::Modify(Row::new().with("name", format!("n{name}"))),
                    (2, true) => RowUpdate2::Delete,
                    (2, false) => continue,
                    _ => RowUpdate2::Modify(Row::new().with("up", name % 2 == 0)),
                };
                if matches!(ru, RowUpdate2::Modify(_)) && !exists {
                    continue;
                }
                s.apply_update2(upd("Port", vec![(uuid, ru)]), None).unwrap();
                if read {
                    replay(&mut copy, sub.try_batch());
                }
            }
            replay(&mut copy, sub.try_batch());
            let snap = s.snapshot();
            let want: HashMap<(Arc<str>, Uuid), Arc<Row>> = snap
                .rows("Port").unwrap().map(|(u, r)| ((Arc::from("Port"), u), r.clone())).collect();
            prop_assert_eq!(copy, want);
        }
    }
}
