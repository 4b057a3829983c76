//! `ofctl`: ovs-ofctl's flow commands, in process, over our OpenFlow codec and connection.
//!
//! ```text
//! ofctl [-O OpenFlow13|OpenFlow14|OpenFlow15] COMMAND ARGS...
//!
//!   add-flows SWITCH FILE [--bundle]   add the flows of FILE (one atomic bundle with --bundle;
//!                                      otherwise flow_mods checked by a barrier)
//!   del-flows SWITCH [FLOW] [--strict] delete every flow, or those FLOW selects
//!   dump-flows SWITCH [--no-stats]     print the switch's flows as ovs-ofctl does
//!   replace-flows SWITCH FILE          make the switch hold exactly FILE's flows: dump, diff,
//!                                      send only the real changes in one atomic bundle, print
//!                                      how many adds, modifies and deletes were sent
//!   parse-flows FILE                   print each flow's flow_mod as `ovs-ofctl parse-flows`
//!   encode-flows FILE OUT              write the flow_mods (ADD) as a binary stream
//!   ofp-parse FILE                     decode a binary stream of messages, one per line
//! ```
//!
//! SWITCH is `unix:PATH` (e.g. a bridge's `<rundir>/<bridge>.mgmt`) or `tcp:HOST:PORT`. FILE
//! holds one flow per line in ovs-ofctl syntax (`-` for standard input); blank lines and
//! `#` comments are skipped, and a line may start with `add`, `modify`, `modify_strict`,
//! `delete` or `delete_strict` (bundles). Errors name the file, line and column.

use std::io::{BufWriter, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use openflow::Version;
use openflow::conn::{self, Config, Handle};
use openflow::flow::{self, Command, Flow};
use openflow::message::{Message, frame_len};
use openflow::version::VersionSet;
use openflow::wire::Writer;

#[derive(Parser)]
#[command(
    name = "ofctl",
    about = "ovs-ofctl's flow commands over a pure-Rust OpenFlow stack"
)]
struct Cli {
    /// OpenFlow version: OpenFlow13, OpenFlow14 or OpenFlow15.
    #[arg(
        short = 'O',
        long = "protocols",
        default_value = "OpenFlow15",
        global = true
    )]
    version: Version,
    /// Send the flows in one atomic bundle (add-flows).
    #[arg(long, global = true)]
    bundle: bool,
    /// Leave out statistics (dump-flows).
    #[arg(long, global = true)]
    no_stats: bool,
    /// Match priority and match exactly (del-flows).
    #[arg(long, global = true)]
    strict: bool,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Add the flows of FILE.
    AddFlows { switch: String, file: String },
    /// Delete flows (all, or those FLOW selects).
    DelFlows {
        switch: String,
        flow: Option<String>,
    },
    /// Print the switch's flows.
    DumpFlows { switch: String },
    /// Make the switch hold exactly FILE's flows, sending only the changes.
    ReplaceFlows { switch: String, file: String },
    /// Print each flow's flow_mod as ovs-ofctl parse-flows does.
    ParseFlows { file: String },
    /// Write the flows' flow_mods (ADD) to OUT as a binary stream.
    EncodeFlows { file: String, out: String },
    /// Decode a binary stream of OpenFlow messages.
    OfpParse { file: String },
}

fn read_input(path: &str) -> Result<String> {
    if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))
    }
}

/// The flow lines of a file: (line number, command, text), skipping blanks and comments.
fn flow_lines(text: &str) -> impl Iterator<Item = (usize, Command, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = match line.find('#') {
            Some(p) => &line[..p],
            None => line,
        };
        let t = line.trim_start();
        if t.trim_end().is_empty() {
            return None;
        }
        let word_end = t
            .find(|c: char| c == ',' || c.is_whitespace())
            .unwrap_or(t.len());
        let (cmd, rest) = match &t[..word_end] {
            "add" => (Command::Add, &t[word_end..]),
            "modify" => (Command::Modify, &t[word_end..]),
            "modify_strict" => (Command::ModifyStrict, &t[word_end..]),
            "delete" => (Command::Delete, &t[word_end..]),
            "delete_strict" => (Command::DeleteStrict, &t[word_end..]),
            _ => (Command::Add, t),
        };
        Some((i + 1, cmd, rest))
    })
}

/// Parses every flow of a file.
fn read_flows(path: &str, v: Version) -> Result<Vec<(Command, Flow)>> {
    let text = read_input(path)?;
    let mut out = Vec::new();
    for (n, cmd, line) in flow_lines(&text) {
        let f = Flow::parse_command(line, cmd, v).map_err(|e| anyhow!("{path}:{n}: {e}"))?;
        out.push((cmd, f));
    }
    Ok(out)
}

async fn connect(switch: &str, v: Version) -> Result<Handle> {
    let remote = switch.parse().map_err(|e| anyhow!("{e}"))?;
    let config = Config {
        versions: VersionSet::of(&[v]),
        ..Config::default()
    };
    let (c, h, _events) = conn::connect(&remote, config)
        .await
        .with_context(|| format!("cannot connect to {switch}"))?;
    tokio::spawn(c);
    Ok(h)
}

