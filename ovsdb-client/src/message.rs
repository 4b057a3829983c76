//! JSON-RPC 1.0 messages as ovsdb-server speaks them.
//!
//! The envelope rules (RFC 7047 section 4 and `lib/jsonrpc.c` in Open vSwitch):
//!
//! - A request is `{"id":ID,"method":M,"params":[..]}`; `params` is always present. An extra
//!   member such as `"jsonrpc":"2.0"` makes ovsdb-server drop the connection, so none is sent.
//! - A reply is `{"id":ID,"result":R,"error":null}` or `{"id":ID,"result":null,"error":E}`, where
//!   `E` is a bare string (`"unknown method"`) or an object with `error` and optional `details`.
//! - A notification is a request with `"id":null`.
//!
//! Decoding borrows from the frame: [`parse`] returns a [`Message`] whose `params` and `result`
//! are unparsed [`RawValue`]s, so the envelope costs one scan and the payload is decoded once, by
//! whoever needs it, straight into its final type.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::error::{Error, Result};

/// One decoded message, borrowing from its frame.
#[derive(Debug)]
pub enum Message<'a> {
    /// A request that expects a reply, such as the server's `echo`.
    Request {
        /// The request id, to be copied into the reply.
        id: &'a RawValue,
        /// The method.
        method: Cow<'a, str>,
        /// The parameters, unparsed.
        params: &'a RawValue,
    },
    /// A notification (`"id":null`), such as `update2` or `locked`.
    Notification {
        /// The method.
        method: Cow<'a, str>,
        /// The parameters, unparsed.
        params: &'a RawValue,
    },
    /// A reply to one of our requests.
    Response {
        /// The id of the request this answers.
        id: &'a RawValue,
        /// The result, or the error the server reported.
        result: std::result::Result<&'a RawValue, RpcError>,
    },
}

/// An error reply from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    /// The error, e.g. `"unknown method"`, `"unknown database"`, `"canceled"`.
    pub error: String,
    /// Further explanation, when the server gave one.
    pub details: Option<String>,
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)?;
        if let Some(d) = &self.details {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// The envelope; a member that is present, even as `null`, is `Some`.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    method: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    params: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    error: Option<&'a RawValue>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&'de RawValue>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorBody {
    Text(String),
    Object {
        error: Option<String>,
        details: Option<String>,
        syntax: Option<String>,
    },
    Other(serde_json::Value),
}

impl RpcError {
    fn from_raw(raw: &RawValue) -> RpcError {
        match serde_json::from_str::<ErrorBody>(raw.get()) {
            Ok(ErrorBody::Text(error)) => RpcError {
                error,
                details: None,
            },
            Ok(ErrorBody::Object {
                error,
                details,
                syntax,
            }) => RpcError {
                error: error.unwrap_or_else(|| "unspecified error".to_owned()),
                details: match (details, syntax) {
                    (Some(d), Some(s)) => Some(format!("{d} (syntax: {s})")),
                    (d, None) => d,
                    (None, Some(s)) => Some(format!("syntax: {s}")),
                },
            },
            Ok(ErrorBody::Other(v)) => RpcError {
                error: v.to_string(),
                details: None,
            },
            Err(e) => RpcError {
                error: raw.get().chars().take(200).collect(),
                details: Some(e.to_string()),
            },
        }
    }
}

fn is_null(v: Option<&RawValue>) -> bool {
    v.is_none_or(|r| r.get() == "null")
}

/// Decodes JSON text, checking that it is UTF-8 once rather than string by string.
pub(crate) fn from_json<'a, T: serde::Deserialize<'a>>(
    bytes: &'a [u8],
) -> std::result::Result<T, serde_json::Error> {
    // Checking the whole text once (SIMD-fast) lets serde_json skip the check per string, a
    // tenth of the decoding time for large monitor replies. Invalid text is decoded as bytes
    // so that the error says where it is.
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Decodes the envelope of one framed message.
pub fn parse(frame: &[u8]) -> Result<Message<'_>> {
    if frame.trim_ascii_start().first() != Some(&b'{') {
        return Err(Error::decode("JSON-RPC message", "not a JSON object"));
    }
    let env: Envelope<'_> = from_json(frame).map_err(|e| Error::decode("JSON-RPC message", e))?;
    match env.method {
        Some(method) => {
            let params = env.params.ok_or_else(|| {
                Error::decode(format!("\"{method}\" message"), "missing \"params\" member")
            })?;
            match env.id {
                Some(id) if id.get() != "null" => Ok(Message::Request { id, method, params }),
                _ => Ok(Message::Notification { method, params }),
            }
        }
        None => {
            let id = env
                .id
                .ok_or_else(|| Error::decode("JSON-RPC reply", "missing \"id\" member"))?;
            let result = if let Some(error) = env.error.filter(|e| !is_null(Some(e))) {
                Err(RpcError::from_raw(error))
            } else {
                match env.result {
                    Some(r) => Ok(r),
                    None => Err(RpcError {
                        error: "reply has neither result nor error".to_owned(),
                        details: None,
                    }),
                }
            };
            Ok(Message::Response { id, result })
        }
    }
}

/// Offsets of `part` within `frame`, which it must borrow from.
pub(crate) fn range_in(frame: &[u8], part: &RawValue) -> std::ops::Range<usize> {
    let base = frame.as_ptr() as usize;
    let start = part.get().as_ptr() as usize - base;
    start..start + part.get().len()
}

/// Appends `{"id":ID,"method":METHOD,"params":PARAMS}` to `out`.
pub fn write_request<P: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    id: u64,
    method: &str,
    params: &P,
) -> Result<()> {
    write_call(out, id.to_string().as_bytes(), method, params)
}

