//! The client against scripted fake servers that misbehave: garbage, oversized messages, stray,
//! reordered, split and batched replies, server requests, bad notifications, abrupt closes and
//! silence.
//!
//! Each test drives the real [`Connection`] over a socket (a unix socket pair, a TCP connection
//! on 127.0.0.1 or an in-memory duplex pipe) whose other end is a [`Server`] written here. The
//! server reads what the client sends with its own reader (not the crate's framer) and checks
//! every message against the JSON-RPC 1.0 rules ovsdb-server enforces: no `"jsonrpc"` member,
//! `"params"` always present and an array.
//!
//! Timeouts in these tests are hang guards only; no test depends on how long anything takes,
//! except that the probe test configures a short probe interval.
//!
//! What the driver does with a malformed notification, as `client.rs` implements it (and these
//! tests pin down):
//!
//! - The envelope is fine and its first parameter names a live monitor, but the update itself
//!   does not decode (`["m1", 42]`, a row key that is not a UUID, ...): the notification is
//!   routed to that monitor, whose [`Monitor::next`] yields `Some(Err(Error::Decode))`. The
//!   connection and the monitor go on; later updates are delivered.
//! - The envelope itself is malformed (`params` not an array, or an empty one, so that no monitor
//!   can be named): the driver cannot tell whom it was for and treats it as a protocol violation,
//!   as the Open vSwitch jsonrpc layer does. The connection fails cleanly: the driver resolves to
//!   `Error::Decode`, every request in flight fails with `Error::Closed`, every monitor stream
//!   ends (`None`).

use std::time::Duration;

use ovsdb_client::client::{Monitor, Pending, RawReply};
use ovsdb_client::monitor::{MonitorEvent, MonitorRequest, MonitorRequests, RowUpdate2};
use ovsdb_client::transact::Transaction;
use ovsdb_client::{ConnectOptions, Connection, Error, Handle, Result, Row, connect};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::task::JoinHandle;

/// How long anything may take before a test is declared hung.
const GUARD: Duration = Duration::from_secs(20);

const U1: &str = "11111111-1111-1111-1111-111111111111";
const U2: &str = "22222222-2222-2222-2222-222222222222";

/// Awaits `fut`, failing the test if it takes longer than [`GUARD`].
async fn guard<F: std::future::Future>(what: &str, fut: F) -> F::Output {
    tokio::time::timeout(GUARD, fut)
        .await
        .unwrap_or_else(|_| panic!("hung: {what}"))
}

/// Options with the inactivity probe off, so that no echo probe interleaves with the script.
fn quiet() -> ConnectOptions {
    ConnectOptions {
        probe_interval: None,
        ..ConnectOptions::default()
    }
}

/// The fake server's end of the connection.
struct Server<S> {
    io: S,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Server<S> {
    fn new(io: S) -> Server<S> {
        Server {
            io,
            buf: Vec::new(),
        }
    }

    async fn fill(&mut self) {
        let mut chunk = [0u8; 4096];
        let n = guard("server read", self.io.read(&mut chunk))
            .await
            .expect("server read");
        assert!(n > 0, "the client closed the connection");
        self.buf.extend_from_slice(&chunk[..n]);
    }

    /// The next message from the client, checked with [`check_envelope`].
    async fn recv(&mut self) -> Value {
        loop {
            let mut it = serde_json::Deserializer::from_slice(&self.buf).into_iter::<Value>();
            match it.next() {
                Some(Ok(v)) => {
                    let used = it.byte_offset();
                    let text = String::from_utf8_lossy(&self.buf[..used]).into_owned();
                    self.buf.drain(..used);
                    check_envelope(&v, &text);
                    return v;
                }
                Some(Err(e)) if e.is_eof() => {}
                None => {}
                Some(Err(e)) => panic!(
                    "the client sent invalid JSON ({e}): {}",
                    String::from_utf8_lossy(&self.buf)
                ),
            }
            self.fill().await;
        }
    }

    /// The next request from the client, which must use `method`.
    async fn recv_request(&mut self, method: &str) -> Value {
        let req = self.recv().await;
        assert_eq!(req["method"], method, "{req}");
        req
    }

    /// Exactly the next `n` bytes from the client.
    async fn recv_bytes(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            self.fill().await;
        }
        self.buf.drain(..n).collect()
    }

    async fn send(&mut self, bytes: &[u8]) {
        guard("server write", self.io.write_all(bytes))
            .await
            .expect("server write");
        self.io.flush().await.expect("server flush");
    }

    /// Replies to `req` with `result`.
    async fn reply(&mut self, req: &Value, result: Value) {
        self.send(reply_bytes(&req["id"], &result).as_bytes()).await;
    }
}

