//! `federa serve`, `demo` and `admin create-user`, run as a user would run them: the real
//! binary on port 0 with a fresh data directory, waited on through the URL line it prints.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use federa_store::{MembershipFilter, Page, Store};

/// The `federa` binary with an environment that chooses nothing for the test.
pub(crate) fn federa() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_federa"));
    // Keep the environment from choosing for the test.
    c.env_remove("FEDERA_DATA_DIR")
        .env_remove("FEDERA_LISTEN")
        .env_remove("FEDERA_DATABASE_URL");
    c
}

/// A running server and the lines it printed up to its URL.
struct Server {
    child: Child,
    out: BufReader<ChildStdout>,
    addr: String,
    printed: Vec<String>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = federa()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut printed = Vec::new();
        let addr = loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                let status = child.wait().unwrap();
                panic!("federa exited ({status}) before printing its URL; it printed {printed:?}");
            }
            printed.push(line.trim_end().to_string());
            if let Some(rest) = line.trim().strip_prefix("federa listening on http://") {
                break rest.trim_end_matches('/').to_string();
            }
        };
        Server {
            child,
            out,
            addr,
            printed,
        }
    }

    /// Reads `n` more lines the server prints after its URL (the demo's banner).
    fn read_lines(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let mut line = String::new();
                self.out.read_line(&mut line).unwrap();
                line.trim_end().to_string()
            })
            .collect()
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let status = resp.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, resp)
    }

    /// Sends SIGTERM and waits for the exit.
    fn terminate(mut self) -> ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        wait_exit(&mut self.child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for the process to end; a generous guard against a hang, not a timing assertion.
fn wait_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "federa did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The URL of the SQLite database in the data directory `dir`.
pub(crate) fn sqlite_in(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("federa.db").display())
}

#[test]
fn serve_answers_healthz_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&[
        "serve",
        "--data-dir",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let (status, body) = server.get("/healthz");
    assert_eq!(status, 200, "{body}");
    assert!(data.join("federa.db").exists());
    let status = server.terminate();
    assert!(status.success(), "exit status {status}");
}

#[test]
fn serve_takes_its_settings_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = federa()
        .arg("serve")
        .env("FEDERA_DATA_DIR", dir.path())
        .env("FEDERA_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("federa listening on http://127.0.0.1:"),
        "{line}"
    );
    assert!(dir.path().join("federa.db").exists());
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(wait_exit(&mut child).success());
}

