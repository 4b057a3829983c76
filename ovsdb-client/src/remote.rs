//! OVS remote strings and the byte-stream transports behind them.
//!
//! A remote is written as Open vSwitch writes it:
//!
//! | form | meaning |
//! |---|---|
//! | `tcp:HOST:PORT` | TCP; `HOST` is an IPv4 address, a bracketed IPv6 address (`[::1]`) or a name |
//! | `ssl:HOST:PORT` | TLS over TCP, with the key, certificate and CA of [`TlsConfig`] |
//! | `unix:PATH` | a Unix domain socket |
//!
//! The port may be left out; it defaults to 6640, the IANA port for OVSDB. Several remotes may be
//! given separated by commas (`tcp:10.0.0.1:6641,tcp:10.0.0.2:6641`); [`connect_any`] tries them
//! in order.
//!
//! TLS follows ovsdb-server's model: both sides present certificates signed by a CA both trust
//! (mutual TLS), and, as in Open vSwitch, the server's certificate is checked against the CA but
//! not against the host name unless [`TlsConfig::verify_hostname`] is set.

use std::fmt;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::error::{Error, Result};

/// The default OVSDB port.
pub const DEFAULT_PORT: u16 = 6640;

/// One parsed remote.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Remote {
    /// `tcp:HOST:PORT`.
    Tcp {
        /// Host name or address (without brackets).
        host: String,
        /// Port.
        port: u16,
    },
    /// `ssl:HOST:PORT`.
    Ssl {
        /// Host name or address (without brackets).
        host: String,
        /// Port.
        port: u16,
    },
    /// `unix:PATH`.
    Unix(PathBuf),
}

impl fmt::Display for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hp = |f: &mut fmt::Formatter<'_>, scheme: &str, host: &str, port: u16| {
            if host.contains(':') {
                write!(f, "{scheme}:[{host}]:{port}")
            } else {
                write!(f, "{scheme}:{host}:{port}")
            }
        };
        match self {
            Remote::Tcp { host, port } => hp(f, "tcp", host, *port),
            Remote::Ssl { host, port } => hp(f, "ssl", host, *port),
            Remote::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

impl FromStr for Remote {
    type Err = Error;

    fn from_str(s: &str) -> Result<Remote> {
        let bad = |reason: &str| Error::Remote {
            remote: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (scheme, rest) = s
            .split_once(':')
            .ok_or_else(|| bad("expected tcp:HOST:PORT, ssl:HOST:PORT or unix:PATH"))?;
        match scheme {
            "unix" => {
                if rest.is_empty() {
                    return Err(bad("empty socket path"));
                }
                Ok(Remote::Unix(PathBuf::from(rest)))
            }
            "tcp" | "ssl" => {
                let (host, port) = split_host_port(rest).map_err(|r| bad(&r))?;
                Ok(if scheme == "tcp" {
                    Remote::Tcp { host, port }
                } else {
                    Remote::Ssl { host, port }
                })
            }
            "ptcp" | "pssl" | "punix" => Err(bad(
                "passive (listening) remotes are for servers; a client needs tcp:, ssl: or unix:",
            )),
            _ => Err(bad(&format!(
                "unknown connection method {scheme:?} (expected tcp, ssl or unix)"
            ))),
        }
    }
}

fn split_host_port(rest: &str) -> std::result::Result<(String, u16), String> {
    let (host, port) = if let Some(after) = rest.strip_prefix('[') {
        let (h, tail) = after
            .split_once(']')
            .ok_or("unterminated '[' in IPv6 address")?;
        if h.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("{h:?} is not an IPv6 address"));
        }
        let port = match tail {
            "" => None,
            t => Some(
                t.strip_prefix(':')
                    .ok_or("expected ':' after the bracketed address")?,
            ),
        };
        (h.to_owned(), port)
    } else {
        match rest.matches(':').count() {
            0 => (rest.to_owned(), None),
            1 => {
                let (h, p) = rest.split_once(':').unwrap_or((rest, ""));
                (h.to_owned(), Some(p))
            }
            _ => {
                return Err("an IPv6 address must be written in brackets, as [::1]".into());
            }
        }
    };
    if host.is_empty() {
        return Err("missing host".into());
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| format!("{p:?} is not a port number (1-65535)"))?,
    };
    Ok((host, port))
}