fn reply_bytes(id: &Value, result: &Value) -> String {
    format!(r#"{{"id":{id},"result":{result},"error":null}}"#)
}

/// Checks one message from the client against the JSON-RPC 1.0 rules of ovsdb-server.
fn check_envelope(v: &Value, text: &str) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON object: {text}"));
    assert!(!obj.contains_key("jsonrpc"), "a \"jsonrpc\" member: {text}");
    assert!(
        !text.contains("jsonrpc"),
        "\"jsonrpc\" in a message: {text}"
    );
    for key in obj.keys() {
        assert!(
            ["id", "method", "params", "result", "error"].contains(&key.as_str()),
            "unexpected member {key:?}: {text}"
        );
    }
    assert!(obj.contains_key("id"), "no \"id\": {text}");
    if obj.contains_key("method") {
        assert!(v["method"].is_string(), "method is not a string: {text}");
        assert!(v["params"].is_array(), "no \"params\" array: {text}");
        assert!(
            !obj.contains_key("result") && !obj.contains_key("error"),
            "{text}"
        );
        if v["method"] != "cancel" {
            assert!(v["id"].is_u64(), "a request without an integer id: {text}");
        }
    } else {
        assert!(
            obj.contains_key("result") && obj.contains_key("error"),
            "a reply needs both \"result\" and \"error\": {text}"
        );
    }
}

type Driver = JoinHandle<Result<()>>;

fn spawn(conn: Connection) -> Driver {
    tokio::spawn(conn)
}

/// A client over one end of a unix socket pair, and the server on the other.
fn unix_pair(options: &ConnectOptions) -> (Driver, Handle, Server<UnixStream>) {
    let (client, server) = UnixStream::pair().expect("socketpair");
    let (conn, handle) = Connection::new(client, options);
    (spawn(conn), handle, Server::new(server))
}

/// A client connected with `connect("tcp:127.0.0.1:PORT")`, and the accepted server socket.
async fn tcp_pair(options: &ConnectOptions) -> (Driver, Handle, Server<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    let remote = format!("tcp:127.0.0.1:{port}");
    let (connected, accepted) = guard("tcp connect", async {
        tokio::join!(connect(&remote, options), listener.accept())
    })
    .await;
    let (conn, handle) = connected.expect("connect");
    let (server, _) = accepted.expect("accept");
    server.set_nodelay(true).expect("nodelay");
    (spawn(conn), handle, Server::new(server))
}

/// How the driver ended.
async fn ended(driver: Driver) -> Result<()> {
    guard("driver end", driver).await.expect("driver panicked")
}

async fn outcome<T>(p: Pending<T>) -> Result<T> {
    guard("reply", p).await
}

fn echo(handle: &Handle, payload: Value) -> Pending<RawReply> {
    handle.call_raw("echo", &payload)
}

fn json_of(r: Result<RawReply>) -> Value {
    let raw = r.expect("reply");
    serde_json::from_slice(raw.json()).expect("reply JSON")
}

fn assert_closed<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Err(Error::Closed(reason)) => reason.unwrap_or_default(),
        other => panic!("expected Error::Closed, got {other:?}"),
    }
}

/// Checks that the connection still works after whatever the test did.
async fn assert_alive<S: AsyncRead + AsyncWrite + Unpin>(handle: &Handle, server: &mut Server<S>) {
    let p = echo(handle, json!(["still", "alive"]));
    let req = server.recv_request("echo").await;
    let params = req["params"].clone();
    server.reply(&req, params).await;
    assert_eq!(json_of(outcome(p).await), json!(["still", "alive"]));
    assert!(!handle.is_closed());
}

/// Starts a `monitor_cond` on table `T` and answers it with an empty initial state.
async fn start_monitor<S: AsyncRead + AsyncWrite + Unpin>(
    handle: &Handle,
    server: &mut Server<S>,
) -> Monitor {
    let h = handle.clone();
    let task = tokio::spawn(async move {
        let mut reqs = MonitorRequests::new();
        reqs.insert("T".into(), vec![MonitorRequest::all()]);
        h.monitor_cond("db", &reqs).await
    });
    let req = server.recv_request("monitor_cond").await;
    assert_eq!(req["params"][0], "db");
    server.reply(&req, json!({})).await;
    let (initial, monitor) = guard("monitor start", task)
        .await
        .expect("monitor task")
        .expect("monitor_cond");
    assert!(initial.is_empty());
    // The id the client chose is what the server must name in its notifications.
    assert_eq!(monitor.id(), req["params"][1].to_string());
    monitor
}

