//! The connection layer against a real userspace ovs-vswitchd: handshake, barrier, echo,
//! multipart assembly, bundles (atomic, with the failing message named), fire-and-forget
//! errors on the events channel, and a passive listener a switch connects to.

use std::time::Duration;

use openflow::Version;
use openflow::conn::{self, Config, Listener, raw};
use openflow::message::{Message, MultipartRequest, MultipartRequestBody};
use testkit::Vswitch;

/// An OpenFlow 1.3-1.5 flow_mod ADD in table `table` with priority `priority`, matching
/// `metadata` exactly (an OXM_OF_METADATA field), with no instructions (drop).
fn flow_mod(v: Version, xid: u32, table: u8, priority: u16, metadata: u64) -> Vec<u8> {
    flow_mod_flags(v, xid, table, priority, metadata, 0)
}

/// [`flow_mod`] with flow_mod `flags` (1: OFPFF_SEND_FLOW_REM, 2: OFPFF_CHECK_OVERLAP).
fn flow_mod_flags(
    v: Version,
    xid: u32,
    table: u8,
    priority: u16,
    metadata: u64,
    flags: u16,
) -> Vec<u8> {
    let mut m = vec![v.wire(), 14, 0, 0];
    m.extend(xid.to_be_bytes());
    m.extend(0u64.to_be_bytes()); // cookie
    m.extend(0u64.to_be_bytes()); // cookie mask
    m.push(table);
    m.push(0); // OFPFC_ADD
    m.extend(0u16.to_be_bytes()); // idle
    m.extend(0u16.to_be_bytes()); // hard
    m.extend(priority.to_be_bytes());
    m.extend(0xffff_ffffu32.to_be_bytes()); // buffer id
    m.extend(0xffff_ffffu32.to_be_bytes()); // out port any
    m.extend(0xffff_ffffu32.to_be_bytes()); // out group any
    m.extend(flags.to_be_bytes());
    m.extend(0u16.to_be_bytes()); // importance (1.4+) / pad (1.3)
    // ofp_match: type OXM, length 4 + 12 (one field), already a multiple of 8; metadata
    // u64::MAX stands for the empty match (length 4, padded to 8).
    m.extend(1u16.to_be_bytes());
    if metadata == u64::MAX {
        m.extend(4u16.to_be_bytes());
        m.extend([0u8; 4]);
    } else {
        m.extend(16u16.to_be_bytes());
        m.extend([0x80, 0x00, 0x04, 0x08]);
        m.extend(metadata.to_be_bytes());
    }
    let len = m.len() as u16;
    m[2..4].copy_from_slice(&len.to_be_bytes());
    m
}

/// An OFPMP_FLOW_DESC (1.5) / OFPMP_FLOW (1.3) request for every flow.
fn flow_stats_request(v: Version, xid: u32) -> Vec<u8> {
    let mut m = vec![v.wire(), 18, 0, 0];
    m.extend(xid.to_be_bytes());
    m.extend(1u16.to_be_bytes()); // OFPMP_FLOW(_DESC)
    m.extend(0u16.to_be_bytes()); // flags
    m.extend([0u8; 4]);
    m.push(0xff); // all tables
    m.extend([0u8; 3]);
    m.extend(0xffff_ffffu32.to_be_bytes());
    m.extend(0xffff_ffffu32.to_be_bytes());
    m.extend([0u8; 4]);
    m.extend(0u64.to_be_bytes());
    m.extend(0u64.to_be_bytes());
    m.extend(1u16.to_be_bytes());
    m.extend(4u16.to_be_bytes());
    m.extend([0u8; 4]);
    let len = m.len() as u16;
    m[2..4].copy_from_slice(&len.to_be_bytes());
    m
}

