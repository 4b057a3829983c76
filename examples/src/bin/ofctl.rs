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
use openflow::flow::{self, Command, Flow, FlowModEncoder};
use openflow::message::{FlowMod, Message, frame_len};
use openflow::sync::{Desired, DesiredEncoder};
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

/// The lines of `text` as `str::lines` cuts them (at `\n`, and at `\r\n` without its
/// `\r`), found with memchr's vector search: `str::lines` searches a word at a time, which
/// costs flows files about as much as reading them.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || next_line(&mut rest))
}

/// The first line of `rest` (as [`lines`] cuts it), which it then no longer holds.
#[inline]
fn next_line<'a>(rest: &mut &'a str) -> Option<&'a str> {
    if rest.is_empty() {
        return None;
    }
    Some(match memchr::memchr(b'\n', rest.as_bytes()) {
        Some(end) => {
            let line = &rest[..end];
            *rest = &rest[end + 1..];
            line.strip_suffix('\r').unwrap_or(line)
        }
        None => std::mem::take(rest),
    })
}

/// The flow lines of a file: (line number, command, text), skipping blanks and comments.
fn flow_lines(text: &str) -> FlowLines<'_> {
    FlowLines {
        rest: text,
        line: 0,
        // One search of the whole text for a comment instead of one per line (most files
        // have none; a short search per line costs more than the line's share of one long
        // one).
        comments: memchr::memchr(b'#', text.as_bytes()).is_some(),
    }
}

/// The iterator of [`flow_lines`]: a plain loop over the lines (as [`lines`] cuts them),
/// which costs less per line than adapters over [`lines`].
struct FlowLines<'a> {
    rest: &'a str,
    /// The number of the line last read.
    line: usize,
    /// Whether the text has a `#` anywhere.
    comments: bool,
}

