//! `ovsdb`: a command-line OVSDB client modelled on the C `ovsdb-client`, with JSON output.
//!
//! ```text
//! ovsdb list-dbs REMOTE
//! ovsdb get-schema REMOTE DB
//! ovsdb list-tables REMOTE DB
//! ovsdb list-columns REMOTE DB TABLE
//! ovsdb transact REMOTE TRANSACTION
//! ovsdb dump REMOTE DB [TABLE...]
//! ovsdb monitor REMOTE DB TABLE[,COLUMN...]
//! ovsdb sync REMOTE DB [TABLE...]
//! ```
//!
//! REMOTE is `tcp:HOST:PORT`, `ssl:HOST:PORT`, `unix:PATH`, or a comma-separated list of them.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use ovsdb_client::monitor::{MonitorEvent, MonitorRequest, MonitorRequests, RowUpdate2};
use ovsdb_client::remote::TlsConfig;
use ovsdb_client::replica::ReplicaBuilder;
use ovsdb_client::{ConnectOptions, Error, Handle, Row, Uuid, connect};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(
    name = "ovsdb",
    version,
    about = "A command-line OVSDB client with JSON output",
    after_help = "REMOTE: tcp:HOST:PORT, ssl:HOST:PORT, unix:PATH, or a comma-separated list."
)]
struct Cli {
    /// PEM private key for ssl: remotes.
    #[arg(long, short = 'p', global = true, env = "OVSDB_PRIVATE_KEY")]
    private_key: Option<std::path::PathBuf>,
    /// PEM certificate for ssl: remotes.
    #[arg(long, short = 'c', global = true, env = "OVSDB_CERTIFICATE")]
    certificate: Option<std::path::PathBuf>,
    /// PEM CA certificate for ssl: remotes.
    #[arg(long, short = 'C', global = true, env = "OVSDB_CA_CERT")]
    ca_cert: Option<std::path::PathBuf>,
    /// Give up on a request after this many seconds (0: never).
    #[arg(long, global = true, default_value_t = 0)]
    timeout: u64,
    /// Print one-line JSON instead of indented JSON.
    #[arg(long, global = true)]
    compact: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lists the databases on the server.
    ListDbs { remote: String },
    /// Prints a database's schema.
    GetSchema { remote: String, db: String },
    /// Lists the tables of a database.
    ListTables { remote: String, db: String },
    /// Lists the columns of a table and their types.
    ListColumns {
        remote: String,
        db: String,
        table: String,
    },
    /// Runs a transaction given as a JSON array [DB, OPERATION...] and prints the results.
    Transact { remote: String, transaction: String },
    /// Prints every row of the given tables (all tables by default).
    Dump {
        remote: String,
        db: String,
        tables: Vec<String>,
    },
    /// Prints one JSON line per change to TABLE (initial rows first) until killed.
    Monitor {
        remote: String,
        db: String,
        /// TABLE, or TABLE,COLUMN,COLUMN... to watch only those columns.
        table: String,
    },
    /// Builds a replica of the given tables (all tables by default), prints each table's row
    /// count as JSON, and exits.
    Sync {
        remote: String,
        db: String,
        tables: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("bad arguments");
            eprintln!(
                "ovsdb: {} (try --help)",
                first.trim_start_matches("error: ").trim()
            );
            return ExitCode::from(2);
        }
    };
    // OVSDB_LOG=debug (any tracing-subscriber filter) logs the library's events to stderr.
    if let Ok(filter) = std::env::var("OVSDB_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ovsdb: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => {
            // Exit without tearing the runtime down: what is left (a replica's rows, say) is
            // returned to the OS at once rather than freed piece by piece.
            let _ = std::io::Write::flush(&mut std::io::stdout());
            std::process::exit(0)
        }
        Err(e) => {
            // One line: the chain of causes joined.
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("ovsdb: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn print(cli_compact: bool, v: &Value) -> Result<()> {
    let text = if cli_compact {
        serde_json::to_string(v)?
    } else {
        serde_json::to_string_pretty(v)?
    };
    println!("{text}");
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    let mut options = ConnectOptions::default();
    match (&cli.private_key, &cli.certificate, &cli.ca_cert) {
        (Some(k), Some(c), Some(ca)) => options.tls = Some(TlsConfig::new(k, c, ca)),
        (None, None, None) => {}
        _ => bail!("--private-key, --certificate and --ca-cert must be given together"),
    }
    let remote = match &cli.command {
        Command::ListDbs { remote }
        | Command::GetSchema { remote, .. }
        | Command::ListTables { remote, .. }
        | Command::ListColumns { remote, .. }
        | Command::Transact { remote, .. }
        | Command::Dump { remote, .. }
        | Command::Monitor { remote, .. }
        | Command::Sync { remote, .. } => remote.clone(),
    };
    // Check the arguments before connecting.
    if let Command::Transact { transaction, .. } = &cli.command {
        let v: Value =
            serde_json::from_str(transaction).context("TRANSACTION is not valid JSON")?;
        if !v
            .as_array()
            .is_some_and(|a| a.first().is_some_and(Value::is_string))
        {
            bail!("TRANSACTION must be a JSON array whose first element is the database name");
        }
    }
    let (conn, handle) = connect(&remote, &options)
        .await
        .with_context(|| format!("cannot connect to {remote}"))?;
    let driver = tokio::spawn(conn);
    let timeout = (cli.timeout > 0).then(|| Duration::from_secs(cli.timeout));
    let work = command(&cli, &handle, &options);
    let result = match timeout {
        Some(t) => tokio::time::timeout(t, work)
            .await
            .unwrap_or_else(|_| Err(anyhow!("timed out after {t:?}"))),
        None => work.await,
    };
    drop(handle);
    driver.abort();
    result
}

async fn command(cli: &Cli, handle: &Handle, options: &ConnectOptions) -> Result<()> {
    let compact = cli.compact;
    match &cli.command {
        Command::ListDbs { .. } => {
            let dbs = handle.list_dbs().await?;
            print(compact, &json!(dbs))
        }
        Command::GetSchema { db, .. } => {
            let schema = handle.get_schema(db).await?;
            print(compact, &serde_json::to_value(&schema)?)
        }
        Command::ListTables { db, .. } => {
            let schema = handle.get_schema(db).await?;
            let names: Vec<&String> = schema.tables.keys().collect();
            print(compact, &json!(names))
        }
        Command::ListColumns { db, table, .. } => {
            let schema = handle.get_schema(db).await?;
            let t = schema.table(table)?;
            let mut out = serde_json::Map::new();
            for (name, col) in &t.columns {
                out.insert(name.clone(), serde_json::to_value(&col.ty)?);
            }
            print(compact, &Value::Object(out))
        }
        Command::Transact { transaction, .. } => {
            let params: Value = serde_json::from_str(transaction)?;
            let result = handle.transact_raw(&params).await?;
            print(compact, &result)
        }
        Command::Dump { db, tables, .. } => dump(handle, db, tables, compact).await,
        Command::Monitor { db, table, .. } => monitor(handle, db, table).await,
        Command::Sync { remote, db, tables } => {
            sync(handle, remote, options, db, tables, compact).await
        }
    }
}

/// Whether the server rejected a request because it does not know the method.
fn unknown_method(e: &Error) -> bool {
    matches!(e, Error::Rpc { error, .. } if error == "unknown method")
}

/// `sync`: fills a replica store from one monitor's initial contents and prints the row counts.
/// Builds a replica of the tables (all of the database's if none are given) with
/// [`ReplicaBuilder`], as a long-running program would: on a cluster it goes to the leader.
async fn sync(
    handle: &Handle,
    remote: &str,
    options: &ConnectOptions,
    db: &str,
    tables: &[String],
    compact: bool,
) -> Result<()> {
    let names = table_names(handle, db, tables).await?;
    let mut builder = ReplicaBuilder::new(remote, db).connect_options(options.clone());
    for t in &names {
        builder = builder.table(t);
    }
    let (driver, replica) = builder.start()?;
    let driver = tokio::spawn(driver);
    let snapshot = replica.wait_synced().await?;
    let mut counts = serde_json::Map::new();
    for table in snapshot.tables() {
        counts.insert(table.to_owned(), json!(snapshot.len(table)?));
    }
    print(compact, &Value::Object(counts))?;
    // The program exits next, with the replica still running: it is left to the OS (see main).
    std::mem::forget((replica, driver));
    Ok(())
}

/// The tables given, checked against the schema (for a one-line error before anything else
/// is sent), or all of the database's tables if none are given.
async fn table_names(handle: &Handle, db: &str, tables: &[String]) -> Result<Vec<String>> {
    let schema = handle.get_schema(db).await?;
    if tables.is_empty() {
        return Ok(schema.tables.keys().cloned().collect());
    }
    for t in tables {
        schema.table(t)?;
    }
    Ok(tables.to_vec())
}

async fn dump(handle: &Handle, db: &str, tables: &[String], compact: bool) -> Result<()> {
    let names = table_names(handle, db, tables).await?;
    let mut params = vec![json!(db)];
    for t in &names {
        params.push(json!({"op": "select", "table": t, "where": []}));
    }
    let result = handle.transact_raw(&Value::Array(params)).await?;
    let results = result
        .as_array()
        .ok_or_else(|| anyhow!("transact reply is not an array"))?;
    let mut out = serde_json::Map::new();
    for (name, r) in names.iter().zip(results) {
        if let Some(err) = r.get("error") {
            bail!("select from {name} failed: {err}");
        }
        let mut rows = r
            .get("rows")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        rows.sort_by(|a, b| a["_uuid"].to_string().cmp(&b["_uuid"].to_string()));
        out.insert(name.clone(), Value::Array(rows));
    }
    print(compact, &Value::Object(out))
}

fn line(
    table: &str,
    uuid: &Uuid,
    action: &str,
    row: Option<&Row>,
    old: Option<&Row>,
) -> Result<()> {
    let mut v = json!({"table": table, "uuid": uuid.to_string(), "action": action});
    if let Some(r) = row {
        v["row"] = serde_json::to_value(r)?;
    }
    if let Some(o) = old {
        v["old"] = serde_json::to_value(o)?;
    }
    println!("{}", serde_json::to_string(&v)?);
    Ok(())
}

async fn monitor(handle: &Handle, db: &str, spec: &str) -> Result<()> {
    let mut parts = spec.split(',').map(str::trim);
    let table = parts
        .next()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| anyhow!("no table given"))?
        .to_owned();
    let columns: Vec<String> = parts.filter(|c| !c.is_empty()).map(str::to_owned).collect();
    let schema = handle.get_schema(db).await?;
    let ts = schema.table(&table)?;
    for c in &columns {
        ts.column(c)?;
    }
    let request = if columns.is_empty() {
        MonitorRequest::all()
    } else {
        MonitorRequest::columns(columns.iter().cloned())
    };
    let mut requests = MonitorRequests::new();
    requests.insert(table.clone(), vec![request]);

    // The newest method the server knows, falling back as the C client does.
    let (initial, mut mon) = match handle.monitor_cond_since(db, &requests, None).await {
        Ok((reply, mon)) => (reply.updates, mon),
        Err(e) if unknown_method(&e) => match handle.monitor_cond(db, &requests).await {
            Ok(r) => r,
            Err(e) if unknown_method(&e) => {
                let (u, mon) = handle.monitor(db, &requests).await?;
                for (uuid, ru) in u.table(&table) {
                    if let Some(new) = &ru.new {
                        line(&table, uuid, "initial", Some(new), None)?;
                    }
                }
                return follow_v1(mon, &table).await;
            }
            Err(e) => return Err(e.into()),
        },
        Err(e) => return Err(e.into()),
    };
    let mut rows: BTreeMap<Uuid, Row> = BTreeMap::new();
    let mut apply = |u: &ovsdb_client::monitor::TableUpdates2| -> Result<()> {
        for (uuid, ru) in u.table(&table) {
            match ru {
                RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => {
                    let action = if matches!(ru, RowUpdate2::Initial(_)) {
                        "initial"
                    } else {
                        "insert"
                    };
                    // The server leaves out columns holding their default value.
                    let mut r = r.clone();
                    ts.fill_defaults(&mut r, (!columns.is_empty()).then_some(columns.as_slice()));
                    line(&table, uuid, action, Some(&r), None)?;
                    rows.insert(*uuid, r);
                }
                RowUpdate2::Modify(diff) => {
                    let row = rows.entry(*uuid).or_default();
                    let old: Row = diff
                        .iter()
                        .filter_map(|(c, _)| row.get(c).map(|v| (c.to_owned(), v.clone())))
                        .collect();
                    ts.apply_diff(row, diff);
                    line(&table, uuid, "modify", Some(row), Some(&old))?;
                }
                RowUpdate2::Delete => {
                    let old = rows.remove(uuid);
                    line(&table, uuid, "delete", None, old.as_ref())?;
                }
            }
        }
        Ok(())
    };
    apply(&initial)?;
    while let Some(ev) = mon.next().await {
        match ev? {
            MonitorEvent::Update2(u) => apply(&u)?,
            MonitorEvent::Update3 { updates, .. } => apply(&updates)?,
            MonitorEvent::Canceled => bail!("the server canceled the monitor"),
            _ => {}
        }
    }
    bail!("the connection closed")
}

async fn follow_v1(mut mon: ovsdb_client::client::Monitor, table: &str) -> Result<()> {
    while let Some(ev) = mon.next().await {
        if let MonitorEvent::Update(u) = ev? {
            for (uuid, ru) in u.table(table) {
                let action = match (&ru.old, &ru.new) {
                    (None, Some(_)) => "insert",
                    (Some(_), None) => "delete",
                    _ => "modify",
                };
                line(table, uuid, action, ru.new.as_ref(), ru.old.as_ref())?;
            }
        }
    }
    bail!("the connection closed")
}