fn count_flows(sw: &Vswitch, remote: &str) -> usize {
    sw.ofctl(&["-O", "OpenFlow15", "--no-stats", "dump-flows", remote])
        .lines()
        .filter(|l| l.contains("priority="))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_bundles_and_errors_against_vswitchd() {
    let sw = Vswitch::start();
    sw.add_bridge("br0");
    let remote = sw.mgmt_remote("br0");
    for v in [Version::Of13, Version::Of15] {
        sw.ofctl(&["-O", "OpenFlow15", "del-flows", &remote]);
        let config = Config {
            versions: openflow::version::VersionSet::of(&[v]),
            ..Config::default()
        };
        let (c, handle, mut events) = conn::connect(&remote.parse().unwrap(), config)
            .await
            .expect("connect");
        let driver = tokio::spawn(c);
        assert_eq!(handle.version(), v);

        // A barrier is answered.
        let reply = handle
            .request(raw::barrier_request(v, handle.next_xid()))
            .await
            .expect("barrier");
        assert_eq!(reply.len(), 1);
        assert_eq!(reply[0].msg_type(), 21);

        // Typed requests: features, and the switch description (a multipart reply).
        let features = handle
            .transact(&Message::FeaturesRequest)
            .await
            .expect("features");
        assert!(
            matches!(features[..], [Message::FeaturesReply(_)]),
            "{features:?}"
        );
        let desc = handle
            .transact(&Message::MultipartRequest(MultipartRequest {
                flags: 0,
                body: MultipartRequestBody::Desc,
            }))
            .await
            .expect("desc");
        assert!(format!("{desc:?}").contains("Open vSwitch"), "{desc:?}");

        // 3,000 flows in one atomic bundle; the dump comes back in several parts.
        let msgs: Vec<Vec<u8>> = (0..3000u64)
            .map(|i| flow_mod(v, handle.next_xid(), 1, 100, i))
            .collect();
        handle.bundle(&msgs).await.expect("bundle");
        assert_eq!(count_flows(&sw, &remote), 3000);
        let parts = handle
            .request(flow_stats_request(v, handle.next_xid()))
            .await
            .expect("dump");
        assert!(parts.len() > 1, "one part only: {}", parts.len());
        assert!(parts.iter().all(|p| p.msg_type() == 19));

        // A bundle whose message 2 is bad (table 255 in an add) applies nothing and names
        // message 2.
        let bad: Vec<Vec<u8>> = vec![
            flow_mod(v, handle.next_xid(), 2, 1, 1),
            flow_mod(v, handle.next_xid(), 2, 1, 2),
            flow_mod(v, handle.next_xid(), 255, 1, 3),
            flow_mod(v, handle.next_xid(), 2, 1, 4),
        ];
        match handle.bundle(&bad).await {
            Err(openflow::Error::Failed { index, .. }) => assert_eq!(index, 2),
            other => panic!("expected message 2 to fail: {other:?}"),
        }
        assert_eq!(count_flows(&sw, &remote), 3000);

        // A message that only fails when the bundle is committed (an overlap with a flow
        // of the same priority, which the switch checks while applying): the switch rolls back, and the message is named.
        handle
            .send_checked(flow_mod(v, handle.next_xid(), 4, 1, 1))
            .await
            .expect("flow");
        let overlapping: Vec<Vec<u8>> = vec![
            flow_mod(v, handle.next_xid(), 4, 1, 2),
            flow_mod_flags(v, handle.next_xid(), 4, 1, u64::MAX, 2),
        ];
        match handle.bundle(&overlapping).await {
            Err(openflow::Error::Failed { index, kind, .. }) => {
                assert_eq!(index, 1);
                assert_eq!(kind.type_, 5, "OFPET_FLOW_MOD_FAILED");
            }
            other => panic!("expected message 1 to fail at commit: {other:?}"),
        }
        assert_eq!(count_flows(&sw, &remote), 3001);

        // The same bad message checked with a barrier outside a bundle: index 1.
        let mut batch = flow_mod(v, handle.next_xid(), 3, 1, 1);
        batch.extend(flow_mod(v, handle.next_xid(), 255, 1, 3));
        match handle.send_checked(batch).await {
            Err(openflow::Error::Failed { index, kind, .. }) => {
                assert_eq!(index, 1);
                assert_eq!(kind.type_, 5, "OFPET_FLOW_MOD_FAILED");
            }
            other => panic!("expected message 1 to fail: {other:?}"),
        }

        // A bundle sent in parts (as a writer fills it): the parts apply atomically, and a
        // bad message in a later part is named by its index over every part.
        let before = count_flows(&sw, &remote);
        let mut w = handle.open_bundle().expect("open");
        for k in 0..3u64 {
            let mut part = w.part();
            for i in 0..100 {
                part.push_bytes(&flow_mod(v, handle.next_xid(), 5, 1, k * 100 + i))
                    .unwrap();
            }
            w.send(part).unwrap();
        }
        assert_eq!(w.len(), 300);
        // Every part is written to the socket (not yet answered).
        handle.flushed().await.expect("flushed");
        w.commit().await.expect("commit in parts");
        assert_eq!(count_flows(&sw, &remote), before + 300);
        let mut w = handle.open_bundle().expect("open");
        let mut part = w.part();
        part.push_bytes(&flow_mod(v, handle.next_xid(), 6, 1, 1))
            .unwrap();
        w.send(part).unwrap();
        let mut part = w.part();
        part.push_bytes(&flow_mod(v, handle.next_xid(), 6, 1, 2))
            .unwrap();
        part.push_bytes(&flow_mod(v, handle.next_xid(), 255, 1, 3))
            .unwrap();
        w.send(part).unwrap();
        match w.commit().await {
            Err(openflow::Error::Failed { index, .. }) => assert_eq!(index, 2),
            other => panic!("expected message 2 to fail: {other:?}"),
        }
        // A part made for another bundle is refused; a writer dropped without a commit
        // leaves the switch's table as it was.
        let other = handle.open_bundle().expect("open");
        let mut w = handle.open_bundle().expect("open");
        assert!(w.send(other.part()).is_err());
        let mut part = w.part();
        part.push_bytes(&flow_mod(v, handle.next_xid(), 6, 1, 1))
            .unwrap();
        w.send(part).unwrap();
        drop(w);
        other.discard().await.expect("discard");
        assert_eq!(count_flows(&sw, &remote), before + 300);

        // A part filled in place (push_with), as a FlowModEncoder writes: its flow_mods
        // apply; what is not one message of the connection's version with the xid given is
        // refused, and adds nothing.
        let mut w = handle.open_bundle().expect("open");
        let mut part = w.part();
        let mut enc = openflow::flow::FlowModEncoder::new(v);
        let add = openflow::flow::Command::Add;
        for t in [8, 9] {
            let line = format!("table={t},priority=1,actions=drop");
            part.push_with(|xid, buf| enc.encode_line(&line, add, xid, buf))
                .unwrap();
        }
        let good = part.byte_len();
        let other_v = if v == Version::Of13 {
            Version::Of15
        } else {
            Version::Of13
        };
        type Put<'a> = &'a dyn Fn(u32, &mut openflow::wire::Writer);
        let bad: [Put<'_>; 4] = [
            &|_, buf| buf.bytes(&flow_mod(v, 1, 8, 2, 1)),
            &|xid, buf| buf.bytes(&flow_mod(other_v, xid, 8, 2, 1)),
            &|xid, buf| {
                buf.bytes(&flow_mod(v, xid, 8, 2, 1));
                buf.bytes(&flow_mod(v, xid, 8, 3, 1));
            },
            &|_, _| {},
        ];
        for (k, f) in bad.iter().enumerate() {
            let res = part.push_with(|xid, buf| {
                f(xid, buf);
                Ok(())
            });
            assert!(res.is_err(), "bad message {k} taken");
        }
        let res = part
            .push_with(|xid, buf| enc.encode_line("table=8,bogus=1,actions=drop", add, xid, buf));
        assert!(res.is_err());
        assert_eq!(part.byte_len(), good);
        w.send(part).unwrap();
        w.commit().await.expect("commit of a part filled in place");
        assert_eq!(count_flows(&sw, &remote), before + 302);

        // A checked batch sent in parts: the index counts over every part.
        let mut batch = handle.start_checked().unwrap();
        batch.send(flow_mod(v, handle.next_xid(), 7, 1, 1)).unwrap();
        let mut second = flow_mod(v, handle.next_xid(), 7, 1, 2);
        second.extend(flow_mod(v, handle.next_xid(), 255, 1, 3));
        batch.send(second).unwrap();
        assert_eq!(batch.len(), 3);
        match batch.finish().await {
            Err(openflow::Error::Failed { index, .. }) => assert_eq!(index, 2),
            other => panic!("expected message 2 to fail: {other:?}"),
        }
        assert_eq!(count_flows(&sw, &remote), before + 304);

        // Fire and forget: the error arrives on the events channel.
        let xid = handle.next_xid();
        handle.send(flow_mod(v, xid, 255, 1, 9)).unwrap();
        let ev = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .expect("an event")
            .expect("open");
        assert_eq!(ev.xid(), xid);
        assert!(ev.error().is_some());

        drop(handle);
        tokio::time::timeout(Duration::from_secs(30), driver)
            .await
            .expect("driver ends when handles are gone")
            .unwrap()
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_connects_to_our_listener() {
    let sw = Vswitch::start();
    sw.add_bridge("br0");
    let listener = Listener::bind(&"ptcp:0:127.0.0.1".parse().unwrap())
        .await
        .unwrap();
    let port = listener.local_port().unwrap();
    sw.vsctl(&["set-controller", "br0", &format!("tcp:127.0.0.1:{port}")]);
    let (c, handle, _events) =
        tokio::time::timeout(Duration::from_secs(30), listener.accept(Config::default()))
            .await
            .expect("vswitchd connects")
            .expect("handshake");
    tokio::spawn(c);
    assert_eq!(handle.version(), Version::Of15);
    let reply = handle
        .request(raw::barrier_request(handle.version(), handle.next_xid()))
        .await
        .unwrap();
    assert_eq!(reply[0].msg_type(), 21);
}

/// Accepts a connection on `listener` and says hello (OpenFlow 1.5) on it, as a peer that
/// then does what a test wants.
async fn accept_with_hello(listener: &tokio::net::UnixListener) -> tokio::net::UnixStream {
    use tokio::io::AsyncWriteExt;
    let (mut s, _) = listener.accept().await.unwrap();
    s.write_all(&raw::hello(
        6,
        openflow::version::VersionSet::of(&[Version::Of15]),
        1,
    ))
    .await
    .unwrap();
    s
}

/// Connects to the peer at `path` with a 200 ms inactivity probe.
async fn connect_probing(path: &std::path::Path) -> (conn::Connection, conn::Handle, conn::Events) {
    let config = Config {
        probe_interval: Some(Duration::from_millis(200)),
        ..Config::default()
    };
    conn::connect(&format!("unix:{}", path.display()).parse().unwrap(), config)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_peer_reading_a_large_send_slowly_is_not_dropped() {
    // A peer that says hello, then reads what we send slowly and answers nothing: taking
    // bytes that waited for it shows it alive, however long the reading takes; once it
    // stops reading, it is dropped.
    const TOTAL: usize = 4 << 20;
    let dir = tempfile_dir();
    let path = dir.join("slow.sock");
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let peer = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut s = accept_with_hello(&listener).await;
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0;
        loop {
            match s.read(&mut buf).await {
                Ok(n) if n > 0 => total += n,
                _ => return total,
            }
            if total < TOTAL {
                tokio::time::sleep(Duration::from_millis(20)).await;
            } else {
                // Everything read: silent from now on (the connection should end).
                let mut rest = vec![0u8; 1024];
                while s.read(&mut rest).await.map(|n| n > 0).unwrap_or(false) {}
                return total;
            }
        }
    });
    let (c, handle, _events) = connect_probing(&path).await;
    let driver = tokio::spawn(c);
    let v = handle.version();
    let mut bytes = Vec::with_capacity(TOTAL + 4096);
    while bytes.len() < TOTAL {
        bytes.extend(flow_mod(v, handle.next_xid(), 1, 1, bytes.len() as u64));
    }
    handle.send(bytes).unwrap();
    let end = tokio::time::timeout(Duration::from_secs(60), driver)
        .await
        .expect("ends")
        .unwrap();
    assert!(matches!(end, Err(openflow::Error::Timeout(_))), "{end:?}");
    let read = peer.await.unwrap();
    assert!(
        read >= TOTAL,
        "the connection was dropped after {read} bytes"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_silent_peer_is_dropped_after_two_probe_intervals() {
    // A peer that says hello and then never answers anything, not even echo requests.
    let dir = tempfile_dir();
    let path = dir.join("silent.sock");
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let peer = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut s = accept_with_hello(&listener).await;
        let mut sink = vec![0u8; 1024];
        while s.read(&mut sink).await.map(|n| n > 0).unwrap_or(false) {}
    });
    let (c, _handle, _events) = connect_probing(&path).await;
    let end = tokio::time::timeout(Duration::from_secs(30), c)
        .await
        .expect("ends");
    assert!(matches!(end, Err(openflow::Error::Timeout(_))), "{end:?}");
    peer.abort();
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("of-conn-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_are_replayed_after_the_switch_restarts() {
    let sw = Vswitch::start();
    sw.add_bridge("br0");
    let remote = sw.mgmt_remote("br0");
    let replays = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = replays.clone();
    let hook: conn::OnConnect = std::sync::Arc::new(move |h: conn::Handle| {
        let counter = counter.clone();
        Box::pin(async move {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let v = h.version();
            h.bundle(&[flow_mod(v, h.next_xid(), 7, 77, 7)]).await
        })
    });
    let backoff = conn::Backoff {
        min: Duration::from_millis(20),
        max: Duration::from_millis(200),
    };
    let (sup, _events) = conn::supervise(remote.parse().unwrap(), Config::default(), backoff, hook);
    let (n, _) = tokio::time::timeout(Duration::from_secs(30), sup.connected())
        .await
        .expect("connects");
    assert_eq!(n, 1);
    assert_eq!(count_flows(&sw, &remote), 1);

    sw.kill();
    sw.restart();
    sw.wait_bridge("br0");
    let (n, handle) = tokio::time::timeout(Duration::from_secs(30), sup.connected_after(1))
        .await
        .expect("reconnects");
    assert!(n >= 2);
    assert!(replays.load(std::sync::atomic::Ordering::SeqCst) >= 2);
    handle
        .request(raw::barrier_request(handle.version(), handle.next_xid()))
        .await
        .expect("barrier on the new connection");
    assert_eq!(count_flows(&sw, &remote), 1, "the flow was replayed");
}