impl<'a> Iterator for FlowLines<'a> {
    type Item = (usize, Command, &'a str);

    fn next(&mut self) -> Option<(usize, Command, &'a str)> {
        while let Some(line) = next_line(&mut self.rest) {
            self.line += 1;
            let line = match self
                .comments
                .then(|| memchr::memchr(b'#', line.as_bytes()))
                .flatten()
            {
                Some(p) => &line[..p],
                None => line,
            };
            // After `trim_start`, a line is blank only when empty.
            let t = line.trim_start();
            let Some(&first) = t.as_bytes().first() else {
                continue;
            };
            // Only a line starting as a command word can be one.
            if !matches!(first, b'a' | b'm' | b'd') {
                return Some((self.line, Command::Add, t));
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
            return Some((self.line, cmd, rest));
        }
        None
    }
}

async fn connect(switch: &str, v: Version) -> Result<Handle> {
    let remote = switch.parse().map_err(|e| anyhow!("{e}"))?;
    let config = Config {
        versions: VersionSet::of(&[v]),
        // A bundle of 100k flows is some 23 MB: written in fewer, larger steps (the switch
        // reads 1 MiB in well under the 5 s probe interval).
        send_buffer: Some(1 << 20),
        ..Config::default()
    };
    let (c, h, _events) = conn::connect(&remote, config)
        .await
        .with_context(|| format!("cannot connect to {switch}"))?;
    tokio::spawn(c);
    Ok(h)
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
            let h = connect(&switch, v).await?;
            // The flows are parsed and encoded on the worker threads, a piece at a time;
            // into a bundle, each piece is sent as soon as it and those before it are
            // ready, while the switch takes the pieces before.
            let result = if cli.bundle {
                let mut bundle = h.open_bundle()?;
                let template = bundle.part();
                // Parsed on threads of their own; each part is sent, in order, from the
                // thread that puts the parts in order (no hop through an async task), and
                // at most PACE bytes wait to be written, so that memory stays small however
                // large the file (the switch reads slower than we parse).
                const PACE: usize = 1 << 20;
                let rt = tokio::runtime::Handle::current();
                let (file, flushed) = (file.clone(), h.clone());
                let parser = tokio::task::spawn_blocking(move || -> Result<conn::BundleWriter> {
                    let mut queued = 0;
                    parse_file_with(
                        &file,
                        |flows| {
                            let mut part = template.clone();
                            // Bundle adds take a little more than the flows' text.
                            part.reserve(flows.text_len + flows.text_len / 4);
                            let mut enc = FlowModEncoder::new(v);
                            flows.each_line(|cmd, line| {
                                part.push_with(|xid, w| enc.encode_line(line, cmd, xid, w))
                            })?;
                            Ok(part)
                        },
                        |part| {
                            queued += part.byte_len();
                            bundle.send(part)?;
                            if queued >= PACE {
                                rt.block_on(flushed.flushed())?;
                                queued = 0;
                            }
                            Ok(())
                        },
                    )?;
                    Ok(bundle)
                });
                let bundle = parser
                    .await
                    .map_err(|_| anyhow!("the flow parser failed"))??;
                bundle.commit().await
            } else {
                // As ovs-ofctl: every flow is parsed before any is sent (outside a bundle,
                // the switch would keep the flows before a line that does not parse).
                let pieces = parse_file(&file, |flows| encode_flow_mods(flows, v))?;
                let mut batch = h.start_checked()?;
                for mut piece in pieces {
                    set_xids(&mut piece, || h.next_xid());
                    batch.send(piece)?;
                }
                batch.finish().await
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
            let request = Message::MultipartRequest(openflow::message::MultipartRequest {
                flags: 0,
                body: openflow::message::MultipartRequestBody::Flow(Default::default()),
            })
            .encode(v, h.next_xid())?;
            // Each part is printed as it arrives, while the switch sends the next.
            let mut parts = h.start_stream(request)?;
            let mut line = String::with_capacity(512);
            while let Some(part) = parts.next().await {
                let part = part?;
                for entry in openflow::sync::dump_part_entries(&part, v)? {
                    line.clear();
                    line.push(' ');
                    flow::format_flow_stats(&entry?.decode()?, v, !cli.no_stats, &mut line);
                    line.push('\n');
                    out.write_all(line.as_bytes())?;
                }
            }
        }
        Cmd::ReplaceFlows { switch, file } => {
            // The dump is asked for first: the switch builds it while the file is read.
            let h = connect(&switch, v).await?;
            let pending = openflow::sync::start_dump(&h)?;
            // Read and encoded on the worker threads, a piece at a time, each flow as it is
            // parsed; only the flow_mods are kept.
            let parts = parse_file(&file, |flows| {
                let mut enc = DesiredEncoder::with_capacity(v, flows.text_len / 256);
                flows.each_line(|cmd, line| match cmd {
                    Command::Add => enc.push_line(line),
                    _ => Err(openflow::Error::parse(
                        line.trim_start(),
                        1,
                        "replace-flows takes flows to add, not modify or delete commands",
                    )),
                })?;
                Ok(enc.finish())
            })?;
            let desired = Desired::concat(parts, v)?;
            let plan = openflow::sync::sync_with(&h, &desired, pending).await?;
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
    // Written a piece at a time, from whichever thread has the next piece in order.
    let mut out = std::io::stdout();
    match cli.command {
        Cmd::ParseFlows { file } => parse_flows(&file, v, &mut out)?,
        Cmd::EncodeFlows { file, out: path } => {
            let pieces = parse_file(&file, |flows| encode_flow_mods(flows, v))?;
            // xids 1, 2, ... in file order.
            let mut all = pieces.concat();
            let mut xid = 0u32;
            set_xids(&mut all, || {
                xid += 1;
                xid
            });
            std::fs::write(&path, all).with_context(|| format!("cannot write {path}"))?;
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

/// Input bytes per piece of work: small enough to share the work evenly, start writing
/// early and keep the buffers in the allocator's cache, large enough that handing pieces
/// out costs nothing.
const PIECE: usize = 256 * 1024;

/// Buffers handed back after use, to be used again: a buffer of a few hundred KiB, freshly
/// allocated, comes from new pages that the kernel must fault in and zero, which costs
/// more than reading or encoding into it.
#[derive(Default)]
struct Buffers(std::sync::Mutex<Vec<Vec<u8>>>);

impl Buffers {
    /// How many buffers are kept at most: about as many as are in flight at once.
    const KEEP: usize = 16;

    /// An empty buffer of at least `capacity` bytes: one handed back, else a new one.
    fn take(&self, capacity: usize) -> Vec<u8> {
        let kept = match self.0.lock() {
            Ok(mut kept) => kept.pop(),
            Err(poisoned) => poisoned.into_inner().pop(),
        };
        let mut buf = kept.unwrap_or_default();
        buf.reserve(capacity);
        buf
    }

    /// Hands `buf` back (cleared) for a later [`Buffers::take`].
    fn give(&self, mut buf: Vec<u8>) {
        buf.clear();
        let mut kept = match self.0.lock() {
            Ok(kept) => kept,
            Err(poisoned) => poisoned.into_inner(),
        };
        if kept.len() < Self::KEEP {
            kept.push(buf);
        }
    }

    /// An empty string of at least `capacity` bytes, from [`Buffers::take`].
    fn take_string(&self, capacity: usize) -> String {
        // An empty buffer is valid UTF-8.
        String::from_utf8(self.take(capacity)).unwrap_or_default()
    }
}

/// A piece of input: its index, where it starts in the input, what the cutter noted
/// about what precedes it, and its bytes.
struct Piece {
    index: usize,
    offset: usize,
    before: (usize, usize),
    bytes: Vec<u8>,
}

/// What a cutter says about a buffer: how many leading bytes are whole units (0: read
/// more), and a note for the piece they make.
type Cut = (usize, (usize, usize));

/// Reads a file (`-`: standard input) a piece of whole units at a time, about [`PIECE`]
/// bytes each, in order. `cut(buf, offset, eof)` says how many leading bytes of `buf`
/// (found at `offset` in the input) are whole units, or fails when `buf` starts with a
/// broken one. Pieces are read into buffers from a [`Buffers`].
struct PieceReader<'a, C> {
    path: &'a str,
    input: Box<dyn Read + Send>,
    cut: C,
    /// Bytes read and not yet handed out (a piece's broken last unit, kept for the next).
    buf: Vec<u8>,
    offset: usize,
    index: usize,
    eof: bool,
    /// The cutter found no whole unit in `buf`: read more before cutting again.
    want_more: bool,
}

impl<'a, C: FnMut(&[u8], usize, bool) -> Result<Cut>> PieceReader<'a, C> {
    fn open(path: &'a str, cut: C, buffers: &Buffers) -> Result<Self> {
        let input: Box<dyn Read + Send> = if path == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(path).with_context(|| format!("cannot read {path}"))?)
        };
        Ok(PieceReader {
            path,
            input,
            cut,
            buf: buffers.take(2 * PIECE),
            offset: 0,
            index: 0,
            eof: false,
            want_more: false,
        })
    }

    /// The next piece, or `None` at the end of the input.
    fn next_piece(&mut self, buffers: &Buffers) -> Result<Option<Piece>> {
        loop {
            while !self.eof && (self.buf.len() < PIECE || self.want_more) {
                self.want_more = false;
                // `read_to_end` reads into the spare capacity without zeroing it first.
                let n = match (&mut self.input)
                    .take(PIECE as u64)
                    .read_to_end(&mut self.buf)
                {
                    Ok(n) => n,
                    Err(e) => {
                        return Err(if self.path == "-" {
                            e.into()
                        } else {
                            anyhow::Error::new(e).context(format!("cannot read {}", self.path))
                        });
                    }
                };
                self.eof = n < PIECE;
            }
            if self.buf.is_empty() {
                return Ok(None);
            }
            let (whole, before) = (self.cut)(&self.buf, self.offset, self.eof)?;
            let whole = whole.min(self.buf.len());
            if whole == 0 {
                if self.eof {
                    return Ok(None);
                }
                self.want_more = true;
                continue;
            }
            let mut bytes = std::mem::replace(&mut self.buf, buffers.take(2 * PIECE));
            self.buf.extend_from_slice(&bytes[whole..]);
            bytes.truncate(whole);
            let piece = Piece {
                index: self.index,
                offset: self.offset,
                before,
                bytes,
            };
            self.index += 1;
            self.offset += whole;
            return Ok(Some(piece));
        }
    }
}

/// Runs `work` on the pieces of `reader` on [`n_threads`] threads (this one among them)
/// and gives the results to `consume` in order, as soon as each one and all before it are
/// done; returns `consume`'s first error (after which nothing more is consumed), else the
/// reader's (after every piece before it is consumed).
///
/// Each thread reads its next piece itself and, once it has worked on it, passes on
/// whatever results are next in order: no thread only reads or only consumes, so none
/// waits for another to hand it something. This matters when `consume` waits (for a switch
/// that takes the results slower than they are made): the threads then sleep about once
/// per piece, not once per hand-off (on a virtual machine each sleep and wake-up costs tens
/// of microseconds of CPU: 100k flows took 690 context switches with hand-offs, 410
/// without). At most a few pieces are ahead of the one `consume` waits for.
fn ordered_pipeline<R: Send, C: FnMut(&[u8], usize, bool) -> Result<Cut> + Send>(
    reader: PieceReader<'_, C>,
    work: impl Fn(&Piece) -> R + Sync,
    consume: impl FnMut(R) -> Result<()> + Send,
    buffers: &Buffers,
) -> Result<()> {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    use std::sync::{Condvar, Mutex, MutexGuard};
    /// The results waiting for those before them, and what takes them.
    struct Order<R, F> {
        next: usize,
        pending: std::collections::BTreeMap<usize, R>,
        consume: F,
        result: Result<()>,
    }
    fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }
    let threads = n_threads().max(1);
    // How far ahead of the next result in order a thread may read.
    let ahead = threads;
    let stop = AtomicBool::new(false);
    let reader = Mutex::new((reader, None::<anyhow::Error>));
    let order = Mutex::new(Order {
        next: 0,
        pending: std::collections::BTreeMap::new(),
        consume,
        result: Ok(()),
    });
    let moved = Condvar::new();
    /// Runs its closure when dropped in a panic.
    struct OnUnwind<F: Fn()>(F);
    impl<F: Fn()> Drop for OnUnwind<F> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                (self.0)();
            }
        }
    }
    // Stops every thread. The flag is set under the order lock, so that a thread about to
    // wait for the order to move sees it or is woken.
    let halt = || {
        let _held = lock(&order);
        stop.store(true, Relaxed);
        moved.notify_all();
    };
    let run = || {
        // A thread that panics stops the others (which would otherwise wait for its piece
        // forever); the scope then passes the panic on.
        let _unwind = OnUnwind(halt);
        while !stop.load(Relaxed) {
            let piece = {
                let mut r = lock(&reader);
                if r.1.is_some() {
                    break;
                }
                match r.0.next_piece(buffers) {
                    Ok(Some(p)) => p,
                    Ok(None) => break,
                    // The pieces before are still worked on and consumed.
                    Err(e) => {
                        r.1 = Some(e);
                        break;
                    }
                }
            };
            let result = work(&piece);
            buffers.give(piece.bytes);
            let mut o = lock(&order);
            while piece.index >= o.next + ahead && !stop.load(Relaxed) {
                o = moved.wait(o).unwrap_or_else(|p| p.into_inner());
            }
            if stop.load(Relaxed) {
                break;
            }
            o.pending.insert(piece.index, result);
            let mut moved_on = false;
            while o.result.is_ok() {
                let next = o.next;
                let Some(r) = o.pending.remove(&next) else {
                    break;
                };
                o.next += 1;
                moved_on = true;
                let o = &mut *o;
                o.result = (o.consume)(r);
            }
            if o.result.is_err() {
                drop(o);
                halt();
            } else if moved_on {
                moved.notify_all();
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(run);
        }
        run();
    });
    let o = order.into_inner().unwrap_or_else(|p| p.into_inner());
    let (_, read) = reader.into_inner().unwrap_or_else(|p| p.into_inner());
    o.result?;
    read.map_or(Ok(()), Err)
}

