//! `ovn-apply`: makes an OVN northbound database match a topology file.
//!
//! ```text
//! ovn-apply --nb REMOTE FILE [--dry-run] [--owner KEY=VALUE]
//! ```
//!
//! FILE is a topology in the JSON format of `ovn_model::file`. The program follows the
//! northbound tables it manages with a replica, computes the smallest transaction that makes
//! the rows it owns (those with the owner mark in `external_ids`, `vendor=kube-ovn` by default)
//! match the file, sends it (retrying if a concurrent change gets in the way), and prints the
//! row changes per table and a last line `N operations`. Applying the same file again prints
//! `0 operations`. With `--dry-run` it prints the transaction instead of sending it. Rows
//! without the owner mark are never changed; a name clash with one is an error.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use ovn_model::apply::apply;
use ovn_model::diff::{Owner, Plan, TABLES, diff};
use ovn_model::topology::Topology;
use ovsdb_client::replica::ReplicaBuilder;

#[derive(Parser)]
#[command(
    name = "ovn-apply",
    about = "Make an OVN northbound database match a topology file"
)]
struct Cli {
    /// The northbound database: unix:PATH, tcp:HOST:PORT, or a comma-separated list.
    #[arg(long)]
    nb: String,
    /// The topology file (JSON).
    file: std::path::PathBuf,
    /// Print the transaction instead of sending it.
    #[arg(long)]
    dry_run: bool,
    /// The owner mark, KEY=VALUE in external_ids.
    #[arg(long, default_value = "vendor=kube-ovn")]
    owner: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("bad arguments");
            eprintln!(
                "ovn-apply: {} (try --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ovn-apply: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let timeout = Duration::from_secs(cli.timeout);
    match rt.block_on(async { tokio::time::timeout(timeout, run(&cli)).await }) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("ovn-apply: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("ovn-apply: timed out after {timeout:?}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: &Cli) -> Result<()> {
    let Some((key, value)) = cli.owner.split_once('=') else {
        bail!("--owner must be KEY=VALUE");
    };
    let owner = Owner::new(key, value);
    let text = std::fs::read_to_string(&cli.file)
        .with_context(|| format!("cannot read {}", cli.file.display()))?;
    let topology = Topology::from_json(&text).with_context(|| cli.file.display().to_string())?;

    let mut builder = ReplicaBuilder::new(cli.nb.clone(), "OVN_Northbound");
    for t in TABLES {
        builder = builder.table(*t);
    }
    let (driver, replica) = builder.start()?;
    let driver = tokio::spawn(driver);
    replica
        .wait_synced()
        .await
        .with_context(|| format!("cannot sync with {}", cli.nb))?;

    let plan = if cli.dry_run {
        let plan = diff(&topology, &replica.snapshot(), &owner)?;
        for op in plan.transaction.operations() {
            println!("{}", serde_json::to_string(op)?);
        }
        plan
    } else {
        apply(&replica, &topology, &owner, 5).await?.plan
    };
    report(&plan);
    drop(replica);
    driver.abort();
    Ok(())
}

/// The row changes per table, then `N operations`.
fn report(plan: &Plan) {
    for (table, c) in &plan.counts {
        println!(
            "{table}: {} inserted, {} updated, {} deleted",
            c.inserted, c.updated, c.deleted
        );
    }
    println!("{} operations", plan.changes);
}
