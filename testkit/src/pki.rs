//! A throw-away public key infrastructure for SSL remotes.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// PEM files of a test CA plus a server and a client certificate signed by
/// it, generated with `rcgen` at test time.
///
/// The server certificate carries the subject alternative names `127.0.0.1`
/// and `localhost`; the client certificate is for mutual TLS (ovsdb-server's
/// `pssl` remotes demand a client certificate signed by `--ca-cert`). Keys
/// are ECDSA P-256 in PKCS#8 PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pki {
    /// CA certificate (PEM); trust anchor for both sides.
    pub ca_cert: PathBuf,
    /// Server private key (PEM, PKCS#8).
    pub server_key: PathBuf,
    /// Server certificate (PEM), SANs `127.0.0.1` and `localhost`.
    pub server_cert: PathBuf,
    /// Client private key (PEM, PKCS#8).
    pub client_key: PathBuf,
    /// Client certificate (PEM).
    pub client_cert: PathBuf,
}

/// Writes `contents` to `dir/name` and returns the path.
fn write_pem(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents)
        .unwrap_or_else(|e| panic!("testkit: cannot write {}: {e}", path.display()));
    path
}

/// Parameters of a leaf certificate with the given common name and usage.
fn leaf_params(
    common_name: &str,
    sans: Vec<String>,
    usage: ExtendedKeyUsagePurpose,
) -> CertificateParams {
    let mut params = CertificateParams::new(sans).expect("valid subject alternative names");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "testkit");
    params.is_ca = IsCa::ExplicitNoCa;
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    params
}

impl Pki {
    /// Generates a fresh CA, server and client certificate and writes the
    /// PEM files (`ca-cert.pem`, `server-key.pem`, `server-cert.pem`,
    /// `client-key.pem`, `client-cert.pem`) into `dir`.
    pub fn generate(dir: &Path) -> Pki {
        let ca_key = KeyPair::generate().expect("generate CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "testkit CA");
        ca_params
            .distinguished_name
            .push(DnType::OrganizationName, "testkit");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("self-sign CA");
        let ca_pem = ca_cert.pem();
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("generate server key");
        let server_cert = leaf_params(
            "127.0.0.1",
            vec!["127.0.0.1".to_owned(), "localhost".to_owned()],
            ExtendedKeyUsagePurpose::ServerAuth,
        )
        .signed_by(&server_key, &issuer)
        .expect("sign server certificate");

        let client_key = KeyPair::generate().expect("generate client key");
        let client_cert = leaf_params(
            "testkit client",
            vec!["localhost".to_owned()],
            ExtendedKeyUsagePurpose::ClientAuth,
        )
        .signed_by(&client_key, &issuer)
        .expect("sign client certificate");

        Pki {
            ca_cert: write_pem(dir, "ca-cert.pem", &ca_pem),
            server_key: write_pem(dir, "server-key.pem", &server_key.serialize_pem()),
            server_cert: write_pem(dir, "server-cert.pem", &server_cert.pem()),
            client_key: write_pem(dir, "client-key.pem", &client_key.serialize_pem()),
            client_cert: write_pem(dir, "client-cert.pem", &client_cert.pem()),
        }
    }

    /// The `--private-key=… --certificate=… --ca-cert=…` options that make
    /// an OVS client tool (`ovsdb-client`, `ovn-nbctl`, ...) present the
    /// client certificate and trust the CA.
    pub fn client_args(&self) -> Vec<String> {
        vec![
            format!("--private-key={}", self.client_key.display()),
            format!("--certificate={}", self.client_cert.display()),
            format!("--ca-cert={}", self.ca_cert.display()),
        ]
    }

    /// The same options for a server (server key and certificate).
    pub fn server_args(&self) -> Vec<String> {
        vec![
            format!("--private-key={}", self.server_key.display()),
            format!("--certificate={}", self.server_cert.display()),
            format!("--ca-cert={}", self.ca_cert.display()),
        ]
    }
}
