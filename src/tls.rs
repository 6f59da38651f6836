//! The process's TLS crypto: rustls with ring, installed once before any HTTP client is built.
//!
//! reqwest is built with `rustls-no-provider` (its default provider, aws-lc-rs, is a large C
//! build that CI would pay for on every fresh machine), and such a reqwest panics when a client
//! is built before a provider is installed. So every client, in the crate, its benches and its
//! tests, is built after [`install_crypto`]. rustls 0.23.48 deprecates ring's provider for
//! lacking post-quantum key exchange; webhook deliveries are signed besides.

pub fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        // Already installed (by an embedding program) is as good.
        let _ = provider.install_default();
    });
}