/// Parses a comma-separated list of remotes.
pub fn parse_remotes(s: &str) -> Result<Vec<Remote>> {
    let list: Vec<Remote> = s
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect::<Result<_>>()?;
    if list.is_empty() {
        return Err(Error::Remote {
            remote: s.to_owned(),
            reason: "no remote given".into(),
        });
    }
    Ok(list)
}

/// Files for `ssl:` remotes, as given to `ovsdb-client --private-key --certificate --ca-cert`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsConfig {
    /// PEM private key of this client (PKCS#8, PKCS#1 or SEC1).
    pub private_key: PathBuf,
    /// PEM certificate of this client (may hold a chain).
    pub certificate: PathBuf,
    /// PEM CA certificate(s) that signed the server's certificate.
    pub ca_cert: PathBuf,
    /// Also check that the server certificate names the host connected to. Open vSwitch does
    /// not, and certificates made by `ovs-pki` name no host, so this is off by default.
    pub verify_hostname: bool,
}

impl TlsConfig {
    /// A configuration from the three PEM files, without host name checks.
    pub fn new(
        private_key: impl Into<PathBuf>,
        certificate: impl Into<PathBuf>,
        ca_cert: impl Into<PathBuf>,
    ) -> TlsConfig {
        TlsConfig {
            private_key: private_key.into(),
            certificate: certificate.into(),
            ca_cert: ca_cert.into(),
            verify_hostname: false,
        }
    }

