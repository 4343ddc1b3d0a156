//! A real server on a fresh database, with users in each role.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use federa_store::{Actor, NewUser, OrgInput, Role, Store};
use federa_web::{AppState, app, hash_password};
use reqwest::redirect::Policy;

pub const PASSWORD: &str = "correct horse battery";

/// The header row of a member list file.
pub const HEADER: &str =
    "单位名称,简称,类型,统一社会信用代码,区县,行业,会员类别,入会日期,成立日期,代表,电话,邮箱\n";

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    /// The organisation `sec` keeps and `rep` represents a member of.
    pub home: i64,
    /// Another organisation nobody but the admin manages.
    pub other: i64,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
    server: tokio::task::JoinHandle<()>,
}

pub fn postgres_url() -> String {
    std::env::var("FEDERA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn fresh_schema() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "w_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        TestApp::sqlite_with(|state| state).await
    }

    /// A server on a fresh SQLite database whose state `configure` completes (with a mailer,
    /// say).
    pub async fn sqlite_with(configure: impl FnOnce(AppState) -> AppState) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("federa.db").display()
        );
        let store = Store::connect(&url).await.unwrap();
        TestApp::start(store, Some(dir), None, configure).await
    }

    pub async fn postgres() -> TestApp {
        let base = postgres_url();
        let schema = fresh_schema();
        let sep = if base.contains('?') { '&' } else { '?' };
        let store = match Store::connect(&format!("{base}{sep}schema={schema}")).await {
            Ok(s) => s,
            Err(e) => panic!(
                "PostgreSQL is required for the web tests and {base} is not usable: {e}. \
                 Start PostgreSQL (scripts/test does) or set FEDERA_TEST_POSTGRES."
            ),
        };
        TestApp::start(store, None, Some(schema), |state| state).await
    }

    async fn start(
        store: Store,
        dir: Option<tempfile::TempDir>,
        schema: Option<String>,
        configure: impl FnOnce(AppState) -> AppState,
    ) -> TestApp {
        let hash = hash_password(PASSWORD).unwrap();
        let mk = |name: &str, admin: bool| NewUser {
            username: name.to_string(),
            display_name: None,
            password_hash: hash.clone(),
            is_admin: admin,
        };
        store
            .create_user(Actor::System, &mk("admin", true))
            .await
            .unwrap();
        let sec = store
            .create_user(Actor::System, &mk("sec", false))
            .await
            .unwrap();
        let rep = store
            .create_user(Actor::System, &mk("rep", false))
            .await
            .unwrap();
        let org = |name: &str| OrgInput {
            name: name.to_string(),
            kind: "association".to_string(),
            district: Some("渝中区".to_string()),
            sector: Some("网络媒体".to_string()),
            ..OrgInput::default()
        };
        let home = store
            .create_organisation(Actor::System, &org("重庆市网络媒体协会"))
            .await
            .unwrap()
            .id;
        let other = store
            .create_organisation(Actor::System, &org("Other Association"))
            .await
            .unwrap()
            .id;
        store
            .grant_role(Actor::System, sec.id, home, Role::Secretariat)
            .await
            .unwrap();
        store
            .grant_role(Actor::System, rep.id, home, Role::Representative)
            .await
            .unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = app(configure(AppState::new(store.clone())));
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        let t = TestApp {
            addr,
            store,
            home,
            other,
            _dir: dir,
            schema,
            server,
        };
        // Ready once the health check answers (the socket is bound already; this waits for
        // the serving task).
        let c = t.client();
        let mut ready = false;
        for _ in 0..500 {
            if let Ok(r) = c.get(t.url("/healthz")).send().await
                && r.status() == 200
            {
                ready = true;
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(ready, "server never became ready");
        t
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The answer to `c` fetching `path`.
    pub async fn get(&self, c: &reqwest::Client, path: &str) -> reqwest::Response {
        c.get(self.url(path)).send().await.unwrap()
    }

    /// The body of the page at `path`, fetched by `c`.
    pub async fn page(&self, c: &reqwest::Client, path: &str) -> String {
        self.get(c, path).await.text().await.unwrap()
    }

    /// The answer to `c` fetching `path` with the `accept-language` header `lang`.
    pub async fn get_in(&self, c: &reqwest::Client, path: &str, lang: &str) -> reqwest::Response {
        c.get(self.url(path))
            .header("accept-language", lang)
            .send()
            .await
            .unwrap()
    }

    /// The body of the page at `path`, fetched by `c` with the `accept-language` header `lang`.
    pub async fn page_in(&self, c: &reqwest::Client, path: &str, lang: &str) -> String {
        self.get_in(c, path, lang).await.text().await.unwrap()
    }

    /// The answer to `c` posting the form fields `form` to `path`.
    pub async fn post_form(
        &self,
        c: &reqwest::Client,
        path: &str,
        form: &(impl serde::Serialize + ?Sized),
    ) -> reqwest::Response {
        c.post(self.url(path)).form(form).send().await.unwrap()
    }

    /// The answer to `c` posting the multipart form `form` to `path`.
    pub async fn post_multipart(
        &self,
        c: &reqwest::Client,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> reqwest::Response {
        c.post(self.url(path)).multipart(form).send().await.unwrap()
    }

    /// Defines the member categories of `home`, each as (key, Chinese name, rank, annual
    /// dues in fen).
    pub async fn define_categories(&self, cats: &[(&str, &str, u16, i64)]) {
        self.store
            .define_categories(
                Actor::System,
                self.home,
                &cats
                    .iter()
                    .map(|(k, n, r, d)| federa_core::registry::Category {
                        key: (*k).into(),
                        name: (*n).into(),
                        name_en: None,
                        rank: *r,
                        annual_dues_fen: *d,
                    })
                    .collect::<Vec<_>>(),
            )
            .await
            .unwrap();
    }

    /// The answer to `c` calling the API at `method path` with the `authorization` header
    /// `auth` and, if given, the JSON `body`.
    pub async fn api(
        &self,
        c: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
        auth: &str,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let r = c
            .request(method, self.url(path))
            .header("authorization", auth);
        let r = match body {
            Some(body) => r.json(body),
            None => r,
        };
        r.send().await.unwrap()
    }

    /// A client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    /// A client signed in as `username` through the sign-in form, and its CSRF token.
    pub async fn signed_in(&self, username: &str) -> (reqwest::Client, String) {
        let c = self.client();
        let page = self.page(&c, "/signin").await;
        let pre = csrf_of(&page);
        let r = self
            .post_form(
                &c,
                "/signin",
                &[
                    ("csrf", pre.as_str()),
                    ("username", username),
                    ("password", PASSWORD),
                    ("next", "/organisations"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "sign-in as {username}");
        let page = self.page(&c, "/organisations").await;
        let csrf = csrf_of(&page);
        assert_ne!(csrf, pre, "a session has its own CSRF token");
        (c, csrf)
    }

    /// A bearer token for `username`, made through the API on a cookie session.
    pub async fn token(&self, username: &str) -> String {
        let (c, csrf) = self.signed_in(username).await;
        let r = c
            .post(self.url("/api/tokens"))
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({"name": "script"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    /// How many audit events and organisations the database holds: unchanged after a refusal.
    pub async fn snapshot(&self) -> (u64, u64) {
        let audit = self
            .store
            .list_audit_events(None, None, federa_store::Page::new(0, 1))
            .await
            .unwrap()
            .total;
        let orgs = self
            .store
            .list_organisations(&Default::default(), federa_store::Page::new(0, 1))
            .await
            .unwrap()
            .total;
        (audit, orgs)
    }

    pub async fn finish(mut self) {
        self.server.abort();
        if let Some(schema) = self.schema.take() {
            self.store
                .execute_unaudited(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .await
                .unwrap();
        }
        self.store.close().await;
    }
}

/// A `text/plain` file part named `file_name` holding `content`, for a multipart form.
pub fn text_attachment(content: Vec<u8>, file_name: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(content)
        .file_name(file_name.to_string())
        .mime_str("text/plain")
        .unwrap()
}

/// The value of the first `name="csrf"` hidden field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("page has a CSRF field");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The directory under the build directory where browser tests save their screenshots.
pub fn test_output_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("test-output");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn browser_binary(var: &str, default: &str) -> PathBuf {
    let path = PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.into()));
    assert!(
        path.exists(),
        "{} not found (install Debian's chromium and chromium-driver, as scripts/test does, or \
         set {var})",
        path.display()
    );
    path
}

/// A chromedriver of one test, killed when the test ends however it ends, with the Chromium
/// profile directory it drives.
pub struct Chromedriver {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Headless Chromium in Chinese with a `width`×`height` window, driven through a chromedriver
/// of its own on a free port. A missing Chromium or chromedriver fails the test.
pub async fn chromium(width: u32, height: u32) -> (fantoccini::Client, Chromedriver) {
    let chrome = browser_binary("FEDERA_CHROMIUM", "/usr/bin/chromium");
    let driver = browser_binary("FEDERA_CHROMEDRIVER", "/usr/bin/chromedriver");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Chromedriver {
        child: Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver"),
        _profile: tempfile::tempdir().unwrap(),
    };
    let driver_url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..600 {
        if http
            .get(format!("{driver_url}/status"))
            .send()
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "chromedriver never answered");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chrome,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-component-update", "--disable-sync",
                format!("--window-size={width},{height}"), "--lang=zh-CN",
                format!("--user-data-dir={}", driver._profile.path().display()),
            ],
        }),
    );
    let b =
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver_url)
            .await
            .expect("starting a Chromium session");
    (b, driver)
}

/// Headless Chromium as `chromium(1280, 900)` gives it, with `username` signed in through the
/// sign-in form and on the organisation list.
pub async fn chromium_signed_in(
    app: &TestApp,
    username: &str,
) -> (fantoccini::Client, Chromedriver) {
    let (b, driver) = chromium(1280, 900).await;
    browser_sign_in(&b, app, "/signin", username, "table.list").await;
    (b, driver)
}

/// Signs `username` in through the sign-in form at `path` (which may name the page to go to
/// next) and waits for the element `then` of the page it lands on.
pub async fn browser_sign_in(
    b: &fantoccini::Client,
    app: &TestApp,
    path: &str,
    username: &str,
    then: &str,
) {
    use fantoccini::Locator;
    b.goto(&app.url(path)).await.unwrap();
    type_into(b, "username", username).await;
    type_into(b, "password", PASSWORD).await;
    click(b, "form button[type=submit]").await;
    b.wait().for_element(Locator::Css(then)).await.unwrap();
}

/// Signs `username` in straight to `page`, waits for its element `then`, and switches the
/// pages to Chinese.
pub async fn browser_sign_in_chinese(
    b: &fantoccini::Client,
    app: &TestApp,
    page: &str,
    username: &str,
    then: &str,
) {
    browser_sign_in(b, app, &format!("/signin?next={page}"), username, then).await;
    b.goto(&app.url(&format!("/lang/zh-CN?back={page}")))
        .await
        .unwrap();
}

/// Types `text` into the element with the id `id`.
pub async fn type_into(b: &fantoccini::Client, id: &str, text: &str) {
    b.find(fantoccini::Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks the element the CSS selector `css` finds.
pub async fn click(b: &fantoccini::Client, css: &str) {
    b.find(fantoccini::Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}
