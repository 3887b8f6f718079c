//! The address of the client behind a request, for per-address limits and lockouts.
//!
//! A client can write any `X-Forwarded-For` it likes, so the header is believed only as
//! far as it was written by proxies this process trusts: when the TCP peer is a trusted
//! proxy, the client is the rightmost address of the header that is not itself a
//! trusted proxy (each proxy appends the address it saw, so everything left of that
//! entry was written by someone we do not trust). Otherwise the peer is the client and
//! the header is ignored. With no trusted proxies (the default) the header never
//! counts.
//!
//! Who trusts whom: the router trusts the load balancer in front of it
//! (`CHAOS_TRUSTED_PROXIES`), resolves the client with these rules and sends the
//! subgraphs that one address as `X-Forwarded-For`; a subgraph trusts the router (the
//! all-in-one's subgraphs trust loopback, where its router calls them from; in a
//! cluster, `CHAOS_<SERVICE>__SERVER__TRUSTED_PROXIES` names the router's network).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// The header proxies append the address they saw to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// Networks whose `X-Forwarded-For` entries are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// Trusts nobody: the TCP peer is always the client.
    pub fn none() -> Self {
        Self::default()
    }

    /// Trusts this machine only (127.0.0.0/8 and ::1): the all-in-one's subgraphs, called
    /// by the router in the same process.
    pub fn loopback() -> Self {
        Self(vec![
            Network::from_str("127.0.0.0/8").expect("a valid network"),
            Network::from_str("::1/128").expect("a valid network"),
        ])
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `address` is a trusted proxy.
    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(address))
    }

    /// The client behind a request from `peer` carrying `forwarded_for` (the values of
    /// every `X-Forwarded-For` header, in order). `None` only without a peer.
    pub fn client_address<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        let mut client = peer?;
        if !self.trusts(client) {
            return Some(client);
        }
        let hops: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            // An entry that is not an address was not written by a proxy we trust: the
            // last address we could believe is the client.
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        Some(client)
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated networks (`10.0.0.0/8, 192.168.1.7`); empty: none.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(Network::from_str)
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    /// A list of networks, or one comma-separated string of them (as an environment
    /// variable gives it).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            List(Vec<String>),
            Text(String),
        }
        let text = match Form::deserialize(deserializer)? {
            Form::List(entries) => entries.join(","),
            Form::Text(text) => text,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An address range in CIDR notation; a bare address is a range of one.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(&self, address: IpAddr) -> bool {
        match (self.base, address) {
            (IpAddr::V4(base), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(base) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(base) & mask == u128::from(address) & mask
            }
            // An IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d).
            (IpAddr::V4(_), IpAddr::V6(address)) => address
                .to_ipv4_mapped()
                .is_some_and(|address| self.contains(IpAddr::V4(address))),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("`{text}` is not an address or a network (e.g. 10.0.0.0/8)");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let base: IpAddr = address.trim().parse().map_err(|_| invalid())?;
        let bits = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.trim().parse::<u8>().map_err(|_| invalid())?,
            None => bits,
        };
        if prefix > bits {
            return Err(invalid());
        }
        Ok(Self { base, prefix })
    }
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn proxies(list: &str) -> TrustedProxies {
        list.parse().expect("valid networks")
    }

    #[test]
    fn without_trusted_proxies_the_header_never_counts() {
        let client = TrustedProxies::none().client_address(Some(ip("198.51.100.4")), ["1.2.3.4"]);
        assert_eq!(client, Some(ip("198.51.100.4")));
    }

    #[test]
    fn a_header_from_an_untrusted_peer_is_ignored() {
        let trusted = proxies("10.0.0.0/8");
        let client = trusted.client_address(Some(ip("198.51.100.4")), ["203.0.113.9"]);
        assert_eq!(client, Some(ip("198.51.100.4")));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = proxies("10.0.0.0/8, 192.168.1.7");
        // The client claimed 1.1.1.1 itself; the load balancer (192.168.1.7) saw
        // 203.0.113.9, and an inner proxy (10.0.0.2) saw the load balancer.
        let client = trusted.client_address(
            Some(ip("10.0.0.2")),
            ["1.1.1.1, 203.0.113.9", "192.168.1.7"],
        );
        assert_eq!(client, Some(ip("203.0.113.9")));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_believable_address() {
        let trusted = proxies("10.0.0.0/8");
        let client = trusted.client_address(Some(ip("10.0.0.2")), ["not-an-ip, 10.0.0.1"]);
        assert_eq!(client, Some(ip("10.0.0.1")));
        let client = trusted.client_address(Some(ip("10.0.0.2")), [""]);
        assert_eq!(client, Some(ip("10.0.0.2")));
    }

    #[test]
    fn networks_match_by_prefix_in_both_families() {
        let trusted = proxies("10.1.0.0/16, fd00::/8, 0.0.0.0/0");
        assert!(trusted.trusts(ip("10.1.200.3")));
        assert!(trusted.trusts(ip("8.8.8.8")), "0.0.0.0/0 is everything");
        assert!(trusted.trusts(ip("fd12::1")));
        assert!(!proxies("10.1.0.0/16").trusts(ip("10.2.0.1")));
        assert!(!proxies("fd00::/8").trusts(ip("fe80::1")));
        assert!(TrustedProxies::loopback().trusts(ip("::ffff:127.0.0.1")));
        assert!(!TrustedProxies::loopback().trusts(ip("192.0.2.1")));
    }

    #[test]
    fn bad_networks_are_refused_when_configured() {
        for bad in ["10.0.0.0/33", "fd00::/129", "ten.0.0.0/8", "10.0.0.0/x"] {
            assert!(bad.parse::<TrustedProxies>().is_err(), "{bad}");
        }
        assert!("".parse::<TrustedProxies>().expect("empty").is_empty());
        let parsed: TrustedProxies =
            serde_json::from_value(serde_json::json!(["10.0.0.0/8", "::1"])).expect("a list");
        assert_eq!(parsed, proxies("10.0.0.0/8, ::1"));
    }
}
