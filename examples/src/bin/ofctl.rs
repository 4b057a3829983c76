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
        Cmd::ParseFlows { .. } | Cmd::EncodeFlows { .. } | Cmd::OfpParse { .. } => {
            bail!("offline commands run without the runtime")
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

/// Runs the commands that need no switch, without an async runtime.
fn run_offline(cli: Cli) -> Result<()> {
    let v = cli.version;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Cmd::ParseFlows { file } => parse_flows(&file, v, &mut out)?,
        Cmd::EncodeFlows { file, out: path } => {
            let flows = read_flows(&file, v)?;
            let mut n = 0u32;
            let msgs = encode_all(&flows, v, || {
                n += 1;
                n
            })?;
            std::fs::write(&path, msgs.concat()).with_context(|| format!("cannot write {path}"))?;
        }
        Cmd::OfpParse { file } => ofp_parse(&file, &mut out)?,
        _ => bail!("not an offline command"),
    }
    out.flush()?;
    Ok(())
}

/// How many threads the offline commands use.
fn n_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// Input bytes per piece of work: small enough to share the work evenly and start
/// writing early, large enough that handing pieces out costs nothing.
const PIECE: usize = 256 * 1024;

/// Runs `work` on pieces `0..n` on [`n_threads`] threads (pieces handed out in order as
/// threads get free) and gives the results to `consume` in piece order, on this thread,
/// as soon as each one and all before it are done. Stops handing out pieces once `consume`
/// fails, and returns its error.
fn in_order<T: Send>(
    n: usize,
    work: impl Fn(usize) -> T + Sync,
    mut consume: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    let threads = n_threads().min(n);
    if threads <= 1 {
        for i in 0..n {
            consume(work(i))?;
        }
        return Ok(());
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, stop, work) = (&next, &stop, &work);
            scope.spawn(move || {
                use std::sync::atomic::Ordering::Relaxed;
                while !stop.load(Relaxed) {
                    let i = next.fetch_add(1, Relaxed);
                    if i >= n || tx.send((i, work(i))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut want = 0;
        let mut result = Ok(());
        for (i, t) in rx.iter() {
            pending.insert(i, t);
            while let Some(t) = pending.remove(&want) {
                want += 1;
                if result.is_ok() {
                    result = consume(t);
                    if result.is_err() {
                        stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        }
        result
    })
}

/// `ofp-parse`: decodes a file of OpenFlow messages and prints one line per message.
fn ofp_parse(file: &str, out: &mut impl Write) -> Result<()> {
    let data = std::fs::read(file).with_context(|| format!("cannot read {file}"))?;
    // Message boundaries first (cheap), cut into pieces of about PIECE bytes.
    let mut cuts = vec![0usize];
    let mut at = 0usize;
    let mut framing_error = None;
    while at < data.len() {
        match frame_len(&data[at..]) {
            Ok(Some(len)) => at += len,
            Ok(None) => {
                framing_error = Some(anyhow!("{file}: truncated message at byte {at}"));
                break;
            }
            Err(e) => {
                framing_error = Some(anyhow!("{file}: byte {at}: {e}"));
                break;
            }
        }
        if at - cuts[cuts.len() - 1] >= PIECE {
            cuts.push(at);
        }
    }
    if *cuts.last().unwrap_or(&0) != at {
        cuts.push(at);
    }
    let pieces = cuts.len() - 1;
    in_order(
        pieces,
        |p| {
            let (start, end) = (cuts[p], cuts[p + 1]);
            let mut text = String::with_capacity((end - start) * 3 / 2);
            let mut at = start;
            while at < end {
                // The lengths were checked when cutting.
                let len = match frame_len(&data[at..end]) {
                    Ok(Some(len)) => len,
                    _ => break,
                };
                format_message(&data[at..at + len], at, &mut text);
                at += len;
            }
            text
        },
        |text| Ok(out.write_all(text.as_bytes())?),
    )?;
    match framing_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Appends the `ofp-parse` line of the message `bytes`, found at byte `at` of its file.
fn format_message(bytes: &[u8], at: usize, text: &mut String) {
    use std::fmt::Write as _;
    match Message::decode(bytes) {
        Ok((mv, xid, Message::FlowMod(fm))) => {
            flow::format_flow_mod_line(&fm, mv, xid, text);
            text.push('\n');
        }
        Ok((mv, xid, m)) => {
            let _ = writeln!(
                text,
                "{} ({}) (xid={xid:#x}): {m:?}",
                m.name(),
                mv.short_name()
            );
        }
        Err(e) => {
            let _ = writeln!(text, "***decode error at byte {at}: {e}***");
        }
    }
}

/// The number of lines of `text` and how many of them [`flow_lines`] yields: those whose
/// first non-blank character is not `#`.
fn count_lines_and_flows(text: &str) -> (usize, usize) {
    let (mut lines, mut flows) = (0, 0);
    for line in text.lines() {
        lines += 1;
        let t = line.trim_start();
        if !t.is_empty() && !t.starts_with('#') {
            flows += 1;
        }
    }
    (lines, flows)
}

/// What a piece of `parse-flows` gives: its text, and the first error.
struct Parsed {
    text: String,
    /// A flow that does not parse (reported before anything is printed).
    parse_error: Option<anyhow::Error>,
    /// A flow that has no flow_mod (reported after the flows before it are printed).
    encode_error: Option<anyhow::Error>,
}

/// `parse-flows`: prints each flow's flow_mod as `ovs-ofctl parse-flows` does. As it, prints
/// nothing when a flow does not parse.
fn parse_flows(file: &str, v: Version, out: &mut impl Write) -> Result<()> {
    let text = read_input(file)?;
    // Pieces of whole lines.
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    let mut start = 0usize;
    while start < text.len() {
        let want = (start + PIECE).min(text.len());
        let end = match text.as_bytes()[want..].iter().position(|&b| b == b'\n') {
            Some(p) => want + p + 1,
            None => text.len(),
        };
        bounds.push((start, end));
        start = end;
    }
    // Each piece's first line number and flow index (the xid), counted in parallel.
    let mut counts = Vec::with_capacity(bounds.len());
    in_order(
        bounds.len(),
        |p| count_lines_and_flows(&text[bounds[p].0..bounds[p].1]),
        |c| {
            counts.push(c);
            Ok(())
        },
    )?;
    let mut pieces: Vec<(usize, usize, usize, usize)> = Vec::with_capacity(bounds.len()); // (start, end, line, flow)
    let (mut line, mut flows) = (0usize, 0usize);
    for (&(start, end), &(l, f)) in bounds.iter().zip(&counts) {
        pieces.push((start, end, line, flows));
        line += l;
        flows += f;
    }
    let mut results: Vec<Parsed> = Vec::with_capacity(pieces.len());
    in_order(
        pieces.len(),
        |p| {
            let (start, end, line0, flow0) = pieces[p];
            let mut r = Parsed {
                text: String::with_capacity((end - start) * 3 / 2),
                parse_error: None,
                encode_error: None,
            };
            for (k, (n, cmd, l)) in flow_lines(&text[start..end]).enumerate() {
                let f = match Flow::parse_command(l, cmd, v) {
                    Ok(f) => f,
                    Err(e) => {
                        r.parse_error = Some(anyhow!("{file}:{}: {e}", line0 + n));
                        break;
                    }
                };
                if r.encode_error.is_some() {
                    continue;
                }
                let i = flow0 + k;
                match f.into_flow_mod(cmd, v) {
                    Ok(fm) => {
                        flow::format_flow_mod_line(&fm, v, i as u32 + 1, &mut r.text);
                        r.text.push('\n');
                    }
                    Err(e) => r.encode_error = Some(anyhow!("{file}: flow {}: {e}", i + 1)),
                }
            }
            r
        },
        |r| {
            results.push(r);
            Ok(())
        },
    )?;
    if let Some(e) = results.iter_mut().find_map(|r| r.parse_error.take()) {
        return Err(e);
    }
    for r in results {
        out.write_all(r.text.as_bytes())?;
        if let Some(e) = r.encode_error {
            out.flush()?;
            return Err(e);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::ParseFlows { .. } | Cmd::EncodeFlows { .. } | Cmd::OfpParse { .. } => run_offline(cli),
        _ => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(run(cli))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ofctl: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piece_counts_agree_with_flow_lines() {
        let text = "table=1,actions=drop\n\n   \n# comment\n  # indented comment\n\
                    add priority=5,actions=drop # trailing\nadd\n\t\r\nmodify\r\n \u{a0}x\nlast";
        let (lines, flows) = count_lines_and_flows(text);
        assert_eq!(lines, text.lines().count());
        assert_eq!(flows, flow_lines(text).count());
        assert_eq!(flow_lines(text).last().map(|(n, _, _)| n), Some(lines));
    }
}