#[test]
fn an_unknown_database_scheme_is_an_error() {
    let out = federa()
        .args([
            "serve",
            "--database",
            "mysql://root@localhost/federa",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported database URL"), "{err}");
}

#[tokio::test]
async fn admin_create_user_makes_an_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = federa()
        .args([
            "admin",
            "create-user",
            "--data-dir",
            d,
            "--username",
            "chair",
            "--password",
            "s3cret-pass",
            "--admin",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created administrator chair"));

    // Again: the name is taken, and the message says so.
    let again = federa()
        .args([
            "admin",
            "create-user",
            "--data-dir",
            d,
            "--username",
            "chair",
            "--password",
            "other-pass",
        ])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("\"chair\" is taken"));

    // Without a password, one is generated and printed.
    let generated = federa()
        .args([
            "admin",
            "create-user",
            "--data-dir",
            d,
            "--username",
            "clerk",
        ])
        .output()
        .unwrap();
    assert!(generated.status.success());
    let stdout = String::from_utf8_lossy(&generated.stdout);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap();
    assert_eq!(password.len(), 20);

    let store = Store::connect(&sqlite_in(dir.path())).await.unwrap();
    let chair = store.find_user_by_username("chair").await.unwrap().unwrap();
    assert!(chair.is_admin);
    assert!(chair.password_hash.starts_with("$argon2id$"));
    assert!(verify(&chair.password_hash, "s3cret-pass"));
    assert!(!verify(&chair.password_hash, "other-pass"));
    let clerk = store.find_user_by_username("clerk").await.unwrap().unwrap();
    assert!(!clerk.is_admin);
    assert!(verify(&clerk.password_hash, password));
    store.close().await;
}

fn verify(hash: &str, password: &str) -> bool {
    use argon2::PasswordVerifier as _;
    let parsed = argon2::PasswordHash::new(hash).unwrap();
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

#[tokio::test]
async fn demo_seeds_ninety_two_member_units() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let mut server = Server::start(&[
        "demo",
        "--data-dir",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let banner = server.read_lines(3);
    assert!(
        banner[0].contains("重庆市网络媒体协会") && banner[0].contains("92"),
        "{banner:?}"
    );
    let password = banner[1].rsplit(' ').next().unwrap().to_string();
    assert!(
        banner[1].starts_with("sign in as admin with password "),
        "{banner:?}"
    );
    assert_eq!(server.get("/healthz").0, 200);
    let printed = server.printed.clone();
    assert!(server.terminate().success(), "{printed:?}");

    let store = Store::connect(&sqlite_in(&data)).await.unwrap();
    let assoc = store
        .find_organisation_by_name("重庆市网络媒体协会")
        .await
        .unwrap()
        .unwrap();
    let units = store
        .list_memberships(assoc.id, &MembershipFilter::default(), Page::new(0, 500))
        .await
        .unwrap();
    assert_eq!(units.total, 92);
    let districts: std::collections::HashSet<_> = units
        .items
        .iter()
        .filter_map(|m| m.member.district.clone())
        .collect();
    assert!(
        districts.contains("渝中区") && districts.contains("万州区"),
        "{districts:?}"
    );
    federation_has_the_secretariats_work(&store).await;
    let admin = store.find_user_by_username("admin").await.unwrap().unwrap();
    assert!(admin.is_admin && verify(&admin.password_hash, &password));
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
    store.close().await;

    // A second demo on the same directory starts afresh rather than failing on duplicates.
    let again = Server::start(&[
        "demo",
        "--data-dir",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(again.terminate().success());

    // A directory the demo did not make is refused, not wiped.
    let foreign = dir.path().join("mine");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let out = federa()
        .args([
            "demo",
            "--data-dir",
            foreign.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(foreign.join("notes.txt").exists());
}

/// The federation that succeeded the association carries on its 92 member units with their
/// representatives and dues, and holds the demo's activities, circulars (partly acknowledged)
/// and the convention with its signatures; the association keeps none of them.
async fn federation_has_the_secretariats_work(store: &Store) {
    let assoc = store
        .find_organisation_by_name("重庆市网络媒体协会")
        .await
        .unwrap()
        .unwrap();
    let fed = store
        .find_organisation_by_name("重庆市互联网联合会")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.succession_of(assoc.id).await.unwrap().map(|s| s.1),
        Some(fed.id)
    );
    let current = MembershipFilter {
        current_only: true,
        ..MembershipFilter::default()
    };
    let units = store
        .list_memberships(fed.id, &current, Page::new(0, 500))
        .await
        .unwrap();
    assert_eq!(units.total, 92);
    for m in &units.items {
        let m = store.get_member(m.id).await.unwrap();
        assert!(m.representative.is_some(), "{m:?}");
    }
    let dues = store.dues_report(fed.id, Some(2025)).await.unwrap();
    assert!(dues.lines.len() >= 50, "{}", dues.lines.len());
    let owing = dues.lines.iter().filter(|l| l.outstanding_fen > 0).count();
    assert!(owing > 0 && owing < dues.lines.len(), "{owing}");

    let activities = store.list_activities(fed.id, None).await.unwrap();
    assert!(activities.len() >= 3, "{activities:?}");
    let circulars = store.list_circulars(fed.id).await.unwrap();
    assert!(circulars.len() >= 2, "{circulars:?}");
    let to_all = circulars
        .iter()
        .max_by_key(|c| c.progress.recipients)
        .unwrap();
    assert_eq!(to_all.progress.recipients, 92);
    assert!(
        to_all.progress.acknowledged > 0 && to_all.progress.acknowledged < 92,
        "{:?}",
        to_all.progress
    );
    assert!(!store.list_reminders(to_all.id).await.unwrap().is_empty());
    let conventions = store.list_conventions(fed.id).await.unwrap();
    assert_eq!(conventions.len(), 1);
    let convention = store.get_convention(conventions[0].id).await.unwrap();
    assert!(!convention.signatures.is_empty());
    assert!(!convention.not_signed.is_empty());

    assert!(
        store
            .list_activities(assoc.id, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.list_circulars(assoc.id).await.unwrap().is_empty());
    assert!(store.list_conventions(assoc.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn serve_runs_on_postgres_in_its_own_schema() {
    let base = std::env::var("FEDERA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let schema = format!("serve_{}", std::process::id());
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}schema={schema}");
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&[
        "serve",
        "--database",
        &url,
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let (status, body) = server.get("/healthz");
    assert!(server.terminate().success());
    // The server used PostgreSQL, not a SQLite file in the data directory.
    assert!(!dir.path().join("federa.db").exists());
    let store = Store::connect(&url).await.unwrap();
    let tables: i64 = store
        .list_audit_events(None, None, Page::default())
        .await
        .map(|p| p.total as i64)
        .unwrap();
    store
        .execute_unaudited(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
    store.close().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(tables, 0);
}