/// Appends a notification `{"id":null,"method":METHOD,"params":PARAMS}` to `out`.
pub fn write_notification<P: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    method: &str,
    params: &P,
) -> Result<()> {
    write_call(out, b"null", method, params)
}

/// Appends a request or notification; on failure `out` is left as it was.
fn write_call<P: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    id: &[u8],
    method: &str,
    params: &P,
) -> Result<()> {
    let start = out.len();
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(id);
    out.extend_from_slice(b",\"method\":");
    let written = serde_json::to_writer(&mut *out, method).and_then(|()| {
        out.extend_from_slice(b",\"params\":");
        serde_json::to_writer(&mut *out, params)
    });
    if let Err(e) = written {
        out.truncate(start);
        return Err(Error::Encode {
            what: format!("{method} request"),
            reason: e.to_string(),
        });
    }
    out.push(b'}');
    Ok(())
}

/// Appends a successful reply `{"id":ID,"result":RESULT,"error":null}` to `out`.
pub fn write_reply(out: &mut Vec<u8>, id: &RawValue, result: &RawValue) {
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(id.get().as_bytes());
    out.extend_from_slice(b",\"result\":");
    out.extend_from_slice(result.get().as_bytes());
    out.extend_from_slice(b",\"error\":null}");
}

/// Appends an error reply `{"id":ID,"result":null,"error":ERROR}` to `out`.
pub fn write_error_reply(out: &mut Vec<u8>, id: &RawValue, error: &str) {
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(id.get().as_bytes());
    out.extend_from_slice(b",\"result\":null,\"error\":");
    // Serializing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, error);
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify() {
        let m = parse(br#"{"id":"echo","method":"echo","params":[]}"#).unwrap();
        assert!(
            matches!(m, Message::Request { id, method, params } if id.get() == r#""echo""# && method == "echo" && params.get() == "[]")
        );
        let m = parse(br#"{"id":null,"method":"update2","params":["m",{}]}"#).unwrap();
        assert!(matches!(m, Message::Notification { method, .. } if method == "update2"));
        let m = parse(br#"{"method":"locked","params":["l"]}"#).unwrap();
        assert!(matches!(m, Message::Notification { .. }));
        let m = parse(br#"{"id":7,"result":["a"],"error":null}"#).unwrap();
        assert!(
            matches!(m, Message::Response { id, result: Ok(r) } if id.get() == "7" && r.get() == r#"["a"]"#)
        );
        // A reply with a null result is still a success (monitor_cancel answers {}, lock {..}).
        let m = parse(br#"{"id":7,"result":null,"error":null}"#).unwrap();
        assert!(matches!(m, Message::Response { result: Ok(r), .. } if r.get() == "null"));
        // Unknown members are ignored on input.
        assert!(parse(br#"{"jsonrpc":"2.0","id":1,"result":1,"error":null}"#).is_ok());
    }

    #[test]
    fn error_forms() {
        let m = parse(br#"{"id":1,"result":null,"error":"unknown method"}"#).unwrap();
        let Message::Response { result: Err(e), .. } = m else {
            panic!()
        };
        assert_eq!(e.error, "unknown method");
        let m = parse(
            br#"{"id":1,"result":null,"error":{"error":"unknown database","details":"get_schema request specifies unknown database Foo"}}"#,
        )
        .unwrap();
        let Message::Response { result: Err(e), .. } = m else {
            panic!()
        };
        assert_eq!(e.error, "unknown database");
        assert!(e.details.unwrap().contains("Foo"));
        let m = parse(br#"{"id":1,"result":null,"error":{"error":"syntax error","syntax":"[1]"}}"#)
            .unwrap();
        let Message::Response { result: Err(e), .. } = m else {
            panic!()
        };
        assert_eq!(e.details.as_deref(), Some("syntax: [1]"));
        let m = parse(br#"{"id":1,"result":null,"error":42}"#).unwrap();
        assert!(matches!(m, Message::Response { result: Err(e), .. } if e.error == "42"));
    }

    #[test]
    fn malformed() {
        for bad in [
            &b"{"[..],
            br#"{"method":"x"}"#,
            br#"{"result":1}"#,
            br#"[1]"#,
            br#"{"id":1,"method":5,"params":[]}"#,
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn writes() {
        let mut out = Vec::new();
        write_request(&mut out, 3, "list_dbs", &[(); 0]).unwrap();
        assert_eq!(out, br#"{"id":3,"method":"list_dbs","params":[]}"#);
        out.clear();
        write_notification(&mut out, "cancel", &[5]).unwrap();
        assert_eq!(out, br#"{"id":null,"method":"cancel","params":[5]}"#);
        out.clear();
        let id = RawValue::from_string(r#""echo""#.into()).unwrap();
        let r = RawValue::from_string("[]".into()).unwrap();
        write_reply(&mut out, &id, &r);
        assert_eq!(out, br#"{"id":"echo","result":[],"error":null}"#);
        out.clear();
        write_error_reply(&mut out, &id, "unknown method");
        assert_eq!(
            out,
            br#"{"id":"echo","result":null,"error":"unknown method"}"#
        );
        // A failed encode leaves the buffer as it was.
        out.clear();
        out.extend_from_slice(b"xy");
        assert!(write_request(&mut out, 1, "m", &[crate::Atom::Real(f64::NAN)]).is_err());
        assert_eq!(out, b"xy");
    }

    #[test]
    fn range_points_into_frame() {
        let frame = br#"{"id":7,"result":["a"],"error":null}"#;
        let Message::Response { result: Ok(r), .. } = parse(frame).unwrap() else {
            panic!()
        };
        assert_eq!(&frame[range_in(frame, r)], br#"["a"]"#);
    }
}
