//! Where a switch is: `unix:PATH`, `tcp:HOST:PORT` (we connect), or `ptcp:PORT[:IP]` and
//! `punix:PATH` (we listen and the switch connects to us).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The default OpenFlow port.
pub const DEFAULT_PORT: u16 = 6653;

/// An active remote: one we connect to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Remote {
    /// A Unix domain socket, such as a bridge's `<rundir>/<bridge>.mgmt`.
    Unix(PathBuf),
    /// A TCP address (`tcp:HOST[:PORT]`, IPv6 hosts in brackets).
    Tcp {
        /// Host name or address.
        host: String,
        /// Port (6653 when left out).
        port: u16,
    },
}

/// A passive remote: where we listen for switches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Passive {
    /// `punix:PATH`.
    Unix(PathBuf),
    /// `ptcp:PORT[:IP]` (IP defaults to every IPv4 address).
    Tcp {
        /// Port (0: any free port).
        port: u16,
        /// Address to bind.
        ip: String,
    },
}

fn bad(s: &str, reason: impl Into<String>) -> Error {
    Error::Remote {
        remote: s.to_owned(),
        reason: reason.into(),
    }
}

/// Splits `HOST[:PORT]` (IPv6 hosts in brackets).
fn host_port(s: &str, whole: &str, default_port: u16) -> Result<(String, u16)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| bad(whole, "unclosed '[' around an IPv6 address"))?;
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return Err(bad(whole, "expected ':' after ']'")),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| bad(whole, format!("bad port {p:?}")))?,
        None => default_port,
    };
    Ok((host.to_owned(), port))
}

impl FromStr for Remote {
    type Err = Error;

    fn from_str(s: &str) -> Result<Remote> {
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(bad(s, "empty socket path"));
            }
            return Ok(Remote::Unix(PathBuf::from(path)));
        }
        if let Some(rest) = s.strip_prefix("tcp:") {
            let (host, port) = host_port(rest, s, DEFAULT_PORT)?;
            if host.is_empty() {
                return Err(bad(s, "empty host"));
            }
            return Ok(Remote::Tcp { host, port });
        }
        Err(bad(s, "expected unix:PATH or tcp:HOST:PORT"))
    }
}

impl FromStr for Passive {
    type Err = Error;

    fn from_str(s: &str) -> Result<Passive> {
        if let Some(path) = s.strip_prefix("punix:") {
            if path.is_empty() {
                return Err(bad(s, "empty socket path"));
            }
            return Ok(Passive::Unix(PathBuf::from(path)));
        }
        if let Some(rest) = s.strip_prefix("ptcp:") {
            let (port, ip) = match rest.split_once(':') {
                Some((p, ip)) => (p, ip.trim_start_matches('[').trim_end_matches(']')),
                None => (rest, "0.0.0.0"),
            };
            let port = if port.is_empty() {
                DEFAULT_PORT
            } else {
                port.parse::<u16>()
                    .map_err(|_| bad(s, format!("bad port {port:?}")))?
            };
            return Ok(Passive::Tcp {
                port,
                ip: ip.to_owned(),
            });
        }
        Err(bad(s, "expected ptcp:PORT[:IP] or punix:PATH"))
    }
}

impl fmt::Display for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Remote::Unix(p) => write!(f, "unix:{}", p.display()),
            Remote::Tcp { host, port } if host.contains(':') => write!(f, "tcp:[{host}]:{port}"),
            Remote::Tcp { host, port } => write!(f, "tcp:{host}:{port}"),
        }
    }
}

impl fmt::Display for Passive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Passive::Unix(p) => write!(f, "punix:{}", p.display()),
            Passive::Tcp { port, ip } if ip.contains(':') => write!(f, "ptcp:{port}:[{ip}]"),
            Passive::Tcp { port, ip } => write!(f, "ptcp:{port}:{ip}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_remotes() {
        assert_eq!(
            "unix:/run/br0.mgmt".parse::<Remote>().unwrap(),
            Remote::Unix("/run/br0.mgmt".into())
        );
        assert_eq!(
            "tcp:127.0.0.1:6654".parse::<Remote>().unwrap(),
            Remote::Tcp {
                host: "127.0.0.1".into(),
                port: 6654
            }
        );
        assert_eq!(
            "tcp:[::1]".parse::<Remote>().unwrap().to_string(),
            "tcp:[::1]:6653"
        );
        assert!("tcp:h:99999".parse::<Remote>().is_err());
        assert!("ssl:h:1".parse::<Remote>().is_err());
        assert_eq!(
            "ptcp:0:127.0.0.1".parse::<Passive>().unwrap(),
            Passive::Tcp {
                port: 0,
                ip: "127.0.0.1".into()
            }
        );
        assert_eq!(
            "ptcp:6653".parse::<Passive>().unwrap().to_string(),
            "ptcp:6653:0.0.0.0"
        );
    }
}