/// `ofp-parse`: decodes a file of OpenFlow messages and prints one line per message.
fn ofp_parse(file: &str, out: &mut (impl Write + Send)) -> Result<()> {
    // Whole messages; a framing error cuts the input after the messages before it.
    let cut = |buf: &[u8], offset: usize, eof: bool| -> Result<Cut> {
        let mut at = 0;
        while at < buf.len() {
            match frame_len(&buf[at..]) {
                Ok(Some(len)) if len <= buf.len() - at => at += len,
                Ok(_) if !eof => break,
                Ok(_) => {
                    if at > 0 {
                        break;
                    }
                    bail!("{file}: truncated message at byte {}", offset + at)
                }
                Err(e) => {
                    if at > 0 {
                        break;
                    }
                    bail!("{file}: byte {}: {e}", offset + at)
                }
            }
        }
        Ok((at, (0, 0)))
    };
    let buffers = &Buffers::default();
    let reader = PieceReader::open(file, cut, buffers)?;
    ordered_pipeline(
        reader,
        |piece| {
            let mut text = buffers.take_string(piece.bytes.len() * 3 / 2);
            let data = &piece.bytes;
            // One flow_mod decoded into again and again: its memory is reused.
            let mut fm = FlowMod::default();
            let mut at = 0;
            while at < data.len() {
                // The lengths were checked when cutting (at least a header each).
                let Some(msg) = data
                    .get(at + 2..at + 4)
                    .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                    .filter(|&len| len >= 8)
                    .and_then(|len| data.get(at..at + len))
                else {
                    break;
                };
                format_message(msg, piece.offset + at, &mut fm, &mut text);
                at += msg.len();
            }
            text
        },
        |text| {
            out.write_all(text.as_bytes())?;
            buffers.give(text.into_bytes());
            Ok(())
        },
        buffers,
    )
}