    /// Builds the rustls client configuration, reading the files.
    pub fn client_config(&self) -> Result<rustls::ClientConfig> {
        let read_err = |what: &str, path: &Path, e: &dyn fmt::Display| {
            Error::Tls(format!("cannot load {what} from {}: {e}", path.display()))
        };
        let key = PrivateKeyDer::from_pem_file(&self.private_key)
            .map_err(|e| read_err("private key", &self.private_key, &e))?;
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.certificate)
            .map_err(|e| read_err("certificate", &self.certificate, &e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| read_err("certificate", &self.certificate, &e))?;
        if certs.is_empty() {
            return Err(Error::Tls(format!(
                "no certificate in {}",
                self.certificate.display()
            )));
        }
        let mut roots = rustls::RootCertStore::empty();
        let mut n = 0;
        for ca in CertificateDer::pem_file_iter(&self.ca_cert)
            .map_err(|e| read_err("CA certificate", &self.ca_cert, &e))?
        {
            let ca = ca.map_err(|e| read_err("CA certificate", &self.ca_cert, &e))?;
            roots
                .add(ca)
                .map_err(|e| read_err("CA certificate", &self.ca_cert, &e))?;
            n += 1;
        }
        if n == 0 {
            return Err(Error::Tls(format!(
                "no CA certificate in {}",
                self.ca_cert.display()
            )));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(|e| Error::Tls(format!("CA certificates: {e}")))?;
        let verifier: Arc<dyn ServerCertVerifier> = if self.verify_hostname {
            webpki
        } else {
            Arc::new(CaOnlyVerifier(webpki))
        };
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_auth_cert(certs, key)
            .map_err(|e| Error::Tls(format!("client key and certificate: {e}")))
    }
}

/// Checks the server's chain against the CA and its signatures, but not its name: the Open
/// vSwitch model, where the CA alone vouches for the peer.
#[derive(Debug)]
struct CaOnlyVerifier(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for CaOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// A connected byte stream of any of the three kinds.
#[derive(Debug)]
pub enum Transport {
    /// TCP.
    Tcp(TcpStream),
    /// A Unix domain socket.
    Unix(UnixStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

impl Transport {
    /// Connects to one remote. `tls` is required for `ssl:` remotes.
    pub async fn connect(
        remote: &Remote,
        tls: Option<&TlsConfig>,
        timeout: Duration,
    ) -> Result<Transport> {
        let fut = async {
            match remote {
                Remote::Unix(path) => Ok(Transport::Unix(UnixStream::connect(path).await?)),
                Remote::Tcp { host, port } => {
                    let s = TcpStream::connect((host.as_str(), *port)).await?;
                    s.set_nodelay(true)?;
                    Ok(Transport::Tcp(s))
                }
                Remote::Ssl { host, port } => {
                    let tls = tls.ok_or_else(|| {
                        Error::Tls(format!(
                            "{remote} needs a private key, certificate and CA certificate"
                        ))
                    })?;
                    let config = Arc::new(tls.client_config()?);
                    let name = match host.parse::<IpAddr>() {
                        Ok(ip) => ServerName::IpAddress(ip.into()),
                        Err(_) => ServerName::try_from(host.clone())
                            .map_err(|e| Error::Tls(format!("server name {host:?}: {e}")))?,
                    };
                    let s = TcpStream::connect((host.as_str(), *port)).await?;
                    s.set_nodelay(true)?;
                    let s = TlsConnector::from(config)
                        .connect(name, s)
                        .await
                        .map_err(|e| Error::Tls(format!("handshake with {remote}: {e}")))?;
                    Ok(Transport::Tls(Box::new(s)))
                }
            }
        };
        match tokio::time::timeout(timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::Timeout(format!(
                "connecting to {remote} took more than {timeout:?}"
            ))),
        }
    }
}

/// Connects to the first remote of `remotes` (a comma-separated list) that answers, trying them
/// in order. The error, if all fail, lists each remote's failure.
pub async fn connect_any(
    remotes: &str,
    tls: Option<&TlsConfig>,
    timeout: Duration,
) -> Result<(Remote, Transport)> {
    let list = parse_remotes(remotes)?;
    let mut failures = Vec::new();
    for r in list {
        match Transport::connect(&r, tls, timeout).await {
            Ok(t) => return Ok((r, t)),
            Err(e) => failures.push(format!("{r}: {e}")),
        }
    }
    Err(Error::Io(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        format!("could not connect: {}", failures.join("; ")),
    )))
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_flush(cx),
            Transport::Unix(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Transport::Unix(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Transport::Tcp(s) => s.is_write_vectored(),
            Transport::Unix(s) => s.is_write_vectored(),
            Transport::Tls(s) => s.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(h: &str, p: u16) -> Remote {
        Remote::Tcp {
            host: h.into(),
            port: p,
        }
    }

    #[test]
    fn parses() {
        assert_eq!(
            "tcp:127.0.0.1:6641".parse::<Remote>().unwrap(),
            tcp("127.0.0.1", 6641)
        );
        assert_eq!(
            "tcp:[::1]:6641".parse::<Remote>().unwrap(),
            tcp("::1", 6641)
        );
        assert_eq!(
            "tcp:[fe80::1]".parse::<Remote>().unwrap(),
            tcp("fe80::1", 6640)
        );
        assert_eq!(
            "tcp:db.local".parse::<Remote>().unwrap(),
            tcp("db.local", 6640)
        );
        assert_eq!(
            "ssl:10.0.0.1:6643".parse::<Remote>().unwrap(),
            Remote::Ssl {
                host: "10.0.0.1".into(),
                port: 6643
            }
        );
        assert_eq!(
            "unix:/run/ovn/ovnnb_db.sock".parse::<Remote>().unwrap(),
            Remote::Unix("/run/ovn/ovnnb_db.sock".into())
        );
        assert_eq!(
            parse_remotes("tcp:1.1.1.1:1, tcp:[::2]:2,unix:/x").unwrap(),
            vec![tcp("1.1.1.1", 1), tcp("::2", 2), Remote::Unix("/x".into())]
        );
        for r in ["tcp:[::1]:6641", "ssl:1.2.3.4:5", "unix:/a/b"] {
            assert_eq!(r.parse::<Remote>().unwrap().to_string(), r);
        }
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "tcp",
            "tcp:",
            "tcp::6640",
            "tcp:1.2.3.4:0",
            "tcp:1.2.3.4:70000",
            "tcp:1.2.3.4:x",
            "tcp:::1:6640",
            "tcp:[::1",
            "tcp:[zz]:1",
            "tcp:[::1]x",
            "udp:1.2.3.4:5",
            "unix:",
            "ptcp:6640",
        ] {
            let e = bad.parse::<Remote>();
            assert!(e.is_err(), "{bad:?} parsed as {e:?}");
        }
        assert!(parse_remotes(" , ").is_err());
        let e = "tcp:1.2.3.4:x".parse::<Remote>().unwrap_err().to_string();
        assert!(e.contains("tcp:1.2.3.4:x") && e.contains("port"), "{e}");
    }
}
