//! HTTPS without a proxy: providers call only `https` URLs. The certificate and key are PEM
//! files read at start-up and read again on SIGHUP or when either file changes, so a renewal
//! (certbot, cert-manager) needs no restart; a renewal that does not load keeps the current
//! certificate and says why.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::error::ConfigError;

/// How often the files are looked at for a change.
const WATCH_INTERVAL: Duration = Duration::from_secs(5);

/// Where the receiver's certificate chain and private key are, as PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first (`fullchain.pem`).
    pub cert: PathBuf,
    /// Its private key (PKCS #8, PKCS #1 or SEC1).
    pub key: PathBuf,
}

impl TlsFiles {
    /// The chain at `cert` and the key at `key`.
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> TlsFiles {
        TlsFiles {
            cert: cert.into(),
            key: key.into(),
        }
    }
}

/// A loaded certificate that reloads itself; cheap to clone.
#[derive(Clone)]
pub(crate) struct Tls {
    acceptor: TlsAcceptor,
    current: Arc<Current>,
}

struct Current {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    key: RwLock<Arc<CertifiedKey>>,
    /// When the files were last read: a change after it reloads them.
    read: RwLock<Option<(SystemTime, SystemTime)>>,
}

impl std::fmt::Debug for Current {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Current")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl ResolvesServerCert for Current {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(match self.key.read() {
            Ok(key) => key.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        })
    }
}

impl Tls {
    /// Loads `files`; an unreadable or mismatched pair is a start-up error.
    pub(crate) fn load(files: &TlsFiles) -> Result<Tls, ConfigError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let key = certified_key(files, &provider)?;
        let current = Arc::new(Current {
            files: files.clone(),
            provider: provider.clone(),
            key: RwLock::new(Arc::new(key)),
            read: RwLock::new(modified(files)),
        });
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(files, &e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            current,
        })
    }

    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// Reads the files again; on failure the current certificate stays.
    pub(crate) fn reload(&self) {
        let c = &self.current;
        let stamp = modified(&c.files);
        match certified_key(&c.files, &c.provider) {
            Ok(key) => {
                *c.key.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(key);
                *c.read.write().unwrap_or_else(|p| p.into_inner()) = stamp;
                tracing::info!(cert = %c.files.cert.display(), "TLS certificate reloaded");
            }
            Err(e) => {
                // Remembered as read, so a broken renewal is reported once, not every check.
                *c.read.write().unwrap_or_else(|p| p.into_inner()) = stamp;
                tracing::error!(error = %e, "TLS certificate not reloaded; keeping the current one");
            }
        }
    }

    /// Reloads on SIGHUP and when either file changes, until `shutdown`.
    pub(crate) fn watch(&self, shutdown: CancellationToken) {
        let tls = self.clone();
        tokio::spawn(async move {
            let mut hangup = hangup();
            let mut tick = tokio::time::interval(WATCH_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = next_hangup(&mut hangup) => tls.reload(),
                    _ = tick.tick() => {
                        let now = modified(&tls.current.files);
                        let seen = *tls.current.read.read().unwrap_or_else(|p| p.into_inner());
                        if now.is_some() && now != seen {
                            tls.reload();
                        }
                    }
                }
            }
        });
    }
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = ();

#[cfg(unix)]
fn hangup() -> Hangup {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}
#[cfg(not(unix))]
fn hangup() -> Hangup {}

#[cfg(unix)]
async fn next_hangup(signal: &mut Hangup) {
    if let Some(s) = signal
        && s.recv().await.is_some()
    {
        return;
    }
    std::future::pending().await
}
#[cfg(not(unix))]
async fn next_hangup(_: &mut Hangup) {
    std::future::pending().await
}

fn modified(files: &TlsFiles) -> Option<(SystemTime, SystemTime)> {
    let at = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    Some((at(&files.cert)?, at(&files.key)?))
}

fn certified_key(files: &TlsFiles, provider: &CryptoProvider) -> Result<CertifiedKey, ConfigError> {
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| tls_error(files, &format!("certificate: {e}")))?;
    if certs.is_empty() {
        return Err(tls_error(
            files,
            "the certificate file holds no certificate",
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| tls_error(files, &format!("private key: {e}")))?;
    let key = CertifiedKey::from_der(certs, key, provider)
        .map_err(|e| tls_error(files, &e.to_string()))?;
    Ok(key)
}

fn tls_error(files: &TlsFiles, why: &str) -> ConfigError {
    ConfigError::InvalidSetting(format!(
        "TLS with {} and {}: {why}",
        files.cert.display(),
        files.key.display()
    ))
}