fn insert_update2(monitor_id: &str, uuid: &str, name: &str) -> String {
    format!(
        r#"{{"id":null,"method":"update2","params":[{monitor_id},{{"T":{{"{uuid}":{{"insert":{{"name":"{name}"}}}}}}}}]}}"#
    )
}

async fn next_event(monitor: &mut Monitor) -> Option<Result<MonitorEvent>> {
    guard("monitor event", monitor.next()).await
}

fn inserted_name(ev: MonitorEvent) -> String {
    let MonitorEvent::Update2(u) = ev else {
        panic!("expected update2, got {ev:?}")
    };
    let rows = u.table("T");
    assert_eq!(rows.len(), 1, "{u:?}");
    match &rows[0].1 {
        RowUpdate2::Insert(row) => row.get_str("name").expect("name").to_owned(),
        other => panic!("expected an insert, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn garbage_fails_the_connection_with_a_framing_error() {
    let garbage: &[&[u8]] = &[
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"\x00\xff\xfe\x7f",
        b"[1,2,3]",
        b"\"a string\"",
        b"  \n  }",
    ];
    for bytes in garbage {
        let (driver, handle, mut server) = unix_pair(&quiet());
        let p = handle.call_raw("list_dbs", &[(); 0]);
        server.recv_request("list_dbs").await;
        server.send(bytes).await;
        let err = ended(driver).await.unwrap_err();
        assert!(
            matches!(err, Error::Framing { .. }),
            "{:?}: {err}",
            String::from_utf8_lossy(bytes)
        );
        let reason = assert_closed(outcome(p).await);
        assert!(reason.contains("framing error"), "{reason}");
        assert!(handle.is_closed());
        // A request made after the end fails at once, unsent.
        assert!(matches!(handle.list_dbs().await, Err(Error::NotSent(_))));
    }
}

#[tokio::test]
async fn garbage_after_a_good_reply_names_its_offset() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let first = echo(&handle, json!([1]));
    let second = echo(&handle, json!([2]));
    let r1 = server.recv_request("echo").await;
    server.recv_request("echo").await;
    let good = reply_bytes(&r1["id"], &json!([1]));
    let mut bytes = good.clone().into_bytes();
    bytes.extend_from_slice(b"\n]{}");
    server.send(&bytes).await;
    assert_eq!(json_of(outcome(first).await), json!([1]));
    match ended(driver).await.unwrap_err() {
        Error::Framing { offset, reason } => {
            assert_eq!(offset, good.len() as u64 + 1, "{reason}");
            assert!(reason.contains("']'"), "{reason}");
        }
        other => panic!("expected a framing error, got {other}"),
    }
    assert_closed(outcome(second).await);
}

#[tokio::test]
async fn a_frame_that_is_not_json_fails_with_a_decode_error() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let p = echo(&handle, json!([]));
    let req = server.recv_request("echo").await;
    server
        .send(format!(r#"{{"id":{},"result":[1,,],"error":null}}"#, req["id"]).as_bytes())
        .await;
    let err = ended(driver).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_closed(outcome(p).await);
}

#[tokio::test]
async fn oversized_message_fails_the_connection_and_pending_requests() {
    let options = ConnectOptions {
        max_message_size: 1024,
        ..quiet()
    };
    let (driver, handle, mut server) = unix_pair(&options);
    let small = echo(&handle, json!(["small"]));
    let big = echo(&handle, json!(["big"]));
    let other = handle.call_raw("list_dbs", &[(); 0]);
    let r_small = server.recv_request("echo").await;
    let r_big = server.recv_request("echo").await;
    server.recv_request("list_dbs").await;

    // A message of exactly the limit is fine.
    let pad = 1024 - reply_bytes(&r_small["id"], &json!([""])).len();
    let exact = reply_bytes(&r_small["id"], &json!(["x".repeat(pad)]));
    assert_eq!(exact.len(), 1024);
    server.send(exact.as_bytes()).await;
    assert_eq!(
        json_of(outcome(small).await)[0].as_str().unwrap().len(),
        pad
    );

    // One byte more is not.
    let too_big = reply_bytes(&r_big["id"], &json!(["x".repeat(pad + 1)]));
    server.send(too_big.as_bytes()).await;
    let err = ended(driver).await.unwrap_err();
    match &err {
        Error::Framing { reason, .. } => {
            assert!(reason.contains("maximum size of 1024"), "{reason}")
        }
        other => panic!("expected a framing error, got {other}"),
    }
    assert_closed(outcome(big).await);
    assert_closed(outcome(other).await);
}

#[tokio::test]
async fn oversized_message_is_rejected_before_it_ends() {
    let options = ConnectOptions {
        max_message_size: 1024,
        ..quiet()
    };
    let (driver, handle, mut server) = unix_pair(&options);
    let p = echo(&handle, json!([]));
    let req = server.recv_request("echo").await;
    // The start of an endless message; the server keeps the connection open.
    let mut bytes = format!(r#"{{"id":{},"result":["#, req["id"]).into_bytes();
    bytes.extend(std::iter::repeat_n(b'[', 100));
    bytes.extend(std::iter::repeat_n(b' ', 4000));
    server.send(&bytes).await;
    let err = ended(driver).await.unwrap_err();
    assert!(matches!(err, Error::Framing { .. }), "{err}");
    assert!(err.to_string().contains("maximum size"), "{err}");
    assert_closed(outcome(p).await);
    drop(server);
}

#[tokio::test]
async fn replies_with_unknown_ids_are_ignored() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let p = echo(&handle, json!(["mine"]));
    let req = server.recv_request("echo").await;
    for id in [
        json!(999_999),
        json!("abc"),
        json!(null),
        json!(-1),
        json!(1.5),
        json!({"id": req["id"]}),
        json!([req["id"]]),
        json!(u64::MAX),
    ] {
        server
            .send(reply_bytes(&id, &json!(["not yours"])).as_bytes())
            .await;
    }
    // Our id written as a string, or as a real, is not ours either.
    server
        .send(format!(r#"{{"id":"{}","result":["nope"],"error":null}}"#, req["id"]).as_bytes())
        .await;
    server
        .send(format!(r#"{{"id":{}.0,"result":["nope"],"error":null}}"#, req["id"]).as_bytes())
        .await;
    server.reply(&req, json!(["mine"])).await;
    // A second reply to the same request is a stray too.
    server.reply(&req, json!(["again"])).await;
    assert_eq!(json_of(outcome(p).await), json!(["mine"]));
    assert_alive(&handle, &mut server).await;
    drop(handle);
    drop(server);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn out_of_order_replies_reach_their_own_requests() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let pending: Vec<_> = (0..8)
        .map(|i| echo(&handle, json!([i, format!("payload {i}")])))
        .collect();
    let mut reqs = Vec::new();
    for _ in 0..8 {
        reqs.push(server.recv_request("echo").await);
    }
    // Answer in a scrambled order: 5 3 7 0 6 1 4 2.
    for i in [5usize, 3, 7, 0, 6, 1, 4, 2] {
        let params = reqs[i]["params"].clone();
        server.reply(&reqs[i], params).await;
    }
    for (i, p) in pending.into_iter().enumerate() {
        assert_eq!(
            json_of(outcome(p).await),
            json!([i, format!("payload {i}")])
        );
    }
    assert_alive(&handle, &mut server).await;
    drop(handle);
    let _ = ended(driver).await;
}

/// A reply whose strings hold braces, quotes and backslashes, so that a split anywhere tests the
/// framer's string and escape tracking.
fn tricky_result() -> Value {
    json!(["a}\"{\\", {"k": "}}{{", "\\\"": ["\u{e9}\u{1F600}"]}, "\\"])
}

#[tokio::test]
async fn reply_split_into_one_byte_writes_over_tcp() {
    let (driver, handle, mut server) = tcp_pair(&quiet()).await;
    let p = echo(&handle, json!([]));
    let req = server.recv_request("echo").await;
    let bytes = reply_bytes(&req["id"], &tricky_result());
    for b in bytes.as_bytes() {
        server.send(&[*b]).await;
        tokio::task::yield_now().await;
    }
    assert_eq!(json_of(outcome(p).await), tricky_result());
    assert_alive(&handle, &mut server).await;
    drop(handle);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn reply_delivered_one_byte_per_read() {
    // A pipe that holds one byte: every read the driver makes returns a single byte.
    let (client, server) = tokio::io::duplex(1);
    let (conn, handle) = Connection::new(client, &quiet());
    let driver = spawn(conn);
    let mut server = Server::new(server);
    let p = echo(&handle, json!([]));
    let req = server.recv_request("echo").await;
    // Two messages, with whitespace between, a byte at a time.
    let mut bytes = reply_bytes(&req["id"], &tricky_result()).into_bytes();
    bytes.extend_from_slice(b" \r\n\t");
    bytes.extend_from_slice(br#"{"id":"e","method":"echo","params":["\"}"]}"#);
    server.send(&bytes).await;
    assert_eq!(json_of(outcome(p).await), tricky_result());
    let expected = r#"{"id":"e","result":["\"}"],"error":null}"#;
    let echoed = server.recv_bytes(expected.len()).await;
    assert_eq!(String::from_utf8_lossy(&echoed), expected);
    drop(handle);
    drop(server);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn several_messages_in_one_write() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let a = echo(&handle, json!(["a"]));
    let b = echo(&handle, json!(["b"]));
    let ra = server.recv_request("echo").await;
    let rb = server.recv_request("echo").await;
    let batch = format!(
        "{}{}\n{}{}",
        reply_bytes(&rb["id"], &json!(["b"])),
        r#"{"id":null,"method":"update2","params":["nobody",{}]}"#,
        reply_bytes(&ra["id"], &json!(["a"])),
        r#"{"id":"srv","method":"echo","params":[]}"#,
    );
    server.send(batch.as_bytes()).await;
    assert_eq!(json_of(outcome(a).await), json!(["a"]));
    assert_eq!(json_of(outcome(b).await), json!(["b"]));
    let expected = br#"{"id":"srv","result":[],"error":null}"#;
    assert_eq!(server.recv_bytes(expected.len()).await, expected);
    assert_alive(&handle, &mut server).await;
    drop(handle);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn server_echo_gets_its_params_back_byte_for_byte() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let cases: &[(&str, &str)] = &[
        // What ovsdb-server sends as its inactivity probe.
        (
            r#"{"id":"echo","method":"echo","params":[]}"#,
            r#"{"id":"echo","result":[],"error":null}"#,
        ),
        (
            r#"{"id":"echo","method":"echo","params":["hello",{"a":[1,2]},null,true,-0.5e3]}"#,
            r#"{"id":"echo","result":["hello",{"a":[1,2]},null,true,-0.5e3],"error":null}"#,
        ),
        // Any id is copied as it came, whitespace in params included.
        (
            r#"{"method":"echo","params":[ "\u00e9" , 1 ],"id":[7,{"x":"y"}]}"#,
            r#"{"id":[7,{"x":"y"}],"result":[ "\u00e9" , 1 ],"error":null}"#,
        ),
        (
            r#"{"id":0,"method":"echo","params":["x"]}"#,
            r#"{"id":0,"result":["x"],"error":null}"#,
        ),
    ];
    for (request, reply) in cases {
        server.send(request.as_bytes()).await;
        let got = server.recv_bytes(reply.len()).await;
        assert_eq!(String::from_utf8_lossy(&got), *reply);
    }
    assert_alive(&handle, &mut server).await;
    drop(handle);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn unknown_server_method_gets_an_error_reply() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    for (request, reply) in [
        (
            r#"{"id":"x1","method":"transact","params":["db"]}"#,
            r#"{"id":"x1","result":null,"error":"unknown method"}"#,
        ),
        (
            r#"{"id":12,"method":"update2","params":["m1",{}]}"#,
            r#"{"id":12,"result":null,"error":"unknown method"}"#,
        ),
        (
            r#"{"id":{"a":1},"method":"","params":[]}"#,
            r#"{"id":{"a":1},"result":null,"error":"unknown method"}"#,
        ),
    ] {
        server.send(request.as_bytes()).await;
        let got = server.recv_bytes(reply.len()).await;
        assert_eq!(String::from_utf8_lossy(&got), reply);
        let parsed: Value = serde_json::from_str(reply).unwrap();
        check_envelope(&parsed, reply);
    }
    // Notifications (id null) with unknown methods get no answer and change nothing.
    server
        .send(br#"{"id":null,"method":"bogus","params":{}}{"method":"echo","params":[]}"#)
        .await;
    assert_alive(&handle, &mut server).await;
    drop(handle);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn error_replies_in_odd_shapes_fail_only_their_request() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let shapes = [
        (
            r#""result":null,"error":"unknown method""#,
            "unknown method",
        ),
        (
            r#""result":null,"error":{"error":"unknown database","details":"no db"}"#,
            "unknown database",
        ),
        (
            r#""result":null,"error":{"details":"d"}"#,
            "unspecified error",
        ),
        (r#""result":null,"error":42"#, "42"),
        (r#""error":[1]"#, "[1]"),
        // Neither member: an error for that request, not a broken connection.
        (r#""id2":1"#, "neither result nor error"),
    ];
    for (members, expected) in shapes {
        let p = echo(&handle, json!([]));
        let req = server.recv_request("echo").await;
        server
            .send(format!(r#"{{"id":{},{members}}}"#, req["id"]).as_bytes())
            .await;
        match outcome(p).await {
            Err(Error::Rpc { method, error, .. }) => {
                assert_eq!(method, "echo");
                assert!(error.contains(expected), "{error:?} for {members}");
            }
            other => panic!("{members}: expected Error::Rpc, got {other:?}"),
        }
    }
    assert_alive(&handle, &mut server).await;
    drop(handle);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn notifications_for_unknown_monitors_are_ignored() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let mut monitor = start_monitor(&handle, &mut server).await;
    let id = monitor.id().to_owned();
    let stray = [
        insert_update2(r#""nope""#, U1, "stray"),
        insert_update2("42", U1, "stray"),
        insert_update2("null", U1, "stray"),
        insert_update2(r#"["m1"]"#, U1, "stray"),
        r#"{"id":null,"method":"update3","params":["nope","00000000-0000-0000-0000-000000000000",{}]}"#.into(),
        r#"{"id":null,"method":"monitor_canceled","params":["nope"]}"#.into(),
        r#"{"id":null,"method":"locked","params":["some-lock"]}"#.into(),
        r#"{"id":null,"method":"stolen","params":["some-lock"]}"#.into(),
    ];
    for s in &stray {
        server.send(s.as_bytes()).await;
    }
    server
        .send(insert_update2(&id, U2, "real").as_bytes())
        .await;
    let ev = next_event(&mut monitor)
        .await
        .expect("event")
        .expect("update2");
    assert_eq!(inserted_name(ev), "real");
    assert!(monitor.try_next().is_none());
    assert_alive(&handle, &mut server).await;
    drop(monitor);
    drop(handle);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn malformed_update_for_a_live_monitor_is_that_monitors_error() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let mut monitor = start_monitor(&handle, &mut server).await;
    let id = monitor.id().to_owned();
    let bad = [
        format!(r#"[{id},42]"#),
        format!(r#"[{id}]"#),
        format!(r#"[{id},{{"T":{{"not-a-uuid":{{"insert":{{}}}}}}}}]"#),
        format!(r#"[{id},{{"T":{{"{U1}":{{"upsert":{{}}}}}}}}]"#),
        format!(r#"[{id},{{"T":{{"{U1}":{{"insert":{{"c":["set",[["set",[]]]]}}}}}}}}]"#),
        format!(r#"[{id},{{"T":{{"{U1}":{{"insert":{{"c":["uuid","x"]}}}}}}}}]"#),
        format!(r#"[{id},{{}},"trailing"]"#),
    ];
    for params in &bad {
        server
            .send(format!(r#"{{"id":null,"method":"update2","params":{params}}}"#).as_bytes())
            .await;
        match next_event(&mut monitor).await {
            Some(Err(Error::Decode { what, reason })) => {
                assert_eq!(what, "update2 notification", "{reason}");
            }
            other => panic!("{params}: expected a decode error, got {other:?}"),
        }
    }
    // The monitor and the connection go on.
    server
        .send(insert_update2(&id, U2, "after").as_bytes())
        .await;
    let ev = next_event(&mut monitor)
        .await
        .expect("event")
        .expect("update2");
    assert_eq!(inserted_name(ev), "after");
    assert_alive(&handle, &mut server).await;
    drop(monitor);
    drop(handle);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn notification_without_a_params_array_fails_the_connection_cleanly() {
    for params in ["{}", "[]", "\"m1\"", "null"] {
        let (driver, handle, mut server) = unix_pair(&quiet());
        let mut monitor = start_monitor(&handle, &mut server).await;
        let p = echo(&handle, json!([]));
        server.recv_request("echo").await;
        server
            .send(format!(r#"{{"id":null,"method":"update2","params":{params}}}"#).as_bytes())
            .await;
        match ended(driver).await {
            Err(Error::Decode { what, .. }) => assert_eq!(what, "update2 notification"),
            other => panic!("params {params}: expected a decode error, got {other:?}"),
        }
        assert_closed(outcome(p).await);
        assert!(next_event(&mut monitor).await.is_none(), "params {params}");
        assert!(handle.is_closed());
    }
}

#[tokio::test]
async fn server_closing_mid_message_fails_pending_requests() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let p = echo(&handle, json!([]));
    let other = handle.call_raw("list_dbs", &[(); 0]);
    let req = server.recv_request("echo").await;
    server.recv_request("list_dbs").await;
    let full = reply_bytes(&req["id"], &json!(["half", "{"]));
    server.send(&full.as_bytes()[..full.len() / 2]).await;
    drop(server);
    match ended(driver).await {
        Err(Error::Closed(Some(reason))) => {
            assert!(reason.contains("middle of a message"), "{reason}")
        }
        other => panic!("expected Error::Closed, got {other:?}"),
    }
    assert!(assert_closed(outcome(p).await).contains("middle of a message"));
    assert_closed(outcome(other).await);
}

#[tokio::test]
async fn server_closing_between_messages_fails_pending_requests() {
    let (driver, handle, mut server) = tcp_pair(&quiet()).await;
    let answered = echo(&handle, json!([1]));
    let unanswered = echo(&handle, json!([2]));
    let req = server.recv_request("echo").await;
    server.recv_request("echo").await;
    server.reply(&req, json!([1])).await;
    assert_eq!(json_of(outcome(answered).await), json!([1]));
    drop(server);
    match ended(driver).await {
        Err(Error::Closed(Some(reason))) => {
            assert!(!reason.contains("middle"), "{reason}");
            assert!(reason.contains("closed the connection"), "{reason}");
        }
        other => panic!("expected Error::Closed, got {other:?}"),
    }
    assert_closed(outcome(unanswered).await);
}

#[tokio::test]
async fn silent_server_times_out() {
    let options = ConnectOptions {
        probe_interval: Some(Duration::from_millis(200)),
        ..ConnectOptions::default()
    };
    let (driver, handle, mut server) = unix_pair(&options);
    let p = handle.call_raw("list_dbs", &[(); 0]);
    server.recv_request("list_dbs").await;
    // The client probes the silent server with an echo of its own...
    let probe = server.recv_request("echo").await;
    assert_eq!(probe["params"], json!([]));
    // ...which goes unanswered, like everything else.
    match ended(driver).await {
        Err(Error::Timeout(reason)) => assert!(reason.contains("echo probe"), "{reason}"),
        other => panic!("expected Error::Timeout, got {other:?}"),
    }
    assert!(assert_closed(outcome(p).await).contains("timed out"));
    assert!(handle.is_closed());
    drop(server);
}

#[tokio::test]
async fn a_server_reading_a_large_request_slowly_is_not_dropped() {
    // A server that reads a large request slowly and says nothing meanwhile (as
    // ovsdb-server does with a transaction of tens of MB): taking the bytes that waited for
    // it shows it alive, however long the reading takes.
    const TOTAL: usize = 4 << 20;
    let options = ConnectOptions {
        probe_interval: Some(Duration::from_millis(200)),
        ..ConnectOptions::default()
    };
    let (driver, handle, mut server) = unix_pair(&options);
    let big = "x".repeat(TOTAL);
    let p = handle.call_raw(
        "transact",
        &json!(["db", {"op": "comment", "comment": big}]),
    );
    let mut chunk = vec![0u8; 64 * 1024];
    while server.buf.len() < TOTAL {
        let n = guard("slow read", server.io.read(&mut chunk))
            .await
            .expect("server read");
        assert!(
            n > 0,
            "the client closed the connection after {} bytes",
            server.buf.len()
        );
        server.buf.extend_from_slice(&chunk[..n]);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let req = server.recv_request("transact").await;
    server.reply(&req, json!([{}])).await;
    assert_eq!(json_of(outcome(p).await), json!([{}]));
    assert!(!handle.is_closed());
    drop(handle);
    drop(server);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn answered_probes_keep_the_connection_alive() {
    let options = ConnectOptions {
        probe_interval: Some(Duration::from_millis(500)),
        ..ConnectOptions::default()
    };
    let (driver, handle, mut server) = unix_pair(&options);
    let p = handle.call_raw("list_dbs", &[(); 0]);
    let req = server.recv_request("list_dbs").await;
    for _ in 0..3 {
        let probe = server.recv_request("echo").await;
        server.reply(&probe, json!([])).await;
    }
    server.reply(&req, json!(["db"])).await;
    assert_eq!(json_of(outcome(p).await), json!(["db"]));
    assert!(!handle.is_closed());
    drop(handle);
    drop(server);
    let _ = ended(driver).await;
}

#[tokio::test]
async fn requests_are_plain_json_rpc_1_0() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    // Start one of each request; none is answered. Server::recv checks every message.
    let h = handle.clone();
    let tasks = tokio::spawn(async move {
        let mut reqs = MonitorRequests::new();
        reqs.insert("T".into(), vec![MonitorRequest::columns(["name"])]);
        let mut txn = Transaction::new("db");
        txn.insert("T", Row::new().with("name", "x"));
        let txn = h.transact(txn);
        h.cancel(txn.id()).expect("cancel");
        let _ = tokio::join!(
            h.list_dbs(),
            h.get_schema("db"),
            h.echo(&[]),
            h.set_db_change_aware(true),
            h.monitor("db", &reqs),
            h.monitor_cond("db", &reqs),
            h.monitor_cond_since("db", &reqs, None),
            h.lock("l"),
            // (One Lock per name and connection: "l" again would be refused unsent.)
            h.steal("l2"),
            h.unlock("l"),
            h.transact_raw(&json!(["db", {"op": "comment", "comment": "c"}])),
            txn,
        );
    });
    let mut methods = Vec::new();
    for _ in 0..14 {
        let msg = server.recv().await;
        methods.push(msg["method"].as_str().expect("a request").to_owned());
        if msg["method"] == "cancel" {
            assert_eq!(msg["id"], Value::Null, "{msg}");
            assert_eq!(msg["params"].as_array().map(Vec::len), Some(1), "{msg}");
        }
    }
    methods.sort();
    assert_eq!(
        methods,
        [
            "cancel",
            "echo",
            "echo",
            "get_schema",
            "list_dbs",
            "lock",
            "monitor",
            "monitor_cond",
            "monitor_cond_since",
            "set_db_change_aware",
            "steal",
            "transact",
            "transact",
            "unlock",
        ]
    );
    drop(server);
    let _ = ended(driver).await;
    guard("request tasks", tasks).await.expect("tasks");
}

// ---------------------------------------------------------------------------------------------
// Transports that buffer, as TLS does
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_buffering_transport_is_flushed() {
    // tokio-rustls accepts plaintext into the TLS session and returns from poll_write before the
    // records reach a full socket; only a later write or a flush sends them. BufWriter behaves the
    // same way, deterministically: a small request sits in its buffer until flushed.
    let (client, server) = UnixStream::pair().expect("socketpair");
    let (conn, handle) = Connection::new(tokio::io::BufWriter::new(client), &quiet());
    let driver = spawn(conn);
    let mut server = Server::new(server);
    let p = echo(&handle, json!(["flushed"]));
    let req = server.recv_request("echo").await;
    let params = req["params"].clone();
    server.reply(&req, params).await;
    assert_eq!(json_of(outcome(p).await), json!(["flushed"]));
    // The reply to a server echo is flushed too.
    server
        .send(br#"{"id":"echo","method":"echo","params":[]}"#)
        .await;
    let expected = br#"{"id":"echo","result":[],"error":null}"#;
    assert_eq!(server.recv_bytes(expected.len()).await, expected);
    drop(handle);
    let _ = ended(driver).await;
}

/// A transport whose shutdown never completes, like a TLS stream whose close_notify cannot be
/// written because the peer stopped reading and the socket buffer is full.
struct StuckShutdown<S>(S);

impl<S: AsyncRead + Unpin> AsyncRead for StuckShutdown<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for StuckShutdown<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Pending
    }
}

#[tokio::test]
async fn a_transport_that_cannot_shut_down_does_not_hold_up_the_end() {
    let options = ConnectOptions {
        probe_interval: Some(Duration::from_millis(200)),
        ..ConnectOptions::default()
    };
    let (client, server) = UnixStream::pair().expect("socketpair");
    let (conn, handle) = Connection::new(StuckShutdown(client), &options);
    let driver = spawn(conn);
    let mut server = Server::new(server);
    let p = handle.call_raw("list_dbs", &[(); 0]);
    server.recv_request("list_dbs").await;
    server.recv_request("echo").await;
    // The server goes silent: the request fails and the driver ends although the transport
    // never finishes shutting down.
    assert!(assert_closed(outcome(p).await).contains("timed out"));
    assert!(matches!(ended(driver).await, Err(Error::Timeout(_))));
    drop(server);
}

/// When every handle is gone and nobody awaits the requests still in flight, the driver ends
/// instead of waiting forever for replies that no one would read.
#[tokio::test]
async fn driver_ends_when_nobody_is_left_to_read_replies() {
    let (driver, handle, mut server) = unix_pair(&quiet());
    let p = handle.call_raw("list_dbs", &[(); 0]);
    server.recv_request("list_dbs").await;
    drop(p);
    drop(handle);
    assert!(ended(driver).await.is_ok(), "a clean end");
    drop(server);
}

/// `Monitor` works with stream combinators.
#[tokio::test]
async fn monitor_is_a_stream() {
    use futures::StreamExt;
    let (_driver, handle, mut server) = unix_pair(&quiet());
    let mut monitor = start_monitor(&handle, &mut server).await;
    let id = monitor.id().to_owned();
    server
        .send(insert_update2(&id, "11111111-1111-1111-1111-111111111111", "a").as_bytes())
        .await;
    let ev = guard("stream item", StreamExt::next(&mut monitor))
        .await
        .expect("an item")
        .expect("decodes");
    assert_eq!(inserted_name(ev), "a");
}
