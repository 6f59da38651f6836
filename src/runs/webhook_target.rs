//! Where webhooks may be sent. A webhook URL is chosen by whoever holds an API key, and the
//! server then makes requests to it from inside the network and reports the outcome in the
//! delivery log: without checks, that is a port scanner and a key to cloud metadata services
//! (server-side request forgery). So a target must be a plain `http(s)://host[:port]/path` whose
//! addresses are all public, unless the operator allows its host by name in the configuration
//! (`webhook_allowed_hosts`, for receivers on the same network or machine).
//!
//! The addresses are checked twice: when the subscription is made (a clear error at once), and
//! at every delivery, through the HTTP client's resolver, so that a name that later resolves to
//! a private address (DNS rebinding) is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;

/// What the operator allows beyond public addresses.
#[derive(Debug, Clone, Default)]
pub struct TargetPolicy {
    /// Hosts allowed whatever they resolve to, compared case-insensitively with the URL's host
    /// as written (`127.0.0.1`, `[::1]`, `hooks.internal`).
    pub allowed_hosts: Vec<String>,
}

impl TargetPolicy {
    fn allows_host(&self, host: &str) -> bool {
        self.allowed_hosts
            .iter()
            .any(|allowed| allowed.trim_matches(['[', ']']).eq_ignore_ascii_case(host))
    }

    /// Checks a webhook URL's form, and every address its host has: written in the URL, or
    /// resolved from its name (a name that does not resolve is refused: nothing could be
    /// delivered to it).
    pub fn check(&self, text: &str) -> Result<reqwest::Url, String> {
        // URL parsing forgives `http:///host` as `http://host`; a receiver's URL should not
        // need forgiving.
        let forgiven = |scheme: &str| {
            text.get(..scheme.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
        };
        if forgiven("http:///") || forgiven("https:///") {
            return Err("the URL has no host".into());
        }
        let url = reqwest::Url::parse(text).map_err(|e| format!("not a valid URL ({e})"))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(format!(
                "the scheme must be http or https (got {:?})",
                url.scheme()
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("credentials in the URL are not accepted; use the signing secret".into());
        }
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err("the URL has no host".into());
        };
        let host = host.trim_matches(['[', ']']).to_owned();
        if url.port() == Some(0) {
            return Err("port 0 is not a port a receiver listens on".into());
        }
        if self.allows_host(&host) {
            return Ok(url);
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => (host.as_str(), port)
                .to_socket_addrs()
                .map(Iterator::collect)
                .unwrap_or_default(),
        };
        if addresses.is_empty() {
            return Err(format!("the host {host:?} cannot be resolved"));
        }
        if let Some(refused) = addresses.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "{host} is {} address ({}), which webhooks may not target unless \
                 webhook_allowed_hosts lists {host:?}",
                describe(refused.ip()),
                refused.ip()
            ));
        }
        Ok(url)
    }

    /// The resolver the delivery client uses: names resolve as usual, and the private ones are
    /// dropped unless their host is allowed; a name left with no address fails to connect.
    pub fn resolver(&self) -> Arc<CheckedResolver> {
        Arc::new(CheckedResolver {
            policy: self.clone(),
        })
    }
}

pub struct CheckedResolver {
    policy: TargetPolicy,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.policy.allows_host(&host);
        Box::pin(async move {
            // Resolved in place: this runs on the webhook sender's own client runtime, which
            // nothing else shares, so blocking it for a lookup delays only deliveries.
            let resolved: Vec<SocketAddr> = (host.as_str(), 0)
                .to_socket_addrs()
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?
                .collect();
            let permitted: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|address| allowed || is_public(address.ip()))
                .collect();
            if permitted.is_empty() {
                return Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the webhook host resolves only to addresses webhooks may not target",
                ))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Routable on the public internet: not loopback, private, link-local (which holds the cloud
/// metadata address 169.254.169.254), carrier-grade NAT, unspecified, broadcast, multicast,
/// documentation or otherwise reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local (fc00::/7), AWS's fd00:ec2::254
                || (first & 0xffc0) == 0xfe80 // link-local
                || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b) // NAT64 of any IPv4
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn describe(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(v4) if v4.is_loopback() => "a loopback",
        IpAddr::V6(v6) if v6 == Ipv6Addr::LOCALHOST => "a loopback",
        IpAddr::V4(v4) if v4.is_link_local() => "a link-local (cloud metadata)",
        IpAddr::V4(v4) if v4.is_private() => "a private",
        _ => "a non-public",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_metadata_targets_are_refused() {
        let policy = TargetPolicy::default();
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "http://10.1.2.3/hook",
            "http://172.16.0.1/hook",
            "http://192.168.1.1/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/hook",
            "http://[fd00:ec2::254]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://0.0.0.0/hook",
            "http://100.64.0.1/hook",
            "https://127.0.0.1/hook",
            "https://[::1]:8443/hook",
            "https://169.254.169.254/latest/meta-data/",
        ] {
            assert!(policy.check(url).is_err(), "{url} refused");
        }
    }

    #[test]
    fn malformed_targets_are_refused_with_a_reason() {
        let policy = TargetPolicy::default();
        for url in [
            "http://",
            "http:///hook",
            "http://example.com:99999/hook",
            "http://example.com:0/hook",
            "https:///hook",
            "ftp://example.com/hook",
            "http://user:pass@example.com/hook",
            "not a url",
        ] {
            assert!(policy.check(url).is_err(), "{url} refused");
        }
    }

    #[test]
    fn public_addresses_and_allowed_hosts_pass() {
        let policy = TargetPolicy {
            allowed_hosts: vec!["127.0.0.1".into(), "[::1]".into()],
        };
        assert!(policy.check("http://93.184.216.34/hook").is_ok());
        assert!(policy.check("https://93.184.216.34/hook").is_ok());
        assert!(policy.check("https://127.0.0.1:9443/hook").is_ok());
        assert!(policy.check("http://127.0.0.1:9000/hook").is_ok());
        assert!(policy.check("http://[::1]:9000/hook").is_ok());
        assert!(policy.check("http://10.0.0.1/hook").is_err(), "not listed");
    }
}
