//! TLS for every HTTP client paycheck builds (the run's, the gateway's callback sender, the
//! proxy's), set up only when a client first talks TLS.
//!
//! Loading the platform's root certificates costs about a fifth of a one-case run's start-up, and
//! most runs (the embedded gateway, `paycheck serve`, a local mock, callbacks to the run's own
//! listener) never open a TLS connection.
//! The verifier here is the platform verifier reqwest would build, created on the first
//! certificate it is asked to check.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, Error as TlsError, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// The start of every HTTP client paycheck builds: TLS as [`client_config`] sets it up, with
/// rustls's process-wide provider installed (reqwest is built without one of its own).
pub fn client_builder() -> Result<reqwest::ClientBuilder, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder().tls_backend_preconfigured(client_config()?))
}

/// The client's TLS configuration: the platform's roots (loaded on first use), HTTP/2 and 1.1.
pub fn client_config() -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(LazyPlatformVerifier { provider: Arc::clone(&provider), inner: OnceLock::new() });
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("cannot set up TLS: {error}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The platform verifier, built the first time a certificate is checked.
#[derive(Debug)]
struct LazyPlatformVerifier {
    provider: Arc<CryptoProvider>,
    inner: OnceLock<Result<Verifier, TlsError>>,
}

impl LazyPlatformVerifier {
    fn verifier(&self) -> Result<&Verifier, TlsError> {
        self.inner.get_or_init(|| Verifier::new(Arc::clone(&self.provider))).as_ref().map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyPlatformVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        self.verifier()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::pem::PemObject;

    use super::*;

    /// A self-signed certificate for `localhost` (no key: only its verification is tested).
    const SELF_SIGNED: &str = "-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUaH6y3V7zIAIJNO8m/yK1ZG8IC/cwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEzMDEyMzkyNFoYDzIxMjYxMTA2
MTIzOTI0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARxbv1n2X9LTEr+6NcLToBPb7grjPb8M5dRkCoLJWPXrRErPhkxrqqR
BG4mcSq0+J915JcR8sqPaH6MzHOsRZAUo2kwZzAdBgNVHQ4EFgQU+fFpRo5QuLP2
MNa2UVsgI6PnoZ0wHwYDVR0jBBgwFoAU+fFpRo5QuLP2MNa2UVsgI6PnoZ0wDwYD
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
SAAwRQIhAPmsGkk5V1qZDHtfDziKont/9GxwAl5JhrXgR0N3RTZeAiABuHGQ5Epz
TjJbBQ+J0fqDpZKSllPAP90zOlipAP2jog==
-----END CERTIFICATE-----
";

    #[test]
    fn a_certificate_no_platform_root_signed_is_refused() {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = LazyPlatformVerifier { provider, inner: OnceLock::new() };
        let certificate = CertificateDer::from_pem_slice(SELF_SIGNED.as_bytes()).expect("the test certificate parses");
        let name = ServerName::try_from("localhost").expect("a valid name");
        let verdict = verifier.verify_server_cert(&certificate, &[], &name, &[], UnixTime::now());
        assert!(
            matches!(verdict, Err(TlsError::InvalidCertificate(_))),
            "a self-signed certificate must be refused, got {verdict:?}"
        );
        assert!(!verifier.supported_verify_schemes().is_empty());
    }

    #[test]
    fn nothing_is_loaded_until_a_certificate_is_checked() {
        let config = client_config().expect("the TLS configuration builds");
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    }
}
