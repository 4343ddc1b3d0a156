//! Email copies of circulars and reminders, through an SMTP server (`smtp://host:port`, plain
//! SMTP as an organisation's relay accepts it on its own network), with lettre on tokio.
//!
//! Mail is a copy: the inbox page always shows the circular, and each copy's outcome (sent, or
//! failed with the server's reason) is recorded on the recipient, so a failing server loses
//! nothing.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// How long one SMTP conversation may take before the copy counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// A configured mail server and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// A mailer for `smtp://host[:port]` (port 25 by default) sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("the SMTP URL must start with smtp://, not {url:?}"))?;
        let hostport = rest.trim_end_matches('/');
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("bad port in the SMTP URL {url:?}"))?,
            ),
            None => (hostport, 25),
        };
        if host.is_empty() || host.contains(['@', '/', '?']) {
            return Err(format!("bad host in the SMTP URL {url:?}"));
        }
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("bad sender address {from:?}: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Mailer {
            transport,
            from,
            server: format!("{host}:{port}"),
        })
    }

    /// Sends one plain-text message; the error says why the server did not take it.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("bad address {to:?}: {e}"))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