fn encode_all(
    flows: &[(Command, Flow)],
    v: Version,
    mut xid: impl FnMut() -> u32,
) -> Result<Vec<Vec<u8>>> {
    flows
        .iter()
        .map(|(cmd, f)| {
            let mut w = Writer::with_capacity(256);
            Message::FlowMod(f.to_flow_mod(*cmd, v)?).encode_into(v, xid(), &mut w)?;
            Ok(w.into_vec())
        })
        .collect()
}

async fn run(cli: Cli) -> Result<()> {
    let v = cli.version;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    match cli.command {
        Cmd::ParseFlows { file } => {
            let flows = read_flows(&file, v)?;
            for (i, (cmd, f)) in flows.iter().enumerate() {
                let fm = f
                    .to_flow_mod(*cmd, v)
                    .map_err(|e| anyhow!("{file}: flow {}: {e}", i + 1))?;
                writeln!(out, "{}", flow::flow_mod_line(&fm, v, i as u32 + 1))?;
            }
        }
        Cmd::EncodeFlows { file, out: path } => {
            let flows = read_flows(&file, v)?;
            let mut n = 0u32;
            let msgs = encode_all(&flows, v, || {
                n += 1;
                n
            })?;
            std::fs::write(&path, msgs.concat()).with_context(|| format!("cannot write {path}"))?;
        }
        Cmd::OfpParse { file } => {
            let data = std::fs::read(&file).with_context(|| format!("cannot read {file}"))?;
            let mut at = 0usize;
            while at < data.len() {
                let rest = &data[at..];
                let len = match frame_len(rest) {
                    Ok(Some(len)) => len,
                    Ok(None) => bail!("{file}: truncated message at byte {at}"),
                    Err(e) => bail!("{file}: byte {at}: {e}"),
                };
                match Message::decode(&rest[..len]) {
                    Ok((mv, xid, Message::FlowMod(fm))) => {
                        writeln!(out, "{}", flow::flow_mod_line(&fm, mv, xid))?
                    }
                    Ok((mv, xid, m)) => writeln!(
                        out,
                        "{} ({}) (xid={xid:#x}): {m:?}",
                        m.name(),
                        mv.short_name()
                    )?,
                    Err(e) => writeln!(out, "***decode error at byte {at}: {e}***")?,
                }
                at += len;
            }
        }
        Cmd::AddFlows { switch, file } => {
            let flows = read_flows(&file, v)?;
            let h = connect(&switch, v).await?;
            let msgs = encode_all(&flows, v, || h.next_xid())?;
            let result = if cli.bundle {
                h.bundle(&msgs).await
            } else {
                h.send_checked(msgs.concat()).await
            };
            match result {
                Ok(()) => {}
                Err(openflow::Error::Failed { index, kind, .. }) => {
                    bail!("{file}: flow {} failed: {kind}", index + 1)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Cmd::DelFlows {
            switch,
            flow: selector,
        } => {
            let cmd = if cli.strict {
                Command::DeleteStrict
            } else {
                Command::Delete
            };
            let f = match &selector {
                Some(s) => Flow::parse_command(s, cmd, v).map_err(|e| anyhow!("{e}"))?,
                None => Flow::default(),
            };
            let h = connect(&switch, v).await?;
            let bytes = Message::FlowMod(f.to_flow_mod(cmd, v)?).encode(v, h.next_xid())?;
            h.send_checked(bytes).await?;
        }
        Cmd::DumpFlows { switch } => {
            let h = connect(&switch, v).await?;
            let replies = h
                .transact(&Message::MultipartRequest(
                    openflow::message::MultipartRequest {
                        flags: 0,
                        body: openflow::message::MultipartRequestBody::Flow(Default::default()),
                    },
                ))
                .await?;
            let mut line = String::with_capacity(512);
            for r in replies {
                if let Message::MultipartReply(r) = r
                    && let openflow::message::MultipartReplyBody::Flow(stats) = r.body
                {
                    for s in &stats {
                        line.clear();
                        line.push(' ');
                        flow::format_flow_stats(s, v, !cli.no_stats, &mut line);
                        writeln!(out, "{line}")?;
                    }
                }
            }
        }
        Cmd::ReplaceFlows { switch, file } => {
            let flows: Vec<Flow> = read_flows(&file, v)?.into_iter().map(|(_, f)| f).collect();
            let h = connect(&switch, v).await?;
            let plan = openflow::sync::sync(&h, &flows).await?;
            writeln!(
                out,
                "{} adds, {} modifies, {} replaces, {} deletes: {} flow_mods",
                plan.adds.len(),
                plan.modifies.len(),
                plan.replaces.len(),
                plan.deletes.len(),
                plan.len()
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ofctl: {e:#}");
            ExitCode::FAILURE
        }
    }
}