/// Appends the `ofp-parse` line of the message `bytes`, found at byte `at` of its file.
/// Flow_mods are decoded into `fm`.
fn format_message(bytes: &[u8], at: usize, fm: &mut FlowMod, text: &mut String) {
    use std::fmt::Write as _;
    match Message::decode_flow_mod_into(bytes, fm) {
        Ok(Some((mv, xid))) => {
            flow::format_flow_mod_line(fm, mv, xid, text);
            text.push('\n');
            return;
        }
        Ok(None) => {}
        Err(e) => {
            let _ = writeln!(text, "***decode error at byte {at}: {e}***");
            return;
        }
    }
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
fn count_lines_and_flows(text: &[u8]) -> (usize, usize) {
    if let Ok(text) = std::str::from_utf8(text) {
        let (mut n, mut flows) = (0, 0);
        for line in lines(text) {
            n += 1;
            let t = line.trim_start();
            if !t.is_empty() && !t.starts_with('#') {
                flows += 1;
            }
        }
        return (n, flows);
    }
    let (mut lines, mut flows) = (0, 0);
    for line in text.split_inclusive(|&b| b == b'\n') {
        lines += 1;
        let first = line
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'));
        let is_flow = match first.map(|i| line[i]) {
            None | Some(b'#') => false,
            Some(b) if b < 0x80 => true,
            // Perhaps Unicode white space: as `str::trim_start` sees it.
            Some(_) => std::str::from_utf8(line).is_ok_and(|l| {
                let t = l.trim_start();
                !t.is_empty() && !t.starts_with('#')
            }),
        };
        if is_flow {
            flows += 1;
        }
    }
    (lines, flows)
}

/// How many `\n` bytes `bytes` has: memchr's vector count (the CPU's widest compares,
/// chosen at run time), several times faster than a count the compiler vectorises for the
/// baseline x86-64.
fn count_newlines(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

/// Cuts input into pieces of whole lines, each noting the lines and flows before it.
/// With `count_flows` false, the flows before each piece are not counted (left 0), and
/// lines are counted at memory speed.
fn line_cutter(count_flows: bool) -> impl FnMut(&[u8], usize, bool) -> Result<Cut> {
    let (mut lines, mut flows) = (0usize, 0usize);
    move |buf: &[u8], _offset: usize, eof: bool| -> Result<Cut> {
        let whole = if eof {
            buf.len()
        } else {
            buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1)
        };
        let before = (lines, flows);
        let piece = &buf[..whole];
        if count_flows {
            let (l, f) = count_lines_and_flows(piece);
            lines += l;
            flows += f;
        } else {
            // As `str::lines` counts them: a last line needs no line end.
            lines += count_newlines(piece) + usize::from(piece.last().is_some_and(|&b| b != b'\n'));
        }
        Ok((whole, before))
    }
}

/// The flow_mods of `flows`, one after the other, with xid 0.
fn encode_flow_mods(flows: &mut PieceFlows<'_>, v: Version) -> Result<Vec<u8>> {
    // Flow_mods take about as many bytes as their text.
    let mut w = Writer::with_capacity(flows.text_len + flows.text_len / 8);
    let mut enc = FlowModEncoder::new(v);
    flows.each_line(|cmd, line| enc.encode_line(line, cmd, 0, &mut w))?;
    Ok(w.into_vec())
}

/// Gives each message of `messages` (whole messages one after the other) the next xid.
fn set_xids(messages: &mut [u8], mut next: impl FnMut() -> u32) {
    let mut at = 0;
    while let Some(len) = frame_len(&messages[at..]).ok().flatten() {
        let Some(xid) = messages.get_mut(at + 4..at + 8) else {
            return;
        };
        xid.copy_from_slice(&next().to_be_bytes());
        at += len;
        if at > messages.len() {
            return;
        }
    }
}

/// The flow lines of one piece of a file, to be parsed one at a time (an error names the
/// file and line).
struct PieceFlows<'a> {
    file: &'a str,
    line0: usize,
    /// About how many bytes of text the piece has.
    text_len: usize,
    lines: FlowLines<'a>,
}

impl PieceFlows<'_> {
    /// The error `e` of the flow on line `n` of the piece, naming the file and line.
    fn error(&self, n: usize, e: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}:{}: {e}", self.file, self.line0 + n)
    }

    /// Runs `f` on the command and text of each flow line left, stopping at its first
    /// error, which names the file and line.
    fn each_line(
        &mut self,
        mut f: impl FnMut(Command, &str) -> openflow::Result<()>,
    ) -> Result<()> {
        while let Some((n, cmd, l)) = self.lines.next() {
            f(cmd, l).map_err(|e| self.error(n, e))?;
        }
        Ok(())
    }
}

/// Reads the flows of `file` on [`n_threads`] threads, a piece of whole lines at a time:
/// `work` takes each piece's flow lines (parsing and encoding each as it goes, see
/// [`PieceFlows::each_line`]) and returns what comes back, in order. The first flow that
/// fails (file and line) or the first error of `work` is the error.
fn parse_file<R: Send>(
    file: &str,
    work: impl Fn(&mut PieceFlows<'_>) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let mut results = Vec::new();
    parse_file_with(file, work, |r| {
        results.push(r);
        Ok(())
    })?;
    Ok(results)
}

/// [`parse_file`], giving each piece's result to `consume` (on this thread, in order) as
/// soon as it and those before it are ready.
fn parse_file_with<R: Send>(
    file: &str,
    work: impl Fn(&mut PieceFlows<'_>) -> Result<R> + Sync,
    mut consume: impl FnMut(R) -> Result<()> + Send,
) -> Result<()> {
    let buffers = &Buffers::default();
    let reader = PieceReader::open(file, line_cutter(false), buffers)?;
    ordered_pipeline(
        reader,
        |piece| -> Result<R> {
            let (line0, _) = piece.before;
            let text = std::str::from_utf8(&piece.bytes)
                .map_err(|_| anyhow!("cannot read {file}: stream did not contain valid UTF-8"))?;
            work(&mut PieceFlows {
                file,
                line0,
                text_len: text.len(),
                lines: flow_lines(text),
            })
        },
        |r| consume(r?),
        buffers,
    )
}

/// What a piece of `parse-flows` gives: its text, and the first error.
struct Parsed {
    text: String,
    /// The piece is not UTF-8 (the file cannot be read as text).
    not_text: bool,
    /// A flow that does not parse (reported before anything is printed).
    parse_error: Option<anyhow::Error>,
    /// A flow that has no flow_mod (reported after the flows before it are printed).
    encode_error: Option<anyhow::Error>,
}

/// `parse-flows`: prints each flow's flow_mod as `ovs-ofctl parse-flows` does. As it, prints
/// nothing when a flow does not parse.
fn parse_flows(file: &str, v: Version, out: &mut impl Write) -> Result<()> {
    let mut results: Vec<Parsed> = Vec::new();
    let buffers = &Buffers::default();
    let reader = PieceReader::open(file, line_cutter(true), buffers)?;
    ordered_pipeline(
        reader,
        |piece| {
            let (line0, flow0) = piece.before;
            let mut r = Parsed {
                text: String::with_capacity(piece.bytes.len() * 3 / 2),
                not_text: false,
                parse_error: None,
                encode_error: None,
            };
            let Ok(text) = std::str::from_utf8(&piece.bytes) else {
                r.not_text = true;
                return r;
            };
            for (k, (n, cmd, l)) in flow_lines(text).enumerate() {
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
        buffers,
    )?;
    if results.iter().any(|r| r.not_text) {
        let e = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        );
        return Err(if file == "-" {
            e.into()
        } else {
            anyhow::Error::new(e).context(format!("cannot read {file}"))
        });
    }
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
    fn lines_are_cut_as_str_lines_cuts_them() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "a\r\r\n",
            "x\r",
            "foo\nbar\n\r",
            "\r\n\r\n\n",
            "one\n\ntwo\r\n\u{a0}three\r",
        ] {
            assert_eq!(
                lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn piece_counts_agree_with_flow_lines() {
        let text = "table=1,actions=drop\n\n   \n# comment\n  # indented comment\n\
                    add priority=5,actions=drop # trailing\nadd\n\t\r\nmodify\r\n \u{a0}x\nlast";
        let (lines, flows) = count_lines_and_flows(text.as_bytes());
        assert_eq!(lines, text.lines().count());
        assert_eq!(flows, flow_lines(text).count());
        assert_eq!(flow_lines(text).last().map(|(n, _, _)| n), Some(lines));
        // The lines it yields are those `str::lines` has that are more than blanks and a
        // comment.
        let flow_numbers: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.split('#').next().unwrap_or("").trim_start().is_empty())
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(
            flow_lines(text).map(|(n, _, _)| n).collect::<Vec<_>>(),
            flow_numbers
        );
        // The same counts when the bytes are not UTF-8 (counted byte by byte; the
        // line that is not UTF-8 is no flow).
        let mut bytes = text.as_bytes().to_vec();
        bytes.extend_from_slice(b"\n\xff");
        assert_eq!(count_lines_and_flows(&bytes), (lines + 1, flows));
        // Lines alone, counted the fast way, agree.
        for counting in [false, true] {
            let mut cut = line_cutter(counting);
            assert_eq!(cut(text.as_bytes(), 0, true).unwrap(), (text.len(), (0, 0)));
            let (_, (after, _)) = cut(b"x\n", text.len(), true).unwrap();
            assert_eq!(after, lines);
        }
        let mut cut = line_cutter(false);
        cut(b"a\nb\n", 0, false).unwrap();
        assert_eq!(cut(b"c", 4, true).unwrap().1, (2, 0));
    }

    #[test]
    fn flow_lines_take_commands_and_cut_comments() {
        let lines: Vec<_> = flow_lines("delete_strict priority=1\nmodify,in_port=1 # x\nd=1\n")
            .map(|(n, cmd, l)| (n, cmd, l.trim()))
            .collect();
        assert_eq!(
            lines,
            [
                (1, Command::DeleteStrict, "priority=1"),
                (2, Command::Modify, ",in_port=1"),
                (3, Command::Add, "d=1"),
            ]
        );
        // Without a comment anywhere, nothing is cut.
        let (_, _, l) = flow_lines("actions=note:61").next().unwrap();
        assert_eq!(l, "actions=note:61");
    }

    #[test]
    fn newlines_are_counted_across_chunks() {
        for len in [0, 1, 127, 128, 129, 300, 1000] {
            let bytes: Vec<u8> = (0..len)
                .map(|i| if i % 3 == 0 { b'\n' } else { b'x' })
                .collect();
            let want = bytes.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(count_newlines(&bytes), want, "{len} bytes");
        }
        assert_eq!(count_newlines(&[b'\n'; 1000]), 1000);
    }

    #[test]
    fn buffers_are_handed_back_and_taken_again() {
        let buffers = Buffers::default();
        let mut b = buffers.take(1000);
        assert!(b.capacity() >= 1000);
        b.extend_from_slice(b"abc");
        let at = b.as_ptr();
        buffers.give(b);
        let again = buffers.take(10);
        assert!(again.is_empty());
        assert_eq!(again.as_ptr(), at, "the same buffer");
        assert!(buffers.take_string(5).capacity() >= 5);
        for _ in 0..2 * Buffers::KEEP {
            buffers.give(Vec::with_capacity(1));
        }
        assert_eq!(buffers.0.lock().unwrap().len(), Buffers::KEEP);
    }

    /// A file of many pieces: every line reaches `consume` once, in order, each piece's
    /// line count right; the first error of `consume` stops the rest and is the result.
    #[test]
    fn the_ordered_pipeline_consumes_in_order_and_stops_at_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lines.txt");
        let n = 200_000;
        let text: String = (0..n).map(|i| format!("line {i}\n")).collect();
        assert!(text.len() > 6 * PIECE);
        std::fs::write(&path, &text).unwrap();
        let path = path.to_str().unwrap();
        let buffers = Buffers::default();
        let work = |p: &Piece| -> (usize, Vec<usize>) {
            let text = std::str::from_utf8(&p.bytes).unwrap();
            let nums = text
                .lines()
                .map(|l| l.strip_prefix("line ").unwrap().parse().unwrap())
                .collect();
            (p.before.0, nums)
        };
        let mut seen = Vec::new();
        let reader = PieceReader::open(path, line_cutter(false), &buffers).unwrap();
        ordered_pipeline(
            reader,
            work,
            |(line0, nums)| {
                assert_eq!(line0, seen.len(), "lines before the piece");
                seen.extend(nums);
                Ok(())
            },
            &buffers,
        )
        .unwrap();
        assert_eq!(seen, (0..n).collect::<Vec<_>>());

        let mut pieces = 0;
        let reader = PieceReader::open(path, line_cutter(false), &buffers).unwrap();
        let err = ordered_pipeline(
            reader,
            work,
            |_| {
                pieces += 1;
                if pieces == 3 {
                    bail!("third piece refused")
                }
                Ok(())
            },
            &buffers,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "third piece refused");
        assert_eq!(pieces, 3, "nothing is consumed after an error");

        // A piece whose work panics: the panic comes out (the other threads, which wait for
        // that piece, are not left waiting).
        let reader = PieceReader::open(path, line_cutter(false), &buffers).unwrap();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ordered_pipeline(
                reader,
                |p: &Piece| {
                    assert!(p.index != 1, "piece 1 fails");
                    work(p)
                },
                |_| Ok(()),
                &buffers,
            )
        }));
        assert!(panicked.is_err());

        // A reader that fails at a piece: every piece before it is consumed first.
        for _ in 0..20 {
            let mut lines = line_cutter(false);
            let cut = |buf: &[u8], offset: usize, eof: bool| {
                if offset >= 4 * PIECE {
                    bail!("broken at byte {offset}");
                }
                lines(buf, offset, eof)
            };
            let mut seen = 0;
            let reader = PieceReader::open(path, cut, &buffers).unwrap();
            let err = ordered_pipeline(
                reader,
                work,
                |(_, nums)| {
                    assert_eq!(nums.first(), Some(&seen));
                    seen += nums.len();
                    Ok(())
                },
                &buffers,
            )
            .unwrap_err();
            // Every line before the failing piece, and none after.
            let at: usize = err
                .to_string()
                .strip_prefix("broken at byte ")
                .and_then(|n| n.parse().ok())
                .unwrap();
            let consumed: usize = text.lines().take(seen).map(|l| l.len() + 1).sum();
            assert_eq!(consumed, at);
        }
    }
}
